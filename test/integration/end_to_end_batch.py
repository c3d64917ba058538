#!/usr/bin/env python3
"""End to end, batch mode: the built binary runs 200 000 generated lines through a
5-stage DAG with a router, and every output file, the dead-letter file and the saved
metrics are checked line by line and count by count against a model of the pipeline
written here in Python.

Usage: end_to_end_batch.py PATH_TO_SIGHTLINE
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

N = 200_000
LEVELS = ["INFO", "INFO", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "DEBUG", "TRACE", None]


def make_lines(rng):
    """Mixed log lines plus the awkward cases: CRLF, empty, NUL, invalid UTF-8, poison."""
    lines = []  # (raw bytes as written, without the newline), terminator
    for i in range(N):
        lvl = rng.choice(LEVELS)
        body = f"2026-11-22T10:{i % 60:02d}:{i % 60:02d}Z {lvl or 'note'} svc=api{rng.randint(1, 9)} req={i:08d} user={rng.randint(1000, 9999)}"
        if i % 1000 == 7:
            body += " POISON"
        raw = body.encode()
        if i % 997 == 3:
            raw += b" nul\x00byte \xff\xfe invalid"
        if i % 1500 == 11:
            raw = b""  # empty line
        term = b"\r\n" if i % 5 == 0 else b"\n"
        lines.append((raw, term))
    return lines


LEVEL_TAG = {"ERROR": "error", "ERR": "error", "FATAL": "error", "CRITICAL": "error", "CRIT": "error",
             "WARN": "warn", "WARNING": "warn", "INFO": "info", "DEBUG": "debug", "TRACE": "debug"}


def tag_of(line: bytes):
    for word in re.findall(rb"[A-Za-z0-9_]+", line):
        t = LEVEL_TAG.get(word.decode("latin-1"))
        if t:
            return t
    return "untagged"


def main():
    exe = sys.argv[1]
    rng = random.Random(2026)
    lines = make_lines(rng)
    d = tempfile.mkdtemp(prefix="sl-e2e-")
    inp = os.path.join(d, "in.log")
    with open(inp, "wb") as f:
        for i, (raw, term) in enumerate(lines):
            # The last line has no newline at all: it must still be processed.
            f.write(raw + (term if i + 1 < len(lines) else b""))
    cfg = {
        "sources": [{"type": "file", "id": "in", "path": inp}],
        "processors": [
            {"type": "replace", "id": "mask", "pattern": r"user=\d+", "replacement": "user=XXXX"},
            {"type": "fault", "id": "poison", "pattern": "POISON", "message": "poisoned line"},
            {"type": "tagger", "id": "tagger"},
            {"type": "tag_router", "id": "router",
             "routes": {"error": "errors_out", "warn": "warn_out", "info": "numbered"}},
            {"type": "line_counter", "id": "numbered", "format": "{count} {tag} {line}", "next": ["info_out"]},
        ],
        "sinks": [
            {"type": "file", "id": "errors_out", "path": os.path.join(d, "errors.log")},
            {"type": "file", "id": "warn_out", "path": os.path.join(d, "warn.log")},
            {"type": "file", "id": "info_out", "path": os.path.join(d, "info.log")},
        ],
        "dead_letter": {"path": os.path.join(d, "dead.jsonl")},
    }
    cfg_path = os.path.join(d, "pipeline.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    metrics_path = os.path.join(d, "metrics.json")
    r = subprocess.run([exe, "--config", cfg_path, "--save-metrics", metrics_path, "--threads", "2",
                        "--log-format", "json"], capture_output=True, timeout=120)
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr[-500:]!r}"

    # Model of the pipeline.
    expected = {"errors_out": [], "warn_out": [], "info_out": []}
    dead = []
    no_route = 0
    info_count = 0
    for raw, _term in lines:
        masked = re.sub(rb"user=\d+", b"user=XXXX", raw)
        if b"POISON" in masked:
            dead.append(masked)
            continue
        tag = tag_of(masked)
        if tag == "error":
            expected["errors_out"].append(masked)
        elif tag == "warn":
            expected["warn_out"].append(masked)
        elif tag == "info":
            info_count += 1
            expected["info_out"].append(str(info_count).encode() + b" info " + masked)
        else:
            no_route += 1

    failures = []
    for sink, fname in (("errors_out", "errors.log"), ("warn_out", "warn.log"), ("info_out", "info.log")):
        with open(os.path.join(d, fname), "rb") as f:
            got = f.read().split(b"\n")
        assert got[-1] == b"", f"{fname} does not end with a newline"
        got = got[:-1]
        if got != expected[sink]:
            first = next((i for i, (a, b) in enumerate(zip(got, expected[sink])) if a != b), min(len(got), len(expected[sink])))
            failures.append(f"{fname}: {len(got)} lines, expected {len(expected[sink])}; first difference at line {first}")
    with open(os.path.join(d, "dead.jsonl"), "rb") as f:
        dead_records = [json.loads(l) for l in f.read().splitlines()]
    if [rec["line"].encode() for rec in dead_records] != dead:
        failures.append(f"dead letter: {len(dead_records)} records, expected {len(dead)}")
    if any(rec["stage"] != "poison" or rec["error"] != "poisoned line" or rec["error_type"] != "fault" for rec in dead_records):
        failures.append("dead letter records do not name the stage, error and type")

    m = json.load(open(metrics_path))
    p = m["processors"]
    total = len(lines)
    checks = [
        (m["sources"]["in"]["lines"], total, "source lines"),
        (p["mask"]["lines_in"], total, "mask in"), (p["mask"]["lines_out"], total, "mask out"),
        (p["poison"]["lines_in"], total, "poison in"), (p["poison"]["errors"], len(dead), "poison errors"),
        (p["poison"]["lines_out"], total - len(dead), "poison out"),
        (p["tagger"]["lines_out"], total - len(dead), "tagger out"),
        (p["router"]["lines_out"], total - len(dead) - no_route, "router out"),
        (p["router"]["dropped"], no_route, "router dropped"),
        (p["router"]["dropped_by_reason"].get("no_route", 0), no_route, "router no_route"),
        (p["numbered"]["lines_in"], info_count, "numbered in"),
        (m["sinks"]["errors_out"]["lines"], len(expected["errors_out"]), "errors_out lines"),
        (m["sinks"]["warn_out"]["lines"], len(expected["warn_out"]), "warn_out lines"),
        (m["sinks"]["info_out"]["lines"], len(expected["info_out"]), "info_out lines"),
        (m["sinks"]["dead_letter"]["lines"], len(dead), "dead letter lines"),
        (m["system"]["total_lines"], total, "total lines"),
        (m["system"]["total_errors"], len(dead), "total errors"),
    ]
    for got, want, what in checks:
        if got != want:
            failures.append(f"metrics {what}: {got}, expected {want}")
    # The identity of DESIGN.md §1 at every stage, and for the whole run.
    for sid, s in p.items():
        if s["lines_in"] != s["lines_out"] + s["dropped"] + s["errors"] + s["in_flight"] or s["in_flight"] != 0:
            failures.append(f"identity broken at {sid}: {s}")
    sunk = sum(m["sinks"][k]["lines"] for k in ("errors_out", "warn_out", "info_out", "dead_letter"))
    if sunk + no_route != total:
        failures.append(f"sinks {sunk} + dropped {no_route} != read {total}")
    # Lifecycle events are logged as JSON lines.
    events = [json.loads(l)["event"] for l in r.stderr.decode().splitlines() if l.startswith("{")]
    for ev in ("pipeline_started", "pipeline_completed"):
        if ev not in events:
            failures.append(f"no {ev} log event (got {events})")

    if failures:
        print("\n".join(failures))
        print("0 passed, 1 failed")
        sys.exit(1)
    print(f"end-to-end: {total} lines -> errors {len(expected['errors_out'])}, warn {len(expected['warn_out'])}, "
          f"info {len(expected['info_out'])}, dead {len(dead)}, no_route {no_route}: all exact")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
