#!/usr/bin/env python3
"""Hostile clients (issue 7): each attack runs while a probe checks that /health still
answers (latency and peak RSS are printed as figures for test/HARDENING.md), and a
bystander's TCP lines sent during the attack must all arrive: nothing accepted is lost.

Usage: hostile_test.py PATH_TO_SIGHTLINE   (SIGHTLINE_ONLY=<case> runs one case)
"""
import json
import os
import resource
import select
import socket
import struct
import sys
import threading
import time

from attack_probe import Probe
from harness import Cases, Service, WebSocket, free_port, http, wait_until

EXE = sys.argv[1]
SANITIZED = bool(os.environ.get("SIGHTLINE_SANITIZED"))
HERE = os.path.dirname(os.path.abspath(__file__))
cases = Cases()


def service(tport, http_extra=None, tcp_extra=None, processors=None, trace=False):
    hport = free_port()
    cfg = {"sources": [{"type": "tcp", "id": "tcp_in", "listen": f"127.0.0.1:{tport}", **(tcp_extra or {})}],
           "processors": processors or [{"type": "tagger", "id": "tagger"}],
           "sinks": [{"type": "file", "id": "out", "path": "out.log", "flush_interval_ms": 50}],
           "http": {"enabled": True, "listen": f"127.0.0.1:{hport}", "push_interval_ms": 100, **(http_extra or {})}}
    if trace:
        cfg["trace"] = {"enabled": True, "sample": 1.0, "capacity": 1000}
    svc = Service(EXE, cfg, http_port=hport)
    svc.wait_http()
    svc.wait_tcp(tport)
    return svc


class Bystander:
    """An honest TCP client sending numbered lines during an attack, in the background."""

    def __init__(self, tport, lines=20000, per_write=200, pause=0.01):
        self.tport, self.lines, self.per_write, self.pause = tport, lines, per_write, pause
        self.sent = 0
        self.t = threading.Thread(target=self.run, daemon=True)

    def run(self):
        s = socket.create_connection(("127.0.0.1", self.tport), timeout=30)
        while self.sent < self.lines:
            n = min(self.per_write, self.lines - self.sent)
            s.sendall(b"".join(b"INFO bystander n=%d\n" % (self.sent + i) for i in range(n)))
            self.sent += n
            time.sleep(self.pause)
        s.close()

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *exc):
        self.t.join(60)
        return False


def bystander_lines(svc):
    with open(svc.path("out.log"), "rb") as f:
        return sum(1 for line in f if line.startswith(b"INFO bystander n="))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stop_cleanly(svc):
    rc = svc.stop()
    assert rc == 0, f"exit code {rc}; stderr: {svc.stderr()[-600:]}"


@cases.run
def slowloris_1000_connections_are_cut_by_the_request_timeout():
    """1000 connections trickle request headers one byte a second. The request timeout
    (2 s here, 10 s by default) closes every one of them; /health stays fast meanwhile."""
    tport = free_port()
    timeout_ms = 2000
    svc = service(tport, http_extra={"request_timeout_ms": timeout_ms})
    socks = []
    try:
        with Probe(svc) as probe, Bystander(tport, lines=5000, per_write=100, pause=0.03):
            t0 = time.time()
            for _ in range(1000):
                s = socket.create_connection(("127.0.0.1", svc.hport), timeout=10)
                s.setblocking(False)
                socks.append(s)
            request = b"GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 64
            open_ = {s: 0 for s in socks}
            closed_at = {}
            while open_ and time.time() - t0 < timeout_ms / 1000 + 6:
                for s in list(open_):  # one more byte each, once a second
                    try:
                        s.send(request[open_[s]:open_[s] + 1])
                        open_[s] += 1
                    except OSError:
                        closed_at[s] = time.time() - t0
                        del open_[s]
                deadline = time.time() + 1
                while open_ and time.time() < deadline:
                    readable, _, _ = select.select(list(open_)[:1000], [], [], max(0.0, deadline - time.time()))
                    for s in readable:
                        try:
                            data = s.recv(4096)
                        except OSError:
                            data = b""
                        assert not data, f"a slow request got an answer: {data[:80]}"
                        closed_at[s] = time.time() - t0
                        del open_[s]
        assert not open_, f"{len(open_)} slow connections still open after {time.time() - t0:.1f}s"
        earliest, latest = min(closed_at.values()), max(closed_at.values())
        # Cut by the timeout: not before it, and all soon after it.
        assert earliest >= timeout_ms / 1000 - 0.3, earliest
        assert latest <= timeout_ms / 1000 + 4, latest
        print(f"     slowloris: 1000 connections closed between {earliest:.1f}s and {latest:.1f}s")
        probe.check("slowloris")
        assert wait_until(lambda: bystander_lines(svc) == 5000, 10), bystander_lines(svc)
        stop_cleanly(svc)
    finally:
        for s in socks:
            s.close()
        svc.kill()


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))  # needs CAP_SYS_RESOURCE
    elif soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


