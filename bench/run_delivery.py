#!/usr/bin/env python3
"""Network delivery, measured end to end on this machine (issue 16):

  tcp-nats-file    load generator -> agent (tcp source -> nats sink) -> nats-server
                   JetStream (file storage) -> aggregator (nats source -> file sink):
                   two Sightline processes and one nats-server. End to end is from the
                   first byte sent to the last line in the aggregator's file; each hop's
                   figure is when that hop had passed every line (the agent's sink
                   acknowledged by JetStream, the aggregator's source, its file).
  tcp-http-clickhouse  load generator -> Sightline (tcp source -> http sink, format
                   json, gzip) -> clickhouse-server (INSERT ... FORMAT JSONEachRow):
                   lines/s and CPU per line of Sightline and of ClickHouse, next to
                   ClickHouse alone taking the same rows from a client that posts
                   prepared bodies (ClickHouse's own cost).

A round counts only when every line arrived (an exact count). CPU is per million lines:
of each process, from /proc. Usage: bench/run_delivery.py BUILD_DIR [--lines N]
[--rounds R] [--only tcp-nats-file,tcp-http-clickhouse]
"""
import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_lib import LineCounter, free_port, http, port_bound, proc_cpu_seconds, wait_until  # noqa: E402
from harness import ClickHouse  # noqa: E402  (the tests' clickhouse-server on loopback ports)
import peers  # noqa: E402


def start(argv, work, name, env=None):
    err = open(os.path.join(work, f"{name}.log"), "w")
    return subprocess.Popen(argv, cwd=work, stdout=subprocess.DEVNULL, stderr=err, env=env,
                            preexec_fn=peers.die_with_parent)


def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def sightline(build, work, name, config):
    path = os.path.join(work, f"{name}.json")
    with open(path, "w") as f:
        json.dump(config, f)
    return start([os.path.join(build, "sightline"), "-c", path, "--log-format", "json"], work, name)


def stats(hport):
    return json.loads(http(hport, "/stats", timeout=5)[2])


def loadgen(build, port, lines, connections):
    r = subprocess.run([os.path.join(build, "sightline_bench"), "tcp", "--port", str(port), "--lines", str(lines),
                        "--connections", str(connections)], capture_output=True, text=True, timeout=900,
                       preexec_fn=peers.die_with_parent)
    sent = json.loads(r.stdout)
    assert r.returncode == 0 and sent["lines"] == lines, (sent, r.stderr[-300:])
    return sent


def nats_round(a, work):
    nport, inport, ahport, ghport = free_port(), free_port(), free_port(), free_port()
    with open(os.path.join(work, "nats.conf"), "w") as f:
        f.write(f'listen: 127.0.0.1:{nport}\njetstream {{ store_dir: "{work}/js" }}\nmax_payload: 4MB\n')
    server = start(["nats-server", "-c", os.path.join(work, "nats.conf")], work, "nats")
    url = f"nats://127.0.0.1:{nport}"
    agent = aggregator = None
    try:
        assert wait_until(lambda: port_bound(nport), 15), "nats-server did not start"
        agent = sightline(a.build_dir, work, "agent", {
            "sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{inport}"}],
            "processors": [{"type": "tagger", "id": "agent"}],
            "sinks": [{"type": "nats", "id": "js", "servers": [url], "subject": "bench.lines", "stream": "BENCH",
                       "create_stream": True, "max_message_bytes": 1024 * 1024, "batch_max_lines": 20000,
                       "max_in_flight": 64}],
            "http": {"listen": f"127.0.0.1:{ahport}", "push_interval_ms": 100}})
        aggregator = sightline(a.build_dir, work, "aggregator", {
            "sources": [{"type": "nats", "id": "from_js", "servers": [url], "stream": "BENCH", "consumer": "bench",
                         "fetch_batch": 64}],
            "processors": [{"type": "tagger", "id": "aggregator"}],
            "sinks": [{"type": "file", "id": "out", "path": "out.log", "flush_interval_ms": 100}],
            "http": {"listen": f"127.0.0.1:{ghport}", "push_interval_ms": 100}})
        assert wait_until(lambda: port_bound(inport) and http(ghport, "/live", timeout=1)[0] == 200, 20)
        assert wait_until(lambda: stats(ahport)["sinks"]["js"]["last_error"] == "" and
                          "nats_stream_ready" in open(os.path.join(work, "agent.log")).read(), 20), "stream not ready"
        assert wait_until(lambda: "consuming" in open(os.path.join(work, "aggregator.log")).read(), 20)
        pids = {"agent": agent.pid, "nats-server": server.pid, "aggregator": aggregator.pid}
        cpu0 = {k: proc_cpu_seconds(p) for k, p in pids.items()}
        counter = LineCounter([os.path.join(work, "out.log")])
        t0 = time.time()
        sent = loadgen(a.build_dir, inport, a.lines, a.connections)
        t_sent = time.time() - t0
        hops = {}

        def progress():
            now = time.time() - t0
            if "agent acked" not in hops and stats(ahport)["sinks"]["js"]["lines"] >= a.lines:
                hops["agent acked"] = now
            if "aggregator read" not in hops and stats(ghport)["sources"]["from_js"]["lines"] >= a.lines:
                hops["aggregator read"] = now
            return counter.count() >= a.lines
        assert wait_until(progress, 300, 0.02), f"aggregator holds {counter.count()} of {a.lines}"
        elapsed = time.time() - t0
        hops.setdefault("agent acked", elapsed)
        hops.setdefault("aggregator read", elapsed)
        cpu = {k: (proc_cpu_seconds(p) - cpu0[k]) / (a.lines / 1e6) for k, p in pids.items()}
        assert counter.count() == a.lines and counter.total_bytes() == sent["bytes"], "bytes differ"
        return {"lines_per_s": a.lines / elapsed, "sent_s": t_sent,
                "hops": {k: a.lines / v for k, v in hops.items()}, "cpu_s_per_m": cpu}
    finally:
        for p in (agent, aggregator):
            if p:
                stop(p)
        stop(server)


