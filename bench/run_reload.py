#!/usr/bin/env python3
"""Hot reload time (issue 17): a Sightline with a chain of N stages (tcp source -> N
`replace` stages -> file sink) takes lines continuously on one TCP connection while
POST /reload swaps in a new configuration. Two changes, for N = 10 and N = 100:

- "one stage": the middle stage's pattern changes and the sink gets a new path;
- "every stage": every stage's pattern changes (N stages built anew) and the sink's path.

Measured per reload: the server's own figure (`duration_ms` of the answer: validate,
build, wire, start), the client's round trip of POST /reload, and the time from sending
the POST to the first line in the new sink's file (the new graph running end to end).
The connection stays open throughout (a reload never closes it).

Usage: bench/run_reload.py BUILD_DIR [--rounds R]
Prints one line per reload and a Markdown table of medians (min, max).
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
from bench_lib import free_port, http, wait_until  # noqa: E402


def config(tport, hport, stages, generation, change):
    procs = []
    for i in range(stages):
        changed = change == "every stage" or (change == "one stage" and i == stages // 2)
        procs.append({"type": "replace", "id": f"s{i}", "pattern": f"x{i}-{generation if changed else 0}",
                      "replacement": "y"})
    return {"sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{tport}"}],
            "processors": procs,
            "sinks": [{"type": "file", "id": "out", "path": f"out-{generation}.log", "flush_interval_ms": 5}],
            "http": {"listen": f"127.0.0.1:{hport}"}}


def run(build, stages, change, rounds):
    work = tempfile.mkdtemp(prefix="sl-bench-reload-")
    tport, hport = free_port(), free_port()
    path = os.path.join(work, "config.json")
    json.dump(config(tport, hport, stages, 0, change), open(path, "w"))
    # Its log (warnings and worse) goes to our stderr: a failure shows why.
    p = subprocess.Popen([os.path.join(build, "sightline"), "--config", "config.json", "--log-level", "warn"], cwd=work,
                         stdout=subprocess.DEVNULL)
    stop = threading.Event()
    try:
        assert wait_until(lambda: http(hport, "/live", timeout=1)[0] == 200, 15), "server did not start"
        s = socket.create_connection(("127.0.0.1", tport))

        def feed():  # a steady trickle: about 20 000 lines per second
            n = 0
            while not stop.is_set():
                s.sendall(b"".join(b"line %d\n" % (n + i) for i in range(100)))
                n += 100
                time.sleep(0.005)
        t = threading.Thread(target=feed)
        t.start()
        rows = []
        for g in range(1, rounds + 1):
            time.sleep(0.3)
            json.dump(config(tport, hport, stages, g, change), open(path, "w"))
            out = os.path.join(work, f"out-{g}.log")
            t0 = time.perf_counter()
            status, _, body = http(hport, "/reload", method="POST", timeout=60)
            t1 = time.perf_counter()
            assert status == 200, body
            answer = json.loads(body)
            assert wait_until(lambda: os.path.exists(out) and os.path.getsize(out) > 0, 30, 0.001), "no line in the new sink"
            t2 = time.perf_counter()
            row = {"server_ms": answer["duration_ms"], "post_ms": (t1 - t0) * 1e3, "first_line_ms": (t2 - t0) * 1e3}
            rows.append(row)
            print(f"{stages} stages, {change}, reload {g}: server {row['server_ms']:.2f} ms, POST {row['post_ms']:.2f} ms, "
                  f"first line {row['first_line_ms']:.1f} ms", file=sys.stderr, flush=True)
        stop.set()
        t.join()
        st = json.loads(http(hport, "/stats")[2])
        assert st["sources"]["in"]["connections_active"] == 1, "the connection was closed"
        s.close()
        return rows
    finally:
        stop.set()
        p.terminate()
        p.wait(60)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--rounds", type=int, default=7)
    a = ap.parse_args()
    build = os.path.abspath(a.build_dir)
    print("| stages | change | server (validate, build, wire, start) | POST /reload round trip | "
          "first line in the new sink |")
    print("|---|---|---|---|---|")
    for stages in (10, 100):
        for change in ("one stage", "every stage"):
            rows = run(build, stages, change, a.rounds)

            def cell(key):
                xs = [r[key] for r in rows]
                return f"{statistics.median(xs):.1f} ms ({min(xs):.1f} – {max(xs):.1f})"
            print(f"| {stages} | {change} | {cell('server_ms')} | {cell('post_ms')} | {cell('first_line_ms')} |",
                  flush=True)


if __name__ == "__main__":
    main()
