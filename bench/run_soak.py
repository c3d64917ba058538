#!/usr/bin/env python3
"""Soak (issue 18): a steady mixed load for a long time, to show that nothing grows.

One Sightline takes lines over TCP (one connection), UDP and a followed file, tags them,
routes ERROR lines to a `tcp` sink with a disk buffer whose receiver flaps (it listens
for `--flap` seconds, then refuses for as long, closing what it had), and the rest to a
file; 50 WebSocket clients read every push; 1 % of lines are traced. Every 10 s the
driver samples the server's RSS and open descriptors (from /proc), the time GET /health
takes, and the counters. At the end the load stops, the receiver stays up, the buffer
drains, and the accounting must be exact: every line sent is in the file, at the
receiver, or counted as dropped with a reason.

Usage: bench/run_soak.py BUILD_DIR [--minutes 30] [--rate 2000] [--flap 30] [--warmup 180]
Prints a Markdown table of the samples and the accounting; exits 1 if the accounting
does not hold or the server failed.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_lib import WebSocketCrowd, free_port, http, wait_until  # noqa: E402


class FlappingReceiver:
    """A TCP line receiver on `port` that is up for `period` s, then down (listener and
    connections closed) for as long; counts the distinct lines it got and the copies."""

    def __init__(self, port, period):
        self.port, self.period = port, period
        self.seen, self.copies = set(), 0
        self.always_up = threading.Event()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def serve_for(self, seconds):
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(8)
        srv.settimeout(0.2)
        conns, tails = [], {}
        end = time.time() + seconds
        while not self.stop.is_set() and (self.always_up.is_set() or time.time() < end):
            try:
                c, _ = srv.accept()
                c.setblocking(False)
                conns.append(c)
                tails[c] = b""
            except socket.timeout:
                pass
            for c in list(conns):
                try:
                    data = c.recv(1 << 20)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    conns.remove(c)
                    c.close()
                    continue
                data = tails[c] + data
                *lines, tails[c] = data.split(b"\n")
                with self.lock:
                    for line in lines:
                        if line in self.seen:
                            self.copies += 1
                        else:
                            self.seen.add(line)
        for c in conns:
            c.close()
        srv.close()

    def run(self):
        while not self.stop.is_set():
            self.serve_for(self.period)
            end = time.time() + self.period
            while not self.stop.is_set() and not self.always_up.is_set() and time.time() < end:
                time.sleep(0.1)

    def distinct(self):
        with self.lock:
            return len(self.seen)


class Feeder:
    """Sends `rate` lines per second through `send(batch)` in 10 batches a second;
    one line in ten is an ERROR line. Counts what it sent."""

    def __init__(self, name, rate, send):
        self.name, self.rate, self.send_batch = name, rate, send
        self.sent = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        per_tick = max(1, self.rate // 10)
        next_at = time.time()
        while not self.stop.is_set():
            batch = [(f"ERROR soak {self.name} {self.sent + i}" if (self.sent + i) % 10 == 0
                      else f"INFO soak {self.name} {self.sent + i} steady load") for i in range(per_tick)]
            self.send_batch(batch)
            self.sent += len(batch)
            next_at += 0.1
            time.sleep(max(0.0, next_at - time.time()))

    def finish(self):
        self.stop.set()
        self.thread.join(10)


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--rate", type=int, default=2000, help="lines per second over TCP (UDP and the file: a quarter each)")
    ap.add_argument("--flap", type=float, default=30, help="seconds up, then as many down")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--warmup", type=float, default=180,
                    help="seconds the rings, windows and buffers take to fill; RSS is compared from then on")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="sl-soak-")
    tport, uport, hport, rport = free_port(), free_port(socket.SOCK_DGRAM), free_port(), free_port()
    followed = os.path.join(work, "app.log")
    open(followed, "w").close()
    config = {
        "sources": [
            {"type": "tcp", "id": "tcp_in", "listen": f"127.0.0.1:{tport}"},
            {"type": "udp", "id": "udp_in", "listen": f"127.0.0.1:{uport}", "receive_buffer_bytes": 8 * 1024 * 1024},
            {"type": "file", "id": "file_in", "path": followed, "follow": True, "start_at": "beginning"},
        ],
        "processors": [
            {"type": "tagger", "id": "tagger"},
            {"type": "tag_router", "id": "router", "routes": {"error": "flappy"}, "default": "files"},
        ],
        "sinks": [
            {"type": "file", "id": "files", "path": "all.log"},
            {"type": "tcp", "id": "flappy", "address": f"127.0.0.1:{rport}",
             "retry": {"backoff_ms": 100, "max_backoff_ms": 1000},
             "buffer": {"type": "disk", "path": "buffer/flappy", "max_bytes": 256 * 1024 * 1024}},
        ],
        "http": {"listen": f"127.0.0.1:{hport}", "push_interval_ms": 1000},
        "trace": {"enabled": True, "sample": 0.01},
    }
    with open(os.path.join(work, "config.json"), "w") as f:
        json.dump(config, f)
    err = open(os.path.join(work, "stderr.log"), "w")
    server = subprocess.Popen([os.path.join(os.path.abspath(args.build), "sightline"), "--config", "config.json", "--log-level", "warn"],
                              cwd=work, stdout=subprocess.DEVNULL, stderr=err)
    receiver = FlappingReceiver(rport, args.flap)
    ok = True
    try:
        assert wait_until(lambda: http(hport, "/ready", timeout=1)[0] == 200, 20), "the server did not start"
        crowd = WebSocketCrowd(hport, args.clients)
        tcp = socket.create_connection(("127.0.0.1", tport))
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        appender = open(followed, "a")

        def to_file(batch):
            appender.write("".join(line + "\n" for line in batch))
            appender.flush()

        feeders = [
            Feeder("tcp", args.rate, lambda b: tcp.sendall("".join(line + "\n" for line in b).encode())),
            Feeder("udp", args.rate // 4, lambda b: [udp.sendto(line.encode(), ("127.0.0.1", uport)) for line in b]),
            Feeder("file", args.rate // 4, to_file),
        ]

        def stats():
            return json.loads(http(hport, "/stats", timeout=5)[2])

        samples = []
        t0 = time.time()
        while time.time() - t0 < args.minutes * 60:
            time.sleep(max(0.0, 10 * (len(samples) + 1) - (time.time() - t0)))
            h0 = time.perf_counter()
            status, _, _ = http(hport, "/health", timeout=10)
            health_ms = (time.perf_counter() - h0) * 1000
            st = stats()
            samples.append({
                "t_s": round(time.time() - t0), "rss_mib": rss_mib(server.pid),
                "fds": len(os.listdir(f"/proc/{server.pid}/fd")), "health_ms": health_ms, "health_status": status,
                "lines": sum(s["lines"] for s in st["sources"].values()),
                "buffered": st["sinks"]["flappy"]["buffer"]["lines"],
                "ws_clients": st["system"].get("websocket_clients", 0),
                # The bounded rings that fill slowly at this load: error records (errors.capacity,
                # default 1000) and alert history (alerts.history_capacity, default 500).
                "errors_kept": len(json.loads(http(hport, "/errors?limit=10000", timeout=5)[2])),
                "alert_history": len(json.loads(http(hport, "/alerts", timeout=5)[2])["history"]),
            })
            s = samples[-1]
            print(f"t={s['t_s']:5d}s rss={s['rss_mib']:.1f} MiB fds={s['fds']} health={s['health_ms']:.1f} ms "
                  f"({s['health_status']}) lines={s['lines']} buffered={s['buffered']} ws={s['ws_clients']} "
                  f"errors={s['errors_kept']} alert_history={s['alert_history']}", flush=True)

        for f in feeders:
            f.finish()
        tcp.close()
        appender.close()
        receiver.always_up.set()
        sent = {f.name: f.sent for f in feeders}

        def settled():
            st = stats()
            src = st["sources"]
            done = (src["tcp_in"]["lines"] == sent["tcp"] and src["file_in"]["lines"] == sent["file"] and
                    st["sinks"]["flappy"]["buffer"]["lines"] == 0 and st["sinks"]["flappy"]["in_flight_lines"] == 0)
            return st if done else None
        final = wait_until(settled, 300, 1.0) or stats()
        crowd.close()

        src, sinks = final["sources"], final["sinks"]
        read = sum(s["lines"] for s in src.values())
        dropped = sum(p.get("dropped", 0) for p in final["processors"].values())
        udp_lost = sent["udp"] - src["udp_in"]["lines"]
        files_lines = sinks["files"]["lines"]
        flappy_lines = sinks["flappy"]["lines"]
        with open(os.path.join(work, "all.log"), "rb") as f:
            file_count = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))
        checks = {
            "tcp lines read == sent": src["tcp_in"]["lines"] == sent["tcp"],
            "file lines read == appended": src["file_in"]["lines"] == sent["file"],
            "read == files + flappy + dropped": read == files_lines + flappy_lines + dropped,
            "all.log lines == files sink lines": file_count == files_lines,
            "receiver distinct == flappy lines": receiver.distinct() == flappy_lines,
            "buffer empty at the end": sinks["flappy"]["buffer"]["lines"] == 0,
            "server still running": server.poll() is None,
        }
        ok = all(checks.values())

        print()
        print(f"{args.minutes:g} min, TCP {args.rate}/s, UDP and file {args.rate // 4}/s each, {args.clients} WebSocket "
              f"clients, receiver flapping every {args.flap:g} s; sampled every 10 s")
        print()
        print("| t (s) | RSS (MiB) | open fds | GET /health (ms) | lines read | buffered (flappy) | error records kept "
              "| alert history |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for s in samples:
            print(f"| {s['t_s']} | {s['rss_mib']:.1f} | {s['fds']} | {s['health_ms']:.1f} | {s['lines']} | {s['buffered']} "
                  f"| {s['errors_kept']} | {s['alert_history']} |")
        print()
        rss = [s["rss_mib"] for s in samples]
        fds = [s["fds"] for s in samples]
        health = [s["health_ms"] for s in samples]
        steady = [s["rss_mib"] for s in samples if s["t_s"] >= args.warmup] or rss
        print(f"RSS after the {args.warmup:g}-s warm-up first/last/max {steady[0]:.1f}/{steady[-1]:.1f}/{max(steady):.1f} MiB "
              f"(growth {(steady[-1] - steady[0]) / max(1e-9, (samples[-1]['t_s'] - max(args.warmup, samples[0]['t_s'])) / 60):.3f} "
              f"MiB/min)")
        print(f"RSS first/last/max {rss[0]:.1f}/{rss[-1]:.1f}/{max(rss):.1f} MiB; open fds first/last/max "
              f"{fds[0]}/{fds[-1]}/{max(fds)}; /health median {statistics.median(health):.1f} ms, max {max(health):.1f} ms")
        print(f"sent: {sent}; read {read}; udp not read {udp_lost} (udp_in dropped "
              f"{src['udp_in'].get('dropped', 0)}); files {files_lines}; flappy {flappy_lines} "
              f"(receiver distinct {receiver.distinct()}, copies {receiver.copies}); dropped by stages {dropped}")
        for name, passed in checks.items():
            print(f"- {'ok  ' if passed else 'FAIL'} {name}")
    finally:
        receiver.stop.set()
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
                ok = False
        err.close()
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work} (stderr.log)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
