#!/usr/bin/env python3
"""Disk buffers on the tcp -> file path (issue 17): sightline_bench tcp -> Sightline (tcp
source -> tagger -> file sink) with the sink's buffer in memory (the default), on disk
with sync none, and on disk with sync batch (fdatasync after every batch). ABBA order,
several rounds; a round counts only when the file holds every byte sent.

Usage: bench/run_buffer.py BUILD_DIR [--lines N] [--connections C] [--rounds R]
Prints one line per round and a Markdown table of medians (min, max).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_lib import count_lines, free_port, http, peak_rss_mib, proc_cpu_seconds, round_order, summarize, wait_until  # noqa: E402

BUFFERS = {
    "memory": {"type": "memory"},
    "disk, sync none": {"type": "disk", "path": "buffer", "max_bytes": 1 << 30},
    "disk, sync batch": {"type": "disk", "path": "buffer", "max_bytes": 1 << 30, "sync": "batch"},
}


def one_round(build, name, lines, connections):
    work = tempfile.mkdtemp(prefix="sl-bench-buffer-")
    tport, hport = free_port(), free_port()
    cfg = {"sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{tport}"}],
           "processors": [{"type": "tagger", "id": "t"}],
           "sinks": [{"type": "file", "id": "out", "path": "out.log", "flush_interval_ms": 100, "buffer": BUFFERS[name]}],
           "http": {"listen": f"127.0.0.1:{hport}"}}
    json.dump(cfg, open(os.path.join(work, "config.json"), "w"))
    p = subprocess.Popen([os.path.join(build, "sightline"), "--config", "config.json", "--log-level", "warn"], cwd=work,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: http(hport, "/live", timeout=1)[0] == 200, 15), "server did not start"
        cpu0 = proc_cpu_seconds(p.pid)
        t0 = time.time()
        r = subprocess.run([os.path.join(build, "sightline_bench"), "tcp", "--port", str(tport), "--lines", str(lines),
                            "--connections", str(connections)], capture_output=True, text=True, timeout=900)
        sent = json.loads(r.stdout)
        assert sent["lines"] == lines, sent
        out = os.path.join(work, "out.log")
        assert wait_until(lambda: os.path.exists(out) and os.path.getsize(out) == sent["bytes"], 300, 0.005), \
            "the file never held every byte sent"
        elapsed = time.time() - t0
        cpu = proc_cpu_seconds(p.pid) - cpu0
        assert count_lines(out) == lines
        return {"lines_per_s": lines / elapsed, "mb_per_s": sent["bytes"] / elapsed / 1e6,
                "cpu_s_per_m": cpu / (lines / 1e6), "peak_rss_mib": peak_rss_mib(p.pid)}
    finally:
        p.terminate()
        p.wait(60)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--lines", type=int, default=5_000_000)
    ap.add_argument("--connections", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    build = os.path.abspath(a.build_dir)
    rows = {n: [] for n in BUFFERS}
    for r in range(a.rounds):
        for name in round_order(BUFFERS, r):
            row = one_round(build, name, a.lines, a.connections)
            rows[name].append(row)
            print(f"round {r + 1} {name}: {row['lines_per_s'] / 1e6:.2f} M lines/s, {row['cpu_s_per_m']:.3f} CPU s/M",
                  file=sys.stderr, flush=True)
    print("| buffer | lines/s (median) | min | max | MB/s | CPU s / M lines | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for name, xs in rows.items():
        s = summarize(xs)
        def n(x):
            return f"{x:,.0f}".replace(",", " ")
        print(f"| {name} | {n(s['median'])} | {n(s['min'])} | {n(s['max'])} | {s['mid']['mb_per_s']:.0f} | "
              f"{s['cpu_s_per_m']:.3f} | {s['peak_rss_mib']:.1f} MiB |")


if __name__ == "__main__":
    main()