def clickhouse_round(a, work, ch, table):
    ch.query(f"CREATE TABLE {table} (message String) ENGINE = MergeTree ORDER BY tuple()")
    inport, hport = free_port(), free_port()
    svc = sightline(a.build_dir, work, f"sightline-{table}", {
        "sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{inport}"}],
        "processors": [{"type": "tagger", "id": "t"}],
        "sinks": [{"type": "http", "id": "ch", "url": ch.insert_url(table), "format": "json", "compression": "gzip",
                   "batch_max_lines": 50000, "batch_max_bytes": 8 * 1024 * 1024, "max_in_flight": 2}],
        "http": {"listen": f"127.0.0.1:{hport}", "push_interval_ms": 100}})
    try:
        assert wait_until(lambda: port_bound(inport), 20)
        cpu0 = {"Sightline": proc_cpu_seconds(svc.pid), "clickhouse-server": proc_cpu_seconds(ch.p.pid)}
        t0 = time.time()
        loadgen(a.build_dir, inport, a.lines, a.connections)
        assert wait_until(lambda: stats(hport)["sinks"]["ch"]["lines"] >= a.lines, 600, 0.05), stats(hport)["sinks"]
        elapsed = time.time() - t0
        cpu = {"Sightline": (proc_cpu_seconds(svc.pid) - cpu0["Sightline"]) / (a.lines / 1e6),
               "clickhouse-server": (proc_cpu_seconds(ch.p.pid) - cpu0["clickhouse-server"]) / (a.lines / 1e6)}
        assert ch.query(f"SELECT count() FROM {table}") == str(a.lines)
        return {"lines_per_s": a.lines / elapsed, "cpu_s_per_m": cpu}
    finally:
        stop(svc)


def clickhouse_alone(a, work, ch, table):
    """The same rows posted straight to ClickHouse in 50 000-row gzip bodies, prepared first."""
    ch.query(f"CREATE TABLE {table} (message String) ENGINE = MergeTree ORDER BY tuple()")
    line = "x" * 100
    rows = [json.dumps({"message": f"{i:012d} {line}"}) for i in range(50000)]
    body = gzip.compress(("\n".join(rows) + "\n").encode(), 1)
    url = ch.insert_url(table)
    cpu0 = proc_cpu_seconds(ch.p.pid)
    t0 = time.time()
    for _ in range(a.lines // 50000):
        req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Encoding": "gzip"})
        urllib.request.urlopen(req, timeout=120).read()
    elapsed = time.time() - t0
    n = (a.lines // 50000) * 50000
    assert ch.query(f"SELECT count() FROM {table}") == str(n)
    return {"lines_per_s": n / elapsed, "cpu_s_per_m": {"clickhouse-server": (proc_cpu_seconds(ch.p.pid) - cpu0) / (n / 1e6)}}


def median_row(rows):
    rows = sorted(rows, key=lambda r: r["lines_per_s"])
    return rows[len(rows) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build_dir")
    p.add_argument("--lines", type=int, default=5_000_000)
    p.add_argument("--connections", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--only", default="tcp-nats-file,tcp-http-clickhouse")
    a = p.parse_args()
    a.build_dir = os.path.abspath(a.build_dir)  # processes run in their own folders
    only = a.only.split(",")
    root = tempfile.mkdtemp(prefix="sl-bench-delivery-")
    results = {}
    try:
        if "tcp-nats-file" in only:
            rows = []
            for r in range(a.rounds):
                work = os.path.join(root, f"nats{r}")
                os.makedirs(work)
                rows.append(nats_round(a, work))
                shutil.rmtree(work, ignore_errors=True)
                print(f"tcp-nats-file round {r + 1}: {rows[-1]['lines_per_s'] / 1e6:.2f} M lines/s", file=sys.stderr)
            results["tcp-nats-file"] = {"median": median_row(rows), "all": [x["lines_per_s"] for x in rows]}
        if "tcp-http-clickhouse" in only:
            work = os.path.join(root, "ch")
            os.makedirs(work)
            ch = ClickHouse()
            try:
                rows, alone = [], []
                for r in range(a.rounds):
                    rows.append(clickhouse_round(a, work, ch, f"logs{r}"))
                    alone.append(clickhouse_alone(a, work, ch, f"alone{r}"))
                    print(f"tcp-http-clickhouse round {r + 1}: {rows[-1]['lines_per_s'] / 1e6:.2f} M lines/s, "
                          f"ClickHouse alone {alone[-1]['lines_per_s'] / 1e6:.2f} M", file=sys.stderr)
                results["tcp-http-clickhouse"] = {"median": median_row(rows), "clickhouse_alone": median_row(alone),
                                                  "all": [x["lines_per_s"] for x in rows]}
            finally:
                ch.stop()
        print(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
