#!/usr/bin/env python3
"""TCP ingestion benchmark: sightline_bench tcp -> Sightline (tagger -> tag_router ->
3 file sinks, metrics on) -> files. Scenarios run in ABBA... order, several rounds; a
round counts only when the sinks hold every byte sent.

  --suite websocket   0 vs 100 connected WebSocket clients (default)
  --suite tracing     tracing off vs --trace-sample 0.01 vs --trace (every line)

Usage: bench/run_tcp.py BUILD_DIR [--suite S] [--lines N] [--connections C] [--rounds R]
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
from bench_lib import (WebSocketCrowd, count_lines, free_port, http, peak_rss_mib, proc_cpu_seconds,  # noqa: E402
                       round_order, summarize, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))


def one_round(exe, loadgen, lines, connections, ws_clients, trace_args=()):
    work = tempfile.mkdtemp(prefix="sl-bench-tcp-")
    tport, hport = free_port(), free_port()
    cfg = json.load(open(os.path.join(HERE, "tcp.json")))
    cfg["sources"][0]["listen"] = f"127.0.0.1:{tport}"
    cfg["http"]["listen"] = f"127.0.0.1:{hport}"
    json.dump(cfg, open(os.path.join(work, "config.json"), "w"))
    p = subprocess.Popen([exe, "--config", "config.json", "--log-level", "warn", *trace_args], cwd=work,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    crowd = None
    try:
        assert wait_until(lambda: http(hport, "/live", timeout=1)[0] == 200, 15), "server did not start"
        if ws_clients:
            crowd = WebSocketCrowd(hport, ws_clients)
            assert wait_until(lambda: json.loads(http(hport, "/stats")[2])["system"]["websocket_clients"] == ws_clients, 15)
        cpu0 = proc_cpu_seconds(p.pid)
        t0 = time.time()
        r = subprocess.run([loadgen, "tcp", "--port", str(tport), "--lines", str(lines),
                            "--connections", str(connections)], capture_output=True, text=True, timeout=600)
        sent = json.loads(r.stdout)
        assert sent["lines"] == lines and sent["failed_connections"] == 0, sent
        files = [os.path.join(work, f) for f in ("errors.log", "warnings.log", "rest.log")]

        def all_there():
            return sum(os.path.getsize(f) for f in files if os.path.exists(f)) == sent["bytes"]
        assert wait_until(all_there, 120, 0.005), "sinks never held every byte sent"
        elapsed = time.time() - t0
        cpu = proc_cpu_seconds(p.pid) - cpu0
        got = sum(count_lines(f) for f in files)
        assert got == lines, f"sinks hold {got} lines, sent {lines}"
        return {"lines_per_s": lines / elapsed, "mb_per_s": sent["bytes"] / elapsed / 1e6,
                "cpu_s_per_m": cpu / (lines / 1e6), "peak_rss_mib": peak_rss_mib(p.pid),
                "ws_frames": crowd.frames if crowd else 0}
    finally:
        if crowd:
            crowd.close()
        p.terminate()
        p.wait(30)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--suite", choices=["websocket", "tracing"], default="websocket")
    a = ap.parse_args()
    exe = os.path.abspath(os.path.join(a.build_dir, "sightline"))
    loadgen = os.path.abspath(os.path.join(a.build_dir, "sightline_bench"))
    if a.suite == "websocket":
        scenarios = {"0 WebSocket clients": (0, ()), "100 WebSocket clients": (100, ())}
    else:
        scenarios = {"tracing off": (0, ()), "trace 1 %": (0, ("--trace-sample", "0.01")),
                     "trace 100 %": (0, ("--trace",))}
    names = list(scenarios)
    results = {n: [] for n in names}
    for r in range(a.rounds):
        for name in round_order(names, r):
            ws, trace_args = scenarios[name]
            subprocess.run(["sync"])
            res = one_round(exe, loadgen, a.lines, a.connections, ws, trace_args)
            results[name].append(res)
            print(f"round {r + 1}, {name}: {res['lines_per_s']:,.0f} lines/s, {res['mb_per_s']:.0f} MB/s, "
                  f"{res['cpu_s_per_m']:.3f} CPU s/M, peak RSS {res['peak_rss_mib']:.0f} MiB", flush=True)
    print()
    print("| scenario | lines/s (median) | min | max | MB/s | CPU s / M lines | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    med, cpu = {}, {}
    for name, rows in results.items():
        s = summarize(rows)
        med[name], cpu[name] = s["median"], s["cpu_s_per_m"]
        print(f"| tcp x{a.connections} -> tagger -> router -> 3 files, {name} | {s['median']:,.0f} | "
              f"{s['min']:,.0f} | {s['max']:,.0f} | {s['mid']['mb_per_s']:.0f} | {s['cpu_s_per_m']:.3f} | "
              f"{s['peak_rss_mib']:.0f} |")
    base = names[0]
    for name in names[1:]:
        print(f"\n{name} against {base}: throughput {100 * (med[name] - med[base]) / med[base]:+.1f} %, "
              f"CPU per line {100 * (cpu[name] - cpu[base]) / cpu[base]:+.1f} %")

if __name__ == "__main__":
    main()