@cases.run
def ten_thousand_idle_tcp_connections_cost_little_and_the_limit_refuses_more():
    """The tcp source's default max_connections is 10 000: 9 999 idle peers plus one
    honest sender fill it, RSS stays small (no read buffer per idle peer), the next
    peer is refused and counted, and every line of the honest sender arrives."""
    raise_fd_limit(10200)  # 10 000 client sockets here; the server raises its own soft limit
    tport = free_port()
    svc = service(tport)
    idle = []
    try:
        with Probe(svc, period=0.1) as probe:
            for i in range(9999):
                idle.append(socket.create_connection(("127.0.0.1", tport), timeout=30))
            assert wait_until(lambda: svc.stats()["sources"]["tcp_in"]["connections_active"] == 9999, 60, 0.2), \
                svc.stats()["sources"]["tcp_in"]
            with Bystander(tport, lines=20000):
                assert wait_until(lambda: svc.stats()["sources"]["tcp_in"]["connections_active"] == 10000, 10, 0.1)
                extra = socket.create_connection(("127.0.0.1", tport), timeout=10)
                # Refused: accepted by the kernel, then closed by the server without reading.
                extra.settimeout(10)
                assert extra.recv(1) == b""
                extra.close()
            assert wait_until(lambda: svc.stats()["sources"]["tcp_in"]["connections_refused"] == 1, 10)
        probe.check("idle_tcp_10k")
        bound_mib = 2000 if SANITIZED else 300
        assert probe.figures["rss_peak_mib"] < bound_mib, probe.figures
        assert wait_until(lambda: bystander_lines(svc) == 20000, 20), bystander_lines(svc)
        for s in idle:
            s.close()
        idle = []
        assert wait_until(lambda: svc.stats()["sources"]["tcp_in"]["connections_active"] == 0, 60, 0.2)
        stop_cleanly(svc)
    finally:
        for s in idle:
            s.close()
        svc.kill()


@cases.run
def hundred_megabyte_line_is_cut_counted_and_costs_no_memory():
    tport = free_port()
    svc = service(tport)
    try:
        with Probe(svc) as probe, Bystander(tport, lines=5000, per_write=100, pause=0.02):
            s = socket.create_connection(("127.0.0.1", tport), timeout=30)
            chunk = b"x" * (1 << 20)
            for _ in range(100):
                s.sendall(chunk)
            s.sendall(b"\nINFO after the long line\n")
            s.close()
            assert wait_until(lambda: svc.stats()["sources"]["tcp_in"]["truncated"] == 1, 30, 0.1), \
                svc.stats()["sources"]["tcp_in"]
        probe.check("line_100mb")
        bound_mib = 800 if SANITIZED else 150
        assert probe.figures["rss_peak_mib"] < bound_mib, probe.figures
        assert wait_until(lambda: bystander_lines(svc) == 5000, 10), bystander_lines(svc)
        stop_cleanly(svc)
        with open(svc.path("out.log"), "rb") as f:
            lines = [l for l in f.read().split(b"\n") if not l.startswith(b"INFO bystander")]
        assert lines == [b"x" * 65536, b"INFO after the long line", b""], [l[:20] for l in lines]
    finally:
        svc.kill()


