#!/usr/bin/env python3
"""What TLS costs on the wire between two Sightlines (issue 18): a sender reads a
generated file once (file source -> tcp sink, octet-counted) into a receiver (tcp
source -> null sink), in plain TCP and in TLS (the receiver's `tls` with a P-256
certificate, the sender verifying it against its CA). Both processes share the two
cores. ABBA order, several rounds; a round counts only when the receiver read every line.

Usage: bench/run_tls.py BUILD_DIR [--lines N] [--rounds R]
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
from bench_lib import free_port, http, proc_cpu_seconds, round_order, summarize, wait_until  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "integration"))
from harness import Pki  # noqa: E402


def one_round(build, mode, data, lines, pki):
    work = tempfile.mkdtemp(prefix="sl-bench-tls-")
    rport, rh, sh = free_port(), free_port(), free_port()
    tls_in = {"cert_file": pki.path("server.pem"), "key_file": pki.path("server.key")} if mode == "tls" else None
    receiver_cfg = {"sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{rport}", "framing": "octet_counted",
                                 **({"tls": tls_in} if tls_in else {})}],
                    "sinks": [{"type": "null", "id": "out"}],
                    "http": {"listen": f"127.0.0.1:{rh}", "push_interval_ms": 100}}  # /stats every 0.1 s
    sender_cfg = {"sources": [{"type": "file", "id": "file", "path": data}],
                  "sinks": [{"type": "tcp", "id": "fwd", "address": f"127.0.0.1:{rport}", "framing": "octet_counted",
                             **({"tls": {"ca_file": pki.path("ca.pem")}} if mode == "tls" else {})}],
                  "http": {"listen": f"127.0.0.1:{sh}"}}
    for name, cfg in (("receiver.json", receiver_cfg), ("sender.json", sender_cfg)):
        with open(os.path.join(work, name), "w") as f:
            json.dump(cfg, f)
    exe = os.path.join(os.path.abspath(build), "sightline")
    receiver = subprocess.Popen([exe, "--config", "receiver.json", "--log-level", "warn"], cwd=work,
                                stdout=subprocess.DEVNULL)
    sender = None
    try:
        assert wait_until(lambda: http(rh, "/live", timeout=1)[0] == 200, 15), "receiver did not start"
        cpu0 = proc_cpu_seconds(receiver.pid)
        t0 = time.time()
        # A file read once: the sender is in batch mode and exits when the sink delivered all.
        sender = subprocess.Popen([exe, "--config", "sender.json", "--log-level", "warn"], cwd=work,
                                  stdout=subprocess.DEVNULL)

        def received():
            return json.loads(http(rh, "/stats", timeout=2)[2])["sources"]["in"]["lines"] == lines
        assert wait_until(received, 300, 0.005), "the receiver never read every line"
        elapsed = time.time() - t0
        cpu = proc_cpu_seconds(receiver.pid) - cpu0
        assert sender.wait(60) == 0
        return {"lines_per_s": lines / elapsed, "cpu_s_per_m": cpu / (lines / 1e6), "peak_rss_mib": 0.0}
    finally:
        if sender and sender.poll() is None:
            sender.kill()
        receiver.terminate()
        receiver.wait(60)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--lines", type=int, default=5_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    pki = Pki()
    pki.make_ca("ca")
    pki.make_cert("server", "ca", san="IP:127.0.0.1")
    data = os.path.join(pki.dir, "lines.txt")
    subprocess.run([os.path.join(os.path.abspath(args.build), "sightline_bench"), "generate", "--lines", str(args.lines),
                    "--out", data], check=True, stdout=subprocess.DEVNULL, timeout=300)
    size = os.path.getsize(data)
    rows = {"plain": [], "tls": []}
    try:
        for r in range(args.rounds):
            for mode in round_order(rows, r):
                row = one_round(args.build, mode, data, args.lines, pki)
                rows[mode].append(row)
                print(f"round {r} {mode}: {row['lines_per_s'] / 1e6:.2f} M lines/s, "
                      f"{row['lines_per_s'] * size / args.lines / 1e6:.0f} MB/s, receiver "
                      f"{row['cpu_s_per_m']:.3f} CPU s per M lines", flush=True)
    finally:
        pki.remove()
    print()
    print(f"{args.lines} lines ({size / args.lines:.0f} bytes each), {args.rounds} rounds, sender and receiver on the same cores")
    print()
    print("| connection | lines/s | MB/s | receiver CPU s per M lines |")
    print("|---|---|---|---|")
    for mode, label in (("plain", "plain TCP"), ("tls", "TLS 1.3 (P-256, verified)")):
        s = summarize(rows[mode])
        print(f"| {label} | {s['median'] / 1e6:.2f} M ({s['min'] / 1e6:.2f} – {s['max'] / 1e6:.2f}) | "
              f"{s['median'] * size / args.lines / 1e6:.0f} | {s['cpu_s_per_m']:.3f} |")


if __name__ == "__main__":
    main()
