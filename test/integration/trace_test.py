#!/usr/bin/env python3
"""Tracing, error capture, retries and the circuit breaker from outside: traced paths
follow the DAG, sampling is binomial, the ring stays bounded, retries and the breaker
are visible in /stats, /trace, /errors and over the WebSocket, and every line is
accounted for exactly.

Usage: trace_test.py PATH_TO_SIGHTLINE
"""
import json
import math
import socket
import sys
import time

from harness import Cases, Service, WebSocket, count_lines, free_port, http, wait_until

EXE = sys.argv[1]
cases = Cases()


def routed(tport, extra_procs=(), **extra):
    cfg = {
        "sources": [{"type": "tcp", "id": "tcp_in", "listen": f"127.0.0.1:{tport}"}],
        "processors": [*extra_procs, {"type": "tagger", "id": "tagger"},
                       {"type": "tag_router", "id": "router", "routes": {"error": "e", "warn": "w"}, "default": "rest"}],
        "sinks": [{"type": "file", "id": "e", "path": "e.log"}, {"type": "file", "id": "w", "path": "w.log"},
                  {"type": "file", "id": "rest", "path": "rest.log"}],
        "dead_letter": {"path": "dead.jsonl"},
    }
    cfg.update(extra)
    return cfg


def send(tport, lines):
    s = socket.create_connection(("127.0.0.1", tport))
    s.sendall(("\n".join(lines) + "\n").encode())
    s.close()


def get_json(svc, path):
    code, _, body = http(svc.hport, path)
    assert code == 200, (path, code, body)
    return json.loads(body)


@cases.run
def traced_paths_follow_the_dag_for_every_route():
    tport = free_port()
    svc = Service(EXE, routed(tport, extra_procs=[{"type": "filter", "id": "keep", "pattern": "drop-me", "invert": True}]),
                  args=("--trace",))
    try:
        svc.wait_http()
        send(tport, ["ERROR boom", "WARN careful", "INFO fine", "INFO drop-me"])
        traces = wait_until(lambda: (lambda t: t if len(t) == 4 else None)(get_json(svc, "/trace")), 10)
        assert traces, get_json(svc, "/trace")
        by_content = {t["original_content"]: t for t in traces}
        expect = {"ERROR boom": (["tcp_in", "keep", "tagger", "error", "e"], "e"),
                  "WARN careful": (["tcp_in", "keep", "tagger", "warn", "w"], "w"),
                  "INFO fine": (["tcp_in", "keep", "tagger", "default", "rest"], "rest"),
                  "INFO drop-me": (["tcp_in", "keep"], "dropped")}
        for content, (route, outcome) in expect.items():
            t = by_content[content]
            assert t["route"] == route and t["outcome"] == outcome, (content, t["route"], t["outcome"])
            assert [s["status"] for s in t["path"]][0] == "received"
            assert all(s["timestamp"].endswith("Z") and len(s["timestamp"]) == 27 for s in t["path"])
        assert by_content["INFO drop-me"]["path"][-1]["status"] == "drop"
        assert by_content["INFO drop-me"]["outcome_detail"] == "filtered"
        # Newest finished first: the dropped line ended first, at the filter.
        assert traces[-1]["original_content"] == "INFO drop-me", [t["original_content"] for t in traces]
        assert sorted(t["original_content"] for t in get_json(svc, "/trace?stage=router&status=route")) == \
            ["ERROR boom", "INFO fine", "WARN careful"]
        assert [t["original_content"] for t in get_json(svc, "/trace?outcome=dropped")] == ["INFO drop-me"]
        assert [t["original_content"] for t in get_json(svc, "/trace?q=careful")] == ["WARN careful"]
        one = get_json(svc, f"/trace/{by_content['WARN careful']['line_id']}")
        assert one["original_content"] == "WARN careful"
        assert http(svc.hport, "/trace/999999")[0] == 404
        assert http(svc.hport, "/trace?status=bogus")[0] == 400
    finally:
        svc.kill()


