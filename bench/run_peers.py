#!/usr/bin/env python3
"""Sightline next to rsyslog and syslog-ng, on the same generated input (sightline_bench's
line block), each system in turn in ABBA order, several rounds:

  tcp -> file     load generator over --connections TCP connections -> one file; the raw
                  limit (sightline_bench sink: count newlines, discard) runs here too, and
                  the same reader appending what it reads to a file
  tcp -> route    tag by level, ERROR -> errors.log, WARN -> warnings.log, rest.log;
                  Sightline also with --trace-sample 0.01 and with 100 WebSocket clients
  udp -> file     the highest rate (lines/s, one line a datagram) each system takes
                  without losing a line, found on a ladder of rates, and the loss one
                  step above it
  syslog-json     RFC 5424 lines (sightline_bench --format syslog) -> parse -> route on
                  severity (err, warning, rest) -> 3 files in JSON, in every system
  json-filter     JSON lines -> parse_json -> filter on a field -> a file in JSON
                  (Sightline only: the peers have no JSON input parser to compare)

A TCP round counts only when the destination files hold every byte sent and exactly
--lines lines. Usage: bench/run_peers.py BUILD_DIR [--syslog-ng DIR] [--lines N]
[--connections C] [--rounds R] [--udp-rounds R]
[--only tcp-file,tcp-route,udp-file,syslog-json,json-filter]
[--systems 'raw limit,Sightline,rsyslog,syslog-ng']
"""
import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_lib import (LineCounter, WebSocketCrowd, http, peak_rss_mib, proc_cpu_seconds,  # noqa: E402
                       round_order, wait_until)
import peers  # noqa: E402
import peers_report  # noqa: E402

WS_CLIENTS = 100
RAW_WRITING = "raw limit, writing the file"  # what any collector's file write leaves
UDP_LADDER = [int(10_000 * 1.25 ** k) for k in range(31)]  # 10 k .. about 8 M lines/s
UDP_TRIAL_SECONDS = 1.0
UDP_MAX_TRIALS = 7


# The config kind of each scenario (peers.py), and the input format it sends.
KINDS = {"tcp-file": "file", "tcp-route": "route", "udp-file": "file", "syslog-json": "syslog", "json-filter": "json"}
FORMATS = {"syslog-json": "syslog", "json-filter": "json"}


class Rejected(Exception):
    """A round whose destination did not hold exactly what was sent."""


def systems_for(scenario, a):
    """name -> start(work, proto) for the systems that run a scenario."""
    build, sng = a.build_dir, a.syslog_ng
    kind = KINDS[scenario]
    s = {"Sightline": lambda w, p: peers.start_sightline(build, kind, p, w)}
    if scenario == "json-filter":
        return s
    if scenario == "tcp-route":
        s["Sightline, trace 1 %"] = lambda w, p: peers.start_sightline(build, kind, p, w, ("--trace-sample", "0.01"))
        s[f"Sightline, {WS_CLIENTS} WebSocket clients"] = lambda w, p: peers.start_sightline(build, kind, p, w)
    s["rsyslog"] = lambda w, p: peers.start_rsyslog(kind, p, w)
    s["syslog-ng"] = lambda w, p: peers.start_syslog_ng(sng, kind, p, w)
    if scenario == "tcp-file":
        s = {"raw limit": lambda w, p: peers.start_raw_sink(build, w, a.connections),
             RAW_WRITING: lambda w, p: peers.start_raw_sink(build, w, a.connections, write_file=True), **s}
    if a.systems:
        s = {n: f for n, f in s.items() if n.split(",")[0] in a.systems.split(",")}
    return s