def ws_frame(payload, opcode=0x1, length=None, mask=b"\x01\x02\x03\x04"):
    """A masked client frame; `length` may claim more than the payload (a header alone).
    An all-zero mask is valid and leaves the payload as it is (fast for 16 MB)."""
    n = len(payload) if length is None else length
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    if mask == b"\0\0\0\0":
        return head + mask + payload
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


UPGRADE = (b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def small_window_ws(port, wait_for_101=True):
    """A WebSocket whose receive buffer is tiny (set before connecting, so the window is
    small from the start): a client that does not read is seen as one at once."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(UPGRADE)
    head = b""
    while wait_for_101 and b"\r\n\r\n" not in head:
        head += s.recv(1)  # byte by byte: nothing after the handshake is taken from the socket
    assert not wait_for_101 or b" 101 " in head, head
    return s


def read_until_closed(ws, timeout=10):
    """Reads raw frames until the server closes; returns the close code (None: no close frame)."""
    ws.s.settimeout(timeout)
    try:
        while True:
            b0, b1 = ws._read(2)
            length = b1 & 0x7F
            if length == 126:
                length = struct.unpack(">H", ws._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", ws._read(8))[0]
            payload = ws._read(length)
            if b0 & 0x0F == 0x8:
                return struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
    except (EOFError, OSError):
        return None


@cases.run
def websocket_flooders_are_answered_or_closed_and_counted():
    """One client floods 5 000 pings and reads: it gets exactly 5 000 pongs. Another
    floods 50 000 pings and never reads: its replies back up, the server stops reading
    its messages (TCP holds it back), and it is closed after ws_max_behind_ms, counted.
    A third, ordinary client keeps getting its stats frames."""
    tport = free_port()
    svc = service(tport, http_extra={"ws_max_behind_ms": 500})
    try:
        with Probe(svc) as probe, Bystander(tport, lines=5000, per_write=100, pause=0.02):
            calm = WebSocket(svc.hport)
            assert calm.recv()["type"] == "hello"
            reader = WebSocket(svc.hport)
            assert reader.recv()["type"] == "hello"
            deaf = small_window_ws(svc.hport)
            ping = ws_frame(b'{"type":"ping"}')
            try:
                deaf.settimeout(30)
                deaf.sendall(ping * 50000)  # about 1 MB of pings; their pongs back up here
            except OSError:
                pass  # closed by the server while we were still sending: what we want
            pongs, stats_seen = 0, 0
            sender = threading.Thread(target=lambda: reader.s.sendall(ping * 5000), daemon=True)
            sender.start()
            while pongs < 5000:
                t = reader.recv()["type"]
                pongs += t == "pong"
            sender.join(10)
            while stats_seen < 5:
                stats_seen += calm.recv()["type"] == "stats"
            assert wait_until(lambda: svc.stats()["system"]["websocket_slow_clients_closed"] == 1, 10), \
                svc.stats()["system"]
            deaf.close()
            calm.close()
            reader.close()
        probe.check("ws_flood")
        assert pongs == 5000
        assert wait_until(lambda: bystander_lines(svc) == 5000, 10), bystander_lines(svc)
        stop_cleanly(svc)
    finally:
        svc.kill()


@cases.run
def websocket_16_megabyte_frame_is_refused_with_1009():
    """Client messages are limited to 64 KiB: a 16 MB frame is refused from its header
    (close code 1009, "too big") and never buffered."""
    tport = free_port()
    svc = service(tport)
    try:
        with Probe(svc) as probe, Bystander(tport, lines=5000, per_write=100, pause=0.02):
            codes = []
            for _ in range(5):
                ws = WebSocket(svc.hport)
                assert ws.recv()["type"] == "hello"
                payload = b"a" * (16 << 20)
                frame = ws_frame(payload, mask=b"\0\0\0\0")
                try:
                    ws.s.sendall(frame)
                except OSError:
                    pass  # the server closes before it has all of it
                codes.append(read_until_closed(ws))
                ws.close()
        probe.check("ws_16mb_frames")
        assert codes == [1009] * 5, codes
        bound_mib = 800 if SANITIZED else 150
        assert probe.figures["rss_peak_mib"] < bound_mib, probe.figures
        assert wait_until(lambda: bystander_lines(svc) == 5000, 10), bystander_lines(svc)
        stop_cleanly(svc)
    finally:
        svc.kill()


@cases.run
def websocket_clients_that_never_read_are_dropped_then_closed():
    """20 clients never read. Tracing every line makes trace frames large, so their
    buffers fill within a second or two; they lose frames (counted) and are closed after
    ws_max_behind_ms, while an ordinary client keeps getting every stats frame."""
    tport = free_port()
    svc = service(tport, http_extra={"ws_max_behind_ms": 500}, trace=True)
    lazy = []
    try:
        with Probe(svc) as probe, Bystander(tport, lines=200000, per_write=500, pause=0.01):
            calm = WebSocket(svc.hport)
            assert calm.recv()["type"] == "hello"
            for _ in range(20):
                s = small_window_ws(svc.hport, wait_for_101=False)
                lazy.append(s)
            seqs = []
            t0 = time.time()
            while svc.stats()["system"]["websocket_slow_clients_closed"] < 20 and time.time() - t0 < 30:
                m = calm.recv()
                if m["type"] == "stats":
                    seqs.append(m["seq"])
            calm.close()
        probe.check("ws_never_reads")
        system = svc.stats()["system"]
        assert system["websocket_slow_clients_closed"] == 20, system
        assert system["websocket_frames_dropped"] > 0, system
        assert len(seqs) >= 5 and seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
        assert wait_until(lambda: bystander_lines(svc) == 200000, 20), bystander_lines(svc)
        stop_cleanly(svc)
    finally:
        for s in lazy:
            s.close()
        svc.kill()


def malformed_requests():
    """Hand-made bad requests, then every HTTP input the fuzzer keeps (seeds, corpus, crashes)."""
    yield "garbage", b"\x00\x01\x02garbage\r\n\r\n"
    yield "no_version", b"GET /stats\r\n\r\n"
    yield "bad_version", b"GET /stats HTTP/9.9\r\nHost: x\r\n\r\n"
    yield "space_in_target", b"GET /st ats HTTP/1.1\r\nHost: x\r\n\r\n"
    yield "header_no_colon", b"GET /stats HTTP/1.1\r\nHost x\r\n\r\n"
    yield "huge_header", b"GET /stats HTTP/1.1\r\nHost: x\r\nX-Big: " + b"h" * (1 << 20) + b"\r\n\r\n"
    yield "many_headers", b"GET /stats HTTP/1.1\r\n" + b"X-A: b\r\n" * 5000 + b"\r\n"
    yield "huge_body", b"POST /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" + b"b" * 200000
    yield "bad_content_length", b"GET /stats HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"
    yield "two_content_lengths", b"GET /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"
    yield "bad_chunk", b"POST /stats HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
    yield "huge_chunk", b"POST /stats HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n"
    yield "nul_in_target", b"GET /index.html\x00.js HTTP/1.1\r\nHost: x\r\n\r\n"
    yield "traversal", b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"
    yield "bad_escape", b"GET /trace?limit=%zz HTTP/1.1\r\nHost: x\r\n\r\n"
    yield "limit_overflow", b"GET /trace?limit=99999999999999999999999 HTTP/1.1\r\nHost: x\r\n\r\n"
    yield "ws_bad_version", (b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             b"Sec-WebSocket-Key: x\r\nSec-WebSocket-Version: 99\r\n\r\n")
    root = os.path.join(HERE, "..", "fuzz")
    for kind in ("corpus", "regressions"):
        d = os.path.join(root, kind, "http_request")
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                with open(os.path.join(d, name), "rb") as f:
                    yield f"{kind}/{name}", f.read()


def exchange(port, raw):
    """Sends `raw`, half-closes, and returns the status codes of every response read."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        try:
            s.sendall(raw)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may close before it has read everything
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    return [int(line.split(b" ")[1]) for line in data.split(b"\r\n") if line.startswith(b"HTTP/1.")]


@cases.run
def twenty_subscribed_clients_that_stop_reading_share_frames_and_memory_stays_bounded():
    """20 clients subscribe to the same traces, then stop reading while every line is
    traced. Their frames are serialized once and shared; each queue is bounded in bytes
    and all of them together too, so the server's memory stays bounded (it once grew by
    300 MiB); their lost trace frames are counted by type; a client that reads again is
    told what it missed (a `gap` message)."""
    tport = free_port()
    svc = service(tport, http_extra={"ws_max_behind_ms": 120000}, trace=True)
    lazy = []
    try:
        base_rss = rss_kib(svc.p.pid)
        subscribe = ws_frame(json.dumps({"type": "subscribe", "text": "bystander"}).encode())
        for _ in range(20):
            s = small_window_ws(svc.hport)
            s.sendall(subscribe)
            lazy.append(s)
        # One more like them that reads again later (the harness reader on such a socket).
        resumer = WebSocket.__new__(WebSocket)
        resumer.s, resumer.buf = small_window_ws(svc.hport), b""
        resumer.s.sendall(subscribe)
        peak = 0
        with Bystander(tport, lines=300000, per_write=1000, pause=0.005):
            t0 = time.time()
            while time.time() - t0 < 8:
                peak = max(peak, rss_kib(svc.p.pid))
                time.sleep(0.1)
        system = svc.stats()["system"]
        assert system["websocket_frames_dropped_by_type"]["trace"] > 0, system
        assert system["websocket_queued_bytes"] <= 64 << 20, system
        bound = 400 if SANITIZED else 80
        assert peak - base_rss < bound * 1024, f"RSS grew {(peak - base_rss) // 1024} MiB (bound {bound})"
        # Reading again: the gap is told, with the trace frames this client lost.
        gap = None
        t0 = time.time()
        while gap is None and time.time() - t0 < 20:
            m = resumer.recv()
            if m["type"] == "gap":
                gap = m
        assert gap and gap["dropped"]["trace"] > 0, gap
        print(f"     peak RSS +{(peak - base_rss) // 1024} MiB; dropped {system['websocket_frames_dropped_by_type']}")
        resumer.close()
        stop_cleanly(svc)
    finally:
        for s in lazy:
            s.close()
        svc.kill()


@cases.run
def malformed_http_of_every_kind_gets_4xx_or_a_close():
    tport = free_port()
    svc = service(tport)
    try:
        count = 0
        with Probe(svc) as probe, Bystander(tport, lines=5000, per_write=100, pause=0.02):
            for name, raw in malformed_requests():
                statuses = exchange(svc.hport, raw)
                # 101 for a valid upgrade, 2xx/3xx for the valid requests among the seeds; never a 5xx.
                assert all(s in (101, 200, 304) or 400 <= s < 500 for s in statuses), (name, statuses)
                count += 1
            assert http(svc.hport, "/health")[0] == 200
        probe.check("malformed_http")
        print(f"     {count} malformed or fuzzed requests")
        assert wait_until(lambda: bystander_lines(svc) == 5000, 10), bystander_lines(svc)
        stop_cleanly(svc)
    finally:
        svc.kill()


sys.exit(cases.finish())