@cases.run
def sampling_is_binomial_ring_is_bounded_ids_are_unique():
    tport = free_port()
    cfg = routed(tport)
    cfg["trace"] = {"enabled": True, "sample": 0.1, "capacity": 1000}
    svc = Service(EXE, cfg)
    try:
        svc.wait_http()
        n = 100_000
        send(tport, [f"INFO line {i}" for i in range(n)])
        assert wait_until(lambda: count_lines(svc.path("rest.log")) == n, 20)
        # A sink finishes traces once their lines left its buffer, and /stats is a snapshot
        # per tick: wait for one taken after the sink's last flush.
        st = wait_until(lambda: (lambda s: s if s["sinks"]["rest"]["lines"] == n and s["sinks"]["rest"]["errors"] == 0
                                 and s["system"]["traces_recorded"] > 0 else None)(svc.stats()), 10)
        sigma = math.sqrt(n * 0.1 * 0.9)
        traced = wait_until(lambda: (lambda t: t if abs(t - n * 0.1) < 5 * sigma else None)(
            svc.stats()["system"]["traces_recorded"]), 5) or svc.stats()["system"]["traces_recorded"]
        assert st and abs(traced - n * 0.1) < 5 * sigma, traced
        kept = get_json(svc, "/trace?limit=10000")
        assert len(kept) == 1000, len(kept)  # the ring holds exactly its capacity
        ids = [t["line_id"] for t in kept]
        assert len(set(ids)) == len(ids)
    finally:
        svc.kill()


@cases.run
def transient_failures_are_retried_counted_and_traced():
    tport = free_port()
    flaky = {"type": "fault", "id": "flaky", "pattern": "FLAKY", "transient_failures": 2,
             "retry": {"max_attempts": 3, "backoff_ms": 20}}
    svc = Service(EXE, routed(tport, extra_procs=[flaky]), args=("--trace",))
    try:
        svc.wait_http()
        send(tport, [f"ERROR FLAKY {i}" for i in range(10)] + ["ERROR solid"])
        assert wait_until(lambda: count_lines(svc.path("e.log")) == 11, 10)
        st = wait_until(lambda: (lambda s: s if s["flaky"]["retries"] == 20 else None)(svc.stats()["processors"]), 10)
        assert st and st["flaky"]["errors"] == 0 and st["flaky"]["in_flight"] == 0, svc.stats()["processors"]["flaky"]
        t = get_json(svc, "/trace?q=FLAKY%200")[0]
        assert [s["status"] for s in t["path"]] == ["received", "error", "retry", "error", "retry", "emit", "emit",
                                                     "route", "sink"], t["path"]
        assert get_json(svc, "/errors") == []  # retried successfully: no error record
        assert count_lines(svc.path("dead.jsonl")) == 0
    finally:
        svc.kill()


@cases.run
def exhausted_retries_end_in_dead_letter_and_errors():
    tport = free_port()
    bad = {"type": "fault", "id": "bad", "pattern": "BAD", "message": "always broken", "error_type": "broken",
           "retry": {"max_attempts": 2, "backoff_ms": 10}}
    svc = Service(EXE, routed(tport, extra_procs=[bad]), args=("--trace",))
    try:
        svc.wait_http()
        send(tport, ["ERROR BAD one", "INFO good"])
        assert wait_until(lambda: count_lines(svc.path("dead.jsonl")) == 1, 10)
        errs = wait_until(lambda: get_json(svc, "/errors?stage=bad&type=broken"), 5)
        assert len(errs) == 1 and errs[0]["message"] == "always broken" and errs[0]["line"] == "ERROR BAD one", errs
        assert errs[0]["line_id"] is not None
        assert get_json(svc, "/errors?type=other") == []
        t = get_json(svc, f"/trace/{errs[0]['line_id']}")
        assert t["outcome"] == "error" and [s["status"] for s in t["path"]] == ["received", "error", "retry", "error"]
        dead = json.loads(open(svc.path("dead.jsonl")).read())
        assert dead["line_id"] == errs[0]["line_id"] and dead["error_type"] == "broken"
        st = wait_until(lambda: (lambda p: p if p["bad"]["errors"] == 1 else None)(svc.stats()["processors"]), 5)
        assert st["bad"]["retries"] == 1 and st["bad"]["errors_by_type"] == {"broken": 1}, st["bad"]
        metrics = http(svc.hport, "/metrics")[2].decode()
        assert 'sightline_stage_errors_total{stage="bad",type="fault",error_type="broken"} 1' in metrics
    finally:
        svc.kill()