def children_cpu_seconds():
    """CPU of the children reaped so far: around one load generator run, its own."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def loadgen(a, proto, port, lines, rate=0, line_format="plain"):
    argv = [os.path.join(a.build_dir, "sightline_bench"), proto, "--port", str(port), "--lines", str(lines),
            "--rate", str(rate), "--format", line_format]
    if proto == "tcp":
        argv += ["--connections", str(a.connections)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=600, preexec_fn=peers.die_with_parent)
    sent = json.loads(r.stdout)
    if r.returncode != 0 or sent["lines"] != lines:
        raise Rejected(f"load generator failed: {sent} {r.stderr[-300:]}")
    return sent


def tcp_round(a, start, work, name, scenario="tcp-route"):
    running = start(work, "tcp")
    structured = scenario in FORMATS  # JSON out: the files differ from the input, count lines
    crowd = None
    try:
        running.wait_ready()
        if name.endswith("WebSocket clients"):
            crowd = WebSocketCrowd(running.hport, WS_CLIENTS)
            assert wait_until(lambda: json.loads(http(running.hport, "/stats")[2])["system"]["websocket_clients"]
                              == WS_CLIENTS, 15), "WebSocket clients did not connect"
        cpu0 = proc_cpu_seconds(running.pid)
        t0 = time.time()
        sender0 = children_cpu_seconds()
        sent = loadgen(a, "tcp", running.port, a.lines, line_format=FORMATS.get(scenario, "plain"))
        sender_cpu = children_cpu_seconds() - sender0
        if name.startswith("raw limit"):
            got = json.loads(running.proc.communicate(timeout=120)[0])
            elapsed = time.time() - t0
            lines, nbytes, cpu, rss, split = got["lines"], got["bytes"], got["cpu_seconds"], got["peak_rss_kib"] / 1024, []
            if running.outputs and LineCounter(running.outputs).count() != lines:
                raise Rejected("the raw reader's file does not hold what it read")
        else:
            counter = LineCounter(running.outputs)
            if structured:
                done_at = counter.wait_lines(a.lines, 120)
                if done_at is None:
                    raise Rejected(f"destination holds {counter.count()} of {a.lines} lines")
                elapsed = done_at - t0
            elif not wait_until(lambda: counter.total_bytes() >= sent["bytes"], 120, 0.002):
                raise Rejected(f"destination holds {counter.total_bytes()} of {sent['bytes']} bytes")
            else:
                elapsed = time.time() - t0
            cpu, rss = proc_cpu_seconds(running.pid) - cpu0, peak_rss_mib(running.pid)
            lines, nbytes = counter.count(), counter.total_bytes()
            split = [counter.lines[p] for p in running.outputs]
        if lines != a.lines or (nbytes != sent["bytes"] and not structured):
            raise Rejected(f"destination holds {lines} lines, {nbytes} bytes; sent {a.lines}, {sent['bytes']}")
        return {"lines_per_s": a.lines / elapsed, "mb_per_s": sent["bytes"] / elapsed / 1e6,
                "cpu_s_per_m": cpu / (a.lines / 1e6), "sender_cpu_s_per_m": sender_cpu / (a.lines / 1e6),
                "peak_rss_mib": rss, "split": split}
    finally:
        if crowd:
            crowd.close()
        running.stop()


def udp_trial(a, running, counter, rate):
    """Sends about a second of lines at `rate`; returns the loss once the files settle."""
    lines = int(min(max(rate * UDP_TRIAL_SECONDS, 100_000), 5_000_000))
    before_lines, before_bytes = counter.count(), counter.total_bytes()
    cpu0 = proc_cpu_seconds(running.pid)
    sent = loadgen(a, "udp", running.port, lines, rate)
    # Settled: every byte arrived, or nothing new for half a second (the rest is lost).
    last = [-1, time.time()]

    def settled():
        size = counter.total_bytes()
        if size != last[0]:
            last[:] = [size, time.time()]
        return size >= before_bytes + sent["bytes"] or time.time() - last[1] > 0.5
    wait_until(settled, 60, 0.01)
    got = counter.count() - before_lines
    if got > lines:
        raise Rejected(f"destination holds {got} lines, sent {lines}")
    return {"rate": rate, "lines_per_s": lines / sent["seconds"], "mb_per_s": sent["bytes"] / sent["seconds"] / 1e6,
            "lost": lines - got, "loss_pct": 100 * (lines - got) / lines,
            "cpu_s_per_m": (proc_cpu_seconds(running.pid) - cpu0) / (lines / 1e6),
            "peak_rss_mib": peak_rss_mib(running.pid)}


def drop_reasons(running):
    """Where Sightline lost them, from its own counters (the peers do not say)."""
    if not running.hport:
        return ""
    src = json.loads(http(running.hport, "/stats")[2])["sources"]["in"]
    return (f" (so far: {src['dropped_by_reason']} lines dropped in Sightline, "
            f"{src['kernel_dropped_datagrams']} datagrams by the kernel)")


def udp_search(a, start, work, name):  # noqa: ARG001  (same signature as tcp_round)
    """Binary search on UDP_LADDER for the highest lossless rate, at most UDP_MAX_TRIALS
    trials on one running instance. A lossless trial the sender could not keep up with
    ends the search upwards: the receiver was not the limit."""
    running = start(work, "udp")
    try:
        running.wait_ready()
        counter = LineCounter(running.outputs)
        ladder = [r for r in UDP_LADDER if r <= a.udp_max_rate]
        lo, hi, trials = -1, len(ladder), {}
        while hi - lo > 1 and len(trials) < UDP_MAX_TRIALS:
            mid = (lo + hi) // 2
            t = trials[mid] = udp_trial(a, running, counter, ladder[mid])
            print(f"    udp {ladder[mid]:>10,} lines/s asked, {t['lines_per_s']:>10,.0f} sent: "
                  f"loss {t['loss_pct']:.3f} %{drop_reasons(running) if t['lost'] else ''}", flush=True)
            if t["lost"]:
                hi = mid
            else:
                lo = mid
                if t["lines_per_s"] < 0.9 * ladder[mid]:
                    hi = mid + 1
        if lo < 0:  # lossy all the way down: say so, with the loss at the lowest rate tried
            lowest = trials[min(trials)]
            return {**lowest, "lines_per_s": 0.0, "mb_per_s": 0.0, "loss_above_pct": lowest["loss_pct"]}
        best = dict(trials[lo])
        best["loss_above_pct"] = trials[hi]["loss_pct"] if hi in trials else None
        return best
    finally:
        running.stop()


def warm_page_cache(root, nbytes):
    """Writes and deletes a file as large as a run's output. On this VM, memory that
    stayed free for a while costs far more to write into than memory freed a moment
    ago (3-4 M against 8 M lines/s for the same reader), so without this whichever
    system follows one that wrote nothing would be slowed down."""
    path = os.path.join(root, "warm-up")
    chunk = b"\0" * (8 << 20)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(max(1, nbytes // len(chunk))):
            os.write(fd, chunk)
    finally:
        os.close(fd)
        os.unlink(path)


PAGE_REPORTING = "/sys/module/page_reporting/parameters/page_reporting_order"


@contextlib.contextmanager
def paused_page_reporting(keep):
    """This VM hands memory that stays free back to its host (virtio-balloon free page
    reporting, blocks of 2^order pages); the next write into such a page faults in the
    host, which doubled the CPU per line of a JSON run, at random, for whichever system
    ran after the warm-up's pages were reported. An order above the largest block stops
    the reporting for the run (restored after); needs root, else nothing changes."""
    old = None
    if not keep and os.path.exists(PAGE_REPORTING) and os.access(PAGE_REPORTING, os.W_OK):
        with open(PAGE_REPORTING) as f:
            old = f.read().strip()
        with open(PAGE_REPORTING, "w") as f:
            f.write("11")
        print(f"free page reporting paused for the run (page_reporting_order {old} -> 11)", flush=True)
    try:
        yield old is not None
    finally:
        if old is not None:
            with open(PAGE_REPORTING, "w") as f:
                f.write(old)


def run_scenario(a, scenario, rounds, root):
    systems = systems_for(scenario, a)
    results = {n: [] for n in systems}
    for r in range(rounds):
        for name in round_order(systems, r):
            work = peers.make_work_dir(os.path.join(root, f"{scenario}-{r}-{len(os.listdir(root))}"))
            # As much as the round will write: ~110 bytes a line as it came, ~350 as JSON
            # (fields plus the line as `message`).
            warm_page_cache(root, a.lines * (350 if scenario in FORMATS else 110))
            subprocess.run(["sync"])
            try:
                if scenario == "udp-file":
                    res = udp_search(a, systems[name], work, name)
                else:
                    res = tcp_round(a, systems[name], work, name, scenario)
                results[name].append(res)
                print(f"round {r + 1}, {scenario}, {name}: {res['lines_per_s']:,.0f} lines/s, "
                      f"{res['cpu_s_per_m']:.3f} CPU s/M, peak RSS {res['peak_rss_mib']:.0f} MiB", flush=True)
            except (Rejected, RuntimeError, AssertionError, subprocess.TimeoutExpired) as e:
                results[name].append(None)
                print(f"round {r + 1}, {scenario}, {name}: REJECTED: {e}", flush=True)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--syslog-ng", default=os.path.join(os.path.dirname(peers.HERE), "build", "peers", "syslog-ng"))
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--udp-rounds", type=int, default=3)
    ap.add_argument("--udp-max-rate", type=int, default=8_000_000)
    ap.add_argument("--only", default="tcp-file,tcp-route,udp-file", help="scenarios to run")
    ap.add_argument("--systems", default="", help="e.g. 'raw limit,Sightline' (default: all)")
    ap.add_argument("--keep-page-reporting", action="store_true",
                    help="leave the VM's free page reporting on (see paused_page_reporting)")
    a = ap.parse_args()
    a.build_dir, a.syslog_ng = os.path.abspath(a.build_dir), os.path.abspath(a.syslog_ng)
    root = tempfile.mkdtemp(prefix="sl-bench-peers-")
    os.chmod(root, 0o755)
    try:
        all_results = {}
        with paused_page_reporting(a.keep_page_reporting):
            for scenario in a.only.split(","):
                rounds = a.udp_rounds if scenario == "udp-file" else a.rounds
                all_results[scenario] = run_scenario(a, scenario, rounds, root)
        peers_report.print_report(a, all_results)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
