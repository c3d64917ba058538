"""The Markdown tables and target check printed at the end of run_peers.py."""
import statistics

from bench_lib import summarize

TITLES = {"tcp-file": "tcp -> file", "tcp-route": "tcp -> tag -> route -> 3 files", "udp-file": "udp -> file",
          "syslog-json": "RFC 5424 tcp -> parse -> route on severity -> 3 JSON files",
          "json-filter": "JSON tcp -> parse_json -> filter on a field -> JSON file"}
TCP_SCENARIOS = ("tcp-file", "tcp-route", "syslog-json", "json-filter")


def _accepted(rows):
    return [r for r in rows if r is not None]


def _rejected_note(rows):
    bad = len(rows) - len(_accepted(rows))
    return f" ({bad} of {len(rows)} rounds rejected)" if bad else ""


def cpu_bound(s):
    """Lines/s that the CPU per line (server plus load generator) allows on two cores:
    the figure the machine would give with nobody else on it, and far steadier than the
    wall clock when other work shares the cores."""
    return 2e6 / (s["cpu_s_per_m"] + s["sender_cpu_s_per_m"])


def print_tcp_table(a, results, raw_median):
    print(f"| scenario | system | lines/s (median of {a.rounds}) | min | max | MB/s | CPU s / M lines | "
          "peak RSS MiB | of raw limit | CPU bound on 2 cores |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    summaries = {}
    for scenario in TCP_SCENARIOS:
        for name, rows in results.get(scenario, {}).items():
            ok = _accepted(rows)
            if not ok:
                print(f"| {TITLES[scenario]} | {name} | rejected | | | | | | | |")
                continue
            s = summarize(ok)
            summaries[(scenario, name)] = s
            ratio = f"{100 * s['median'] / raw_median:.0f} %" if raw_median else "-"
            print(f"| {TITLES[scenario]} | {name}{_rejected_note(rows)} | {s['median']:,.0f} | {s['min']:,.0f} | "
                  f"{s['max']:,.0f} | {s['mid']['mb_per_s']:.0f} | {s['cpu_s_per_m']:.3f} | "
                  f"{s['peak_rss_mib']:.0f} | {ratio} | {cpu_bound(s):,.0f} |")
    return summaries


def print_udp_table(a, rows_by_name):
    print(f"| system | highest lossless lines/s (median of {a.udp_rounds}) | min | max | MB/s | CPU s / M lines | "
          "peak RSS MiB | loss one step (x1.25) above, or at the lowest rate |")
    print("|---|---|---|---|---|---|---|---|")
    for name, rows in rows_by_name.items():
        ok = _accepted(rows)
        if not ok:
            print(f"| {name} | rejected | | | | | | |")
            continue
        s = summarize(ok)
        above = [r["loss_above_pct"] for r in ok if r["loss_above_pct"] is not None]
        above_text = f"{statistics.median(above):.2f} %" if above else "none seen (sender-bound)"
        # 0 stands for "lossy even at the lowest rate tried"; the loss column is then at that rate.
        rate = lambda v: f"{v:,.0f}" if v else f"none >= {min(r['rate'] for r in ok):,}"  # noqa: E731
        print(f"| {name}{_rejected_note(rows)} | {rate(s['median'])} | {rate(s['min'])} | {rate(s['max'])} | "
              f"{s['mid']['mb_per_s']:.0f} | {s['cpu_s_per_m']:.3f} | {s['peak_rss_mib']:.0f} | {above_text} |")


def print_split_check(results):
    """The routing scenario must split lines alike in every system."""
    splits = {}
    for name, rows in results.get("tcp-route", {}).items():
        ok = _accepted(rows)
        if ok:
            splits[name] = ok[0]["split"]
    if len({tuple(s) for s in splits.values()}) > 1:
        print("\nWARNING: the systems split lines differently (errors, warnings, rest):", splits)


def print_targets(summaries):
    """Each target on the measured medians, and on the CPU bound (steadier when the
    machine is shared)."""
    print("\nTargets (Sightline >= 5x the faster peer, issue 15; >= 50 % of the raw limit; structured scenarios "
          ">= 3 M lines/s), measured / by CPU bound:")
    raw = summaries.get(("tcp-file", "raw limit"))
    for scenario in TCP_SCENARIOS:
        ours = summaries.get((scenario, "Sightline"))
        peers = [summaries[(scenario, p)] for p in ("rsyslog", "syslog-ng") if (scenario, p) in summaries]
        for label, value in (("measured", lambda s: s["median"]), ("CPU bound", cpu_bound)):
            if ours and peers:
                x = value(ours) / max(value(p) for p in peers)
                print(f"- {TITLES[scenario]}, {label}: {x:.1f}x the faster peer ({'met' if x >= 5 else 'NOT met'})")
            if ours and scenario in ("syslog-json", "json-filter"):
                v = value(ours)
                print(f"- {TITLES[scenario]}, {label}: {v / 1e6:.2f} M lines/s ({'met' if v >= 3e6 else 'NOT met'})")
            if ours and raw:
                r = value(ours) / value(raw)
                print(f"- {TITLES[scenario]}, {label}: {100 * r:.0f} % of the raw limit ({'met' if r >= 0.5 else 'NOT met'})")


def print_report(a, results):
    print(f"\n{a.lines:,} lines of about 113 bytes over {a.connections} TCP connections; "
          "UDP one line a datagram.\n")
    raw_rows = _accepted(results.get("tcp-file", {}).get("raw limit", []))
    raw_median = summarize(raw_rows)["median"] if raw_rows else None
    summaries = {}
    if any(s in results for s in TCP_SCENARIOS):
        summaries = print_tcp_table(a, results, raw_median)
        print_split_check(results)
    if "udp-file" in results:
        print()
        print_udp_table(a, results["udp-file"])
    print_targets(summaries)