@cases.run
def circuit_opens_refuses_half_opens_and_closes():
    tport = free_port()
    bad = {"type": "fault", "id": "bad", "pattern": "BAD",
           "circuit": {"failure_threshold": 3, "window_ms": 10000, "cooldown_ms": 600}}
    svc = Service(EXE, routed(tport, extra_procs=[bad]))
    try:
        svc.wait_http()
        ws = WebSocket(svc.hport)
        assert ws.recv()["type"] == "hello"
        circuit = lambda: svc.stats()["processors"]["bad"]["circuit"]  # noqa: E731
        assert circuit()["state"] == "closed"
        send(tport, ["INFO BAD 1", "INFO BAD 2", "INFO BAD 3"])
        assert wait_until(lambda: circuit()["state"] == "open", 5), circuit()
        health = wait_until(lambda: (lambda h: h if h["reason"] == "circuit open" else None)(
            json.loads(http(svc.hport, "/health/bad")[2])), 5)
        assert health and health["status"] == "degraded", http(svc.hport, "/health/bad")
        send(tport, ["INFO refused while open"])
        assert wait_until(lambda: count_lines(svc.path("dead.jsonl")) == 4, 5)
        last = open(svc.path("dead.jsonl")).read().splitlines()[-1]
        assert json.loads(last)["error_type"] == "circuit_open", last
        time.sleep(0.8)  # past the cooldown: the next batch is the probe
        send(tport, ["INFO probe passes"])
        assert wait_until(lambda: circuit()["state"] == "closed", 5), circuit()
        assert circuit()["opens"] == 1
        metrics = http(svc.hport, "/metrics")[2].decode()
        assert 'sightline_stage_circuit_opens_total{stage="bad",type="fault"} 1' in metrics, metrics[-800:]
        assert 'sightline_stage_circuit_state{stage="bad",type="fault"} 0' in metrics
        assert wait_until(lambda: count_lines(svc.path("rest.log")) == 1, 5)
        seen = []
        t0 = time.time()
        while time.time() - t0 < 5 and "closed" not in seen:
            m = ws.recv()
            if m["type"] == "circuit":
                seen.append(m["stages"]["bad"])
        assert "open" in seen and seen[-1] == "closed", seen
        # Every line is accounted for: sinks + dead letter + dropped = lines in.
        st = svc.stats()
        lines_in = st["sources"]["tcp_in"]["lines"]
        sunk = sum(st["sinks"][k]["lines"] for k in ("e", "w", "rest", "dead_letter"))
        dropped = sum(p["dropped"] for p in st["processors"].values())
        assert wait_until(lambda: (lambda s: sum(s["sinks"][k]["lines"] for k in ("e", "w", "rest", "dead_letter")))(
            svc.stats()) + dropped == lines_in, 5), (sunk, dropped, lines_in)
        ws.close()
    finally:
        svc.kill()


@cases.run
def traces_and_errors_are_pushed_and_subscriptions_filter():
    tport = free_port()
    bad = {"type": "fault", "id": "bad", "pattern": "BAD"}
    svc = Service(EXE, routed(tport, extra_procs=[bad]), args=("--trace",))
    try:
        svc.wait_http()
        everything = WebSocket(svc.hport)
        only_errors = WebSocket(svc.hport)
        for c in (everything, only_errors):
            assert c.recv()["type"] == "hello"
        only_errors.send_text(json.dumps({"type": "subscribe", "outcome": "w"}))
        only_errors.send_text("not json")
        replies = []
        while len(replies) < 2:
            m = only_errors.recv()
            if m["type"] in ("subscribed", "invalid"):
                replies.append(m["type"])
        assert replies == ["subscribed", "invalid"], replies
        send(tport, ["ERROR a", "WARN b", "INFO BAD c"])

        def collect(c, kinds, until):
            got = {k: [] for k in kinds}
            t0 = time.time()
            while time.time() - t0 < 5 and not until(got):
                m = c.recv()
                if m["type"] in got:
                    got[m["type"]] += m["traces"] if m["type"] == "trace" else m["errors"]
            return got
        got = collect(everything, ("trace", "error"), lambda g: len(g["trace"]) >= 3 and len(g["error"]) >= 1)
        assert sorted(t["original_content"] for t in got["trace"]) == ["ERROR a", "INFO BAD c", "WARN b"], got
        assert [e["line"] for e in got["error"]] == ["INFO BAD c"]
        got = collect(only_errors, ("trace",), lambda g: len(g["trace"]) >= 1)
        time.sleep(0.3)
        assert [t["original_content"] for t in got["trace"]] == ["WARN b"], got
        everything.close()
        only_errors.close()
    finally:
        svc.kill()


