"""Measurement helpers shared by the benchmark drivers (run_tcp.py, run_peers.py):
process CPU and peak RSS from /proc, readiness of a listening port, exact line counts
of growing files, a crowd of WebSocket clients, alternating round order and summaries.
Every wait is bounded in time."""
import os
import selectors
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "integration"))
from harness import WebSocket, count_lines, free_port, http, wait_until  # noqa: E402,F401  (re-exported)


def proc_cpu_seconds(pid):
    """User + system CPU seconds of a process, all its threads included."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def port_bound(port, proto="tcp"):
    """True when something on this machine listens on (tcp) or is bound to (udp) the
    port. Read from /proc, so no probe connection reaches the server under test."""
    want_state = "0A" if proto == "tcp" else "07"  # TCP_LISTEN; an unconnected UDP socket
    for table in (f"/proc/net/{proto}", f"/proc/net/{proto}6"):
        try:
            with open(table) as f:
                next(f)
                for row in f:
                    cols = row.split()
                    if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == want_state:
                        return True
        except FileNotFoundError:
            continue
    return False


class LineCounter:
    """Exact newline count of files that only grow; each call reads only what is new."""

    def __init__(self, paths):
        self.offsets = {p: 0 for p in paths}
        self.lines = {p: 0 for p in paths}

    def total_bytes(self):
        return sum(os.path.getsize(p) for p in self.offsets if os.path.exists(p))

    def count(self):
        for p, off in self.offsets.items():
            if not os.path.exists(p):
                continue
            with open(p, "rb") as f:
                f.seek(off)
                while chunk := f.read(1 << 24):
                    self.lines[p] += chunk.count(b"\n")
                    off += len(chunk)
            self.offsets[p] = off
        return sum(self.lines.values())

    def wait_lines(self, expected, timeout, quiet_s=0.3, poll_s=0.002):
        """Waits until the files hold `expected` lines; returns the time.time() at which
        they last grew, or None on timeout. Only the sizes are polled while the files
        grow (a stat each, nearly free); lines are counted once they have been still for
        `quiet_s`: counting every few milliseconds read the output as fast as the system
        under test wrote it, on the same two cores, and slowed every system measured."""
        deadline = time.time() + timeout
        size, grew_at = -1, time.time()
        while time.time() < deadline:
            now = time.time()
            s = self.total_bytes()
            if s != size:
                size, grew_at = s, now
            elif now - grew_at >= quiet_s and self.count() >= expected:
                return grew_at
            time.sleep(poll_s)
        return None


class WebSocketCrowd:
    """N clients that keep reading every frame until stopped; counts stats frames. Each
    sends a `ping` message every `heartbeat_s` (the server answers `pong`), as a client
    that answers the server's WebSocket pings would, so long runs keep their clients."""

    def __init__(self, port, n, heartbeat_s=60):
        self.clients = [WebSocket(port) for _ in range(n)]
        self.heartbeat_s = heartbeat_s
        self.frames = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        sel = selectors.DefaultSelector()
        for c in self.clients:
            c.s.setblocking(False)
            sel.register(c.s, selectors.EVENT_READ)
        next_beat = time.time() + self.heartbeat_s
        while not self.stop.is_set():
            if time.time() >= next_beat:
                for c in self.clients:
                    c.s.setblocking(True)
                    c.send_text('{"type":"ping"}')
                    c.s.setblocking(False)
                next_beat += self.heartbeat_s
            for key, _ in sel.select(timeout=0.2):
                try:
                    data = key.fileobj.recv(1 << 20)
                except BlockingIOError:
                    continue
                # Each stats frame carries this prefix once.
                self.frames += data.count(b'{"type":"stats"')

    def close(self):
        self.stop.set()
        self.thread.join(5)
        for c in self.clients:
            c.close()


def round_order(names, r):
    """ABBA order: whatever drifts between runs (writeback, the host) hits all alike."""
    return list(names) if r % 2 == 0 else list(names)[::-1]


def summarize(rows, key="lines_per_s"):
    """Median, min and max of `key`, and the round nearest the median (for the other
    columns); CPU is the median too, peak RSS the largest seen."""
    values = [x[key] for x in rows]
    med = statistics.median(values)
    mid = min(rows, key=lambda x: abs(x[key] - med))
    return {"median": med, "min": min(values), "max": max(values), "mid": mid,
            "cpu_s_per_m": statistics.median(x["cpu_s_per_m"] for x in rows),
            "sender_cpu_s_per_m": statistics.median(x.get("sender_cpu_s_per_m", 0.0) for x in rows),
            "peak_rss_mib": max(x["peak_rss_mib"] for x in rows)}
