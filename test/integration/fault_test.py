#!/usr/bin/env python3
"""Fault injection (issue 7): SIGTERM in the middle of a flood, a sink that fails and
recovers, a processor that throws. Exact accounting every time: each line a client
wrote is in a sink or in the dead letter, once. (The slow sink is covered by
ingest_test.py: slow_sink_pushes_back_on_tcp_senders_and_memory_stays_bounded.)

Usage: fault_test.py PATH_TO_SIGHTLINE   (SIGHTLINE_ONLY=<case> runs one case)
"""
import json
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time

from harness import Cases, Service, count_lines, free_port, http, wait_until

EXE = sys.argv[1]
cases = Cases()


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        return f.read().split(b"\n")[:-1]


def dead_letters(svc):
    return [json.loads(l) for l in read_lines(svc.path("dead.jsonl"))]


@cases.run
def sigterm_during_a_flood_from_50_clients_keeps_every_written_line_exactly():
    """50 clients flood numbered lines; SIGTERM arrives mid-flood; each client goes on
    writing for a moment, then closes. Every line each one wrote is afterwards in the
    sink or (those with "boom", failed by a processor) in the dead letter, exactly once."""
    tport = free_port()
    cfg = {"sources": [{"type": "tcp", "id": "tcp_in", "listen": f"127.0.0.1:{tport}"}],
           "processors": [{"type": "fault", "id": "fault", "pattern": "boom"}, {"type": "tagger", "id": "tagger"}],
           "sinks": [{"type": "file", "id": "out", "path": "out.log"}],
           "dead_letter": {"path": "dead.jsonl"}}
    svc = Service(EXE, cfg)
    try:
        svc.wait_http()
        svc.wait_tcp(tport)
        socks = [socket.create_connection(("127.0.0.1", tport), timeout=30) for _ in range(50)]
        assert wait_until(lambda: svc.stats()["sources"]["tcp_in"]["connections_active"] == 50, 10)
        written = [0] * 50
        signalled = threading.Event()

        def flood(c):
            s, n = socks[c], 0
            stop_at = None
            while stop_at is None or time.time() < stop_at:
                # Whole lines per write; every 97th line fails in the fault stage.
                s.sendall(b"".join(b"%s c=%d n=%d\n" % (b"boom" if (n + i) % 97 == 0 else b"INFO", c, n + i)
                                   for i in range(200)))
                n += 200
                written[c] = n
                if stop_at is None and signalled.is_set():
                    stop_at = time.time() + 0.3 + c * 0.01  # keep writing a little after the signal
                time.sleep(0.02)
            s.close()
        threads = [threading.Thread(target=flood, args=(c,)) for c in range(50)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        svc.p.send_signal(signal.SIGTERM)
        signalled.set()
        for t in threads:
            t.join(30)
        svc.p.wait(30)
        assert svc.p.returncode == 0, f"exit code {svc.p.returncode}; stderr: {svc.stderr()[-600:]}"
        assert svc.sanitizer_report() is None, svc.sanitizer_report()

        pattern = re.compile(rb"^(INFO|boom) c=(\d+) n=(\d+)$")
        seen = [set() for _ in range(50)]
        failed = [set() for _ in range(50)]
        for line in read_lines(svc.path("out.log")):
            m = pattern.match(line)
            assert m and m.group(1) == b"INFO", line[:80]
            key = int(m.group(3))
            assert key not in seen[int(m.group(2))], f"duplicate line {line}"
            seen[int(m.group(2))].add(key)
        for d in dead_letters(svc):
            m = pattern.match(d["line"].encode())
            assert m and m.group(1) == b"boom" and d["stage"] == "fault" and d["error_type"] == "fault", d
            failed[int(m.group(2))].add(int(m.group(3)))
        for c in range(50):
            expect_boom = {n for n in range(written[c]) if n % 97 == 0}
            assert failed[c] == expect_boom, f"client {c}: dead letter differs"
            assert seen[c] == set(range(written[c])) - expect_boom, \
                f"client {c}: wrote {written[c]}, sink has {len(seen[c])}, dead letter {len(failed[c])}"
        print(f"     {sum(written)} lines from 50 clients, SIGTERM after 1 s, all accounted for")
    finally:
        svc.kill()


@cases.run
def failing_sink_dead_letters_its_lines_reports_and_recovers():
    """The sink's path leads to /dev/full: writes fail with ENOSPC. Policy (README "Sinks
    that fail"): the failed lines go to the dead letter with error_type sink_write, /errors
    and /health report it (503), and once the path works again (here: re-pointed at a real
    file) the sink writes there and /health is healthy again."""
    # The path must lead to /dev/full before the service opens it: a directory of our own.
    d = tempfile.mkdtemp(prefix="sl-full-")
    os.symlink("/dev/full", os.path.join(d, "out.log"))
    tport = free_port()
    cfg = {"sources": [{"type": "tcp", "id": "tcp_in", "listen": f"127.0.0.1:{tport}"}],
           "processors": [{"type": "tagger", "id": "tagger"}],
           "sinks": [{"type": "file", "id": "out", "path": os.path.join(d, "out.log"), "flush_interval_ms": 50}],
           "dead_letter": {"path": os.path.join(d, "dead.jsonl")}}
    svc = Service(EXE, cfg)
    try:
        svc.wait_http()
        svc.wait_tcp(tport)

        def send(lines):
            s = socket.create_connection(("127.0.0.1", tport))
            s.sendall(b"".join(l + b"\n" for l in lines))
            s.close()
        first = [b"INFO first %d" % i for i in range(100)]
        send(first)

        def unhealthy():
            code, _, body = http(svc.hport, "/health")
            return json.loads(body) if code == 503 else None
        health = wait_until(unhealthy, 10)
        assert health and health["components"]["out"]["status"] == "unhealthy", health
        assert wait_until(lambda: len(read_lines(os.path.join(d, "dead.jsonl"))) == 100, 10)
        dead = [json.loads(l) for l in read_lines(os.path.join(d, "dead.jsonl"))]
        assert [x["line"].encode() for x in dead] == first
        assert all(x["stage"] == "out" and x["error_type"] == "sink_write" and "No space left" in x["error"]
                   for x in dead), dead[0]
        code, _, body = http(svc.hport, "/errors?stage=out")
        errors = json.loads(body)
        assert code == 200 and errors and errors[0]["error_type"] == "sink_write", errors

        # The operator frees the path: it now leads to a real file.
        tmp = os.path.join(d, "out.log.new")
        os.symlink("real.log", tmp)
        os.replace(tmp, os.path.join(d, "out.log"))
        second = [b"INFO second %d" % i for i in range(50)]
        send(second)
        assert wait_until(lambda: read_lines(os.path.join(d, "real.log")) == second, 10), \
            read_lines(os.path.join(d, "real.log"))
        assert wait_until(lambda: http(svc.hport, "/health")[0] == 200, 10), http(svc.hport, "/health")
        sink = wait_until(lambda: (lambda o: o if o["lines"] == 50 else None)(svc.stats()["sinks"]["out"]), 5)
        assert sink and sink["errors"] == 100, svc.stats()["sinks"]["out"]
        rc = svc.stop()
        assert rc == 0, f"exit code {rc}; stderr: {svc.stderr()[-600:]}"
        assert len(read_lines(os.path.join(d, "dead.jsonl"))) == 100
        events = [json.loads(l).get("event") for l in svc.stderr().splitlines() if l.startswith("{")]
        assert "sink_write_failed" in events, events
    finally:
        svc.kill()


@cases.run
def processor_that_throws_keeps_running_and_dead_letters_its_lines():
    tport = free_port()
    cfg = {"sources": [{"type": "tcp", "id": "tcp_in", "listen": f"127.0.0.1:{tport}"}],
           "processors": [{"type": "fault", "id": "buggy", "pattern": "boom", "throw": True, "message": "bug!"},
                          {"type": "tagger", "id": "tagger"}],
           "sinks": [{"type": "file", "id": "out", "path": "out.log", "flush_interval_ms": 50}],
           "dead_letter": {"path": "dead.jsonl"}}
    svc = Service(EXE, cfg)
    try:
        svc.wait_http()
        svc.wait_tcp(tport)
        for round_ in range(2):  # the stage still works after throwing, round after round
            s = socket.create_connection(("127.0.0.1", tport))
            s.sendall(b"".join(b"%s r=%d n=%d\n" % (b"boom" if n % 10 == 0 else b"INFO", round_, n)
                               for n in range(10000)))
            s.close()
            assert wait_until(lambda: count_lines(svc.path("out.log")) == 9000 * (round_ + 1), 10), \
                count_lines(svc.path("out.log"))
        # /stats is a snapshot per tick: wait for one taken after the last batch was decided
        # (a tick may fall between a batch's arrival and its outcomes: in_flight).
        stage = wait_until(lambda: (lambda st: st if st["lines_in"] == 20000 and st["in_flight"] == 0 else None)(
            svc.stats()["processors"]["buggy"]), 5) or svc.stats()["processors"]["buggy"]
        assert stage["lines_in"] == 20000 and stage["lines_out"] == 18000 and stage["errors"] == 2000, stage
        assert wait_until(lambda: svc.stats()["processors"]["buggy"]["errors_by_type"] == {"exception": 2000}, 5), \
            svc.stats()["processors"]["buggy"]
        assert wait_until(lambda: len(dead_letters(svc)) == 2000, 10), len(dead_letters(svc))
        dead = dead_letters(svc)
        assert all(x["error_type"] == "exception" and x["error"] == "bug!" and x["line"].startswith("boom") for x in dead)
        assert sorted(x["line"] for x in dead) == sorted(f"boom r={r} n={n}" for r in range(2) for n in range(0, 10000, 10))
        rc = svc.stop()
        assert rc == 0, f"exit code {rc}; stderr: {svc.stderr()[-600:]}"
    finally:
        svc.kill()


sys.exit(cases.finish())