def strict_json(raw):
    """JSON from bytes that must be valid UTF-8 (strict: no surrogates, no stray bytes)."""
    return json.loads(raw.decode("utf-8"))


@cases.run
def lines_of_any_bytes_leave_every_json_surface_valid_utf8():
    """A line with invalid UTF-8 and a non-ASCII line longer than the 1 KiB cut, traced
    and failed on purpose: /trace, /errors, the WebSocket hello and pushes and the dead
    letter stay valid UTF-8, cut on character boundaries, and the dead letter keeps the
    exact bytes of the invalid line in line_base64. The raw sink keeps them untouched."""
    import base64
    tport = free_port()
    cfg = routed(tport, extra_procs=[{"type": "fault", "id": "fault", "pattern": "FAIL"}])
    svc = Service(EXE, cfg, args=("--trace",))
    invalid = b"FAIL \xff\xfe bytes \xc3"
    long_ok = "INFO " + "\u20ac" * 700  # 2 105 bytes, a 3-byte character at the cut
    long_fail = ("FAIL " + "\u00e9" * 600).encode()
    try:
        svc.wait_http()
        ws = WebSocket(svc.hport)
        hello = ws.recv()
        assert hello["type"] == "hello"
        s = socket.create_connection(("127.0.0.1", tport))
        s.sendall(invalid + b"\n" + long_ok.encode() + b"\n" + long_fail + b"\n" + b"INFO \xff plain\n")
        s.close()
        assert wait_until(lambda: svc.stats()["system"]["traces_recorded"] == 4, 10), svc.stats()["system"]
        _, _, body = http(svc.hport, "/trace")
        traces = strict_json(body)
        assert len(traces) == 4, traces
        contents = sorted(t["original_content"] for t in traces)
        long_content = [c for c in contents if c.startswith("INFO \u20ac")][0]
        assert long_content == long_ok[:5 + (1024 - 5) // 3], len(long_content.encode())  # whole characters
        assert "FAIL \ufffd\ufffd bytes \ufffd" in contents, contents
        _, _, body = http(svc.hport, "/errors")
        errors = strict_json(body)
        assert sorted(e["line"] for e in errors) == sorted(["FAIL \ufffd\ufffd bytes \ufffd",
                                                            "FAIL " + "\u00e9" * 509]), errors
        # Pushes and a new client's hello carry the same records, valid too.
        seen = set()
        deadline = time.time() + 10
        while len(seen) < 4 and time.time() < deadline:
            m = ws.recv()
            if m["type"] == "trace":
                seen.update(t["line_id"] for t in m["traces"])
        assert len(seen) == 4, seen
        ws.close()
        again = WebSocket(svc.hport)
        hello = again.recv()
        assert len(hello["traces"]) == 4 and len(hello["errors"]) == 2, (len(hello["traces"]), len(hello["errors"]))
        again.close()
        stop = svc.stop()
        assert stop == 0, (stop, svc.stderr())
        with open(svc.path("dead.jsonl"), "rb") as f:
            dead = [strict_json(l) for l in f.read().splitlines()]
        by_line = {d["line"]: d for d in dead}
        bad = by_line["FAIL \ufffd\ufffd bytes \ufffd"]
        assert base64.b64decode(bad["line_base64"]) == invalid, bad
        good = by_line["FAIL " + "\u00e9" * 600]
        assert "line_base64" not in good, good  # valid UTF-8, kept whole
        with open(svc.path("rest.log"), "rb") as f:
            rest = f.read()
        assert rest == long_ok.encode() + b"\n" + b"INFO \xff plain\n", rest[:80]  # raw sinks: bytes untouched
    finally:
        svc.kill()


sys.exit(cases.finish())
