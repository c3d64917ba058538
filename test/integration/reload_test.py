#!/usr/bin/env python3
"""Hot reload (README "Reload"): POST /reload and SIGHUP re-read the configuration file.

Under a flood on 20 TCP connections a reload changes a route, adds a stage and replaces a
sink: the connections stay open, every line lands in exactly one sink (counted by its id
in the files) and the figures of /stats add up across the old and the new components. A
bad configuration is refused with 400 and every problem's JSON path, /health shows it
until a reload succeeds, and the old pipeline keeps running. A WebSocket client gets the
`pipeline` message. Also: SIGHUP, the token, a changed listener on the same port.

Usage: reload_test.py PATH_TO_SIGHTLINE
"""
import json
import re
import signal
import socket
import sys
import threading
import time

from harness import Cases, Service, WebSocket, count_lines, free_port, http, wait_until

EXE = sys.argv[1]
cases = Cases()

CONNECTIONS = 20
LINES_PER_CONNECTION = 6000
CHUNK = 60  # lines per send; each sender sleeps between chunks so the flood lasts


def reload(svc, headers=None):
    status, _, body = http(svc.hport, "/reload", method="POST", headers=headers, timeout=30)
    return status, json.loads(body) if body else None


def write_config(svc, cfg):
    cfg.setdefault("http", {"enabled": True, "listen": f"127.0.0.1:{svc.hport}", "push_interval_ms": 100})
    with open(svc.cfg, "w") as f:
        json.dump(cfg, f)


def first_config(port):
    return {
        "sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{port}"}],
        "processors": [
            {"type": "tagger", "id": "levels"},
            {"type": "tag_router", "id": "route", "routes": {"error": "errors"}, "default": "all"},
        ],
        "sinks": [
            {"type": "file", "id": "errors", "path": "errors.log"},
            {"type": "file", "id": "all", "path": "all.log"},
        ],
    }


def second_config(port):
    """A route changed (errors go to a new sink), a stage added, a sink replaced (new path),
    the old errors sink removed."""
    return {
        "sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{port}"}],
        "processors": [
            {"type": "tagger", "id": "levels"},
            {"type": "uppercase", "id": "upper"},
            {"type": "tag_router", "id": "route", "routes": {"error": "alerts"}, "default": "all"},
        ],
        "sinks": [
            {"type": "file", "id": "alerts", "path": "alerts.log"},
            {"type": "file", "id": "all", "path": "all2.log"},
        ],
    }


def refs(changes, kind):
    return sorted(f"{r['kind']}:{r['id']}" for r in changes[kind])


def ids_in(path):
    """Line ids ("c-i") found in a sink file, each with its level word."""
    out = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = re.match(r"(ERROR|INFO) C?(\d+)-(\d+)", line.strip().upper())
                assert m, f"garbled line in {path}: {line!r}"
                out.append((m.group(1), f"{m.group(2)}-{m.group(3)}"))
    except FileNotFoundError:
        pass
    return out


def flood(port, c, go_on, sent):
    """One connection: LINES_PER_CONNECTION lines (even ones ERROR, odd ones info), held open
    until go_on is set."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    for start in range(0, LINES_PER_CONNECTION, CHUNK):
        chunk = "".join(f"{'ERROR' if i % 2 == 0 else 'info'} c{c}-{i}\n" for i in range(start, start + CHUNK))
        s.sendall(chunk.encode())
        sent[c] += CHUNK
        time.sleep(0.004)
    go_on.wait(60)
    s.close()


@cases.run
def reload_under_a_flood_keeps_connections_and_every_line_lands_once():
    port = free_port()
    svc = Service(EXE, first_config(port))
    try:
        svc.wait_http()
        svc.wait_tcp(port)
        # The probe connection of wait_tcp is closed: count from here.
        base_closed = wait_until(lambda: svc.stats()["sources"]["in"]["connections_closed"] >= 1 and
                                 svc.stats()["sources"]["in"]["connections_closed"])
        ws = WebSocket(svc.hport)
        assert ws.recv()["type"] == "hello"
        write_config(svc, second_config(port))

        go_on = threading.Event()
        sent = [0] * CONNECTIONS
        senders = [threading.Thread(target=flood, args=(port, c, go_on, sent)) for c in range(CONNECTIONS)]
        for t in senders:
            t.start()
        total = CONNECTIONS * LINES_PER_CONNECTION
        # Reload while lines are flowing: a quarter in, most still to come.
        assert wait_until(lambda: sum(sent) >= total // 4, 60)
        status, answer = reload(svc)
        at_reload = sum(sent)
        assert status == 200, answer
        assert at_reload < total, "the flood was over before the reload: nothing tested"
        ch = answer["changes"]
        assert answer["result"] == "applied", answer
        assert refs(ch, "added") == ["processor:upper", "sink:alerts"], ch
        assert refs(ch, "removed") == ["sink:errors"], ch
        assert refs(ch, "changed") == ["processor:route", "sink:all"], ch
        assert refs(ch, "rewired") == ["processor:levels"], ch
        assert ch["unchanged"] == 1 and ch["restart_required"] == [], ch  # the tcp source

        # The WebSocket client is told, with the new graph.
        def pipeline_frame():
            for _ in range(200):
                m = ws.recv()
                if m["type"] == "pipeline":
                    return m
            return None
        frame = pipeline_frame()
        assert frame, "no pipeline message"
        assert sorted(s["id"] for s in frame["pipeline"]["stages"]) == ["alerts", "all", "in", "levels", "route", "upper"]
        assert refs(frame["changes"], "added") == ["processor:upper", "sink:alerts"]
        ws.close()
        st, _, body = http(svc.hport, "/pipeline")
        assert {"from": "levels", "to": "upper", "route": None} in json.loads(body)["edges"]

        # Every sender is done and still connected: the listener and its connections stayed.
        assert wait_until(lambda: sum(sent) == total, 120)
        src = svc.stats()["sources"]["in"]
        assert src["connections_active"] == CONNECTIONS and src["connections_closed"] == base_closed, src
        go_on.set()
        for t in senders:
            t.join(60)

        files = ["errors.log", "alerts.log", "all.log", "all2.log"]
        assert wait_until(lambda: sum(count_lines(svc.path(f)) for f in files) >= total, 60)
        found = {f: ids_in(svc.path(f)) for f in files}
        every = [i for f in files for _, i in found[f]]
        assert len(every) == total and len(set(every)) == total, (len(every), len(set(every)))
        for f in ("errors.log", "alerts.log"):
            assert all(level == "ERROR" for level, _ in found[f]), f
        for f in ("all.log", "all2.log"):
            assert all(level == "INFO" for level, _ in found[f]), f
        # Both generations did real work.
        assert found["errors.log"] and found["alerts.log"] and found["all.log"] and found["all2.log"]
        assert all(line == line.upper() for line in open(svc.path("alerts.log")))

        # The figures add up: old and new components with one id are one line of /stats,
        # the removed sink stays (retired) with what it wrote.
        def balanced():
            s = svc.stats()
            sinks = s["sinks"]
            return (s["sources"]["in"]["lines"] == total and
                    sum(x["lines"] for x in sinks.values()) == total and
                    s["processors"]["route"]["lines_in"] == total and
                    s["processors"]["route"]["in_flight"] == 0) and s
        s = wait_until(balanced, 30)
        assert s, svc.stats()
        assert s["sinks"]["errors"]["retired"] is True and s["sinks"]["errors"]["lines"] == len(found["errors.log"])
        assert s["sinks"]["all"]["lines"] == len(found["all.log"]) + len(found["all2.log"])
        assert s["processors"]["upper"]["lines_in"] == len(found["alerts.log"]) + len(found["all2.log"])
        assert s["system"]["reloads"]["applied"] == 1 and s["system"]["reloads"]["failed"] == 0
        assert svc.stop() == 0
    finally:
        svc.kill()


@cases.run
def a_bad_configuration_is_refused_with_every_problem_and_the_old_pipeline_runs_on():
    port = free_port()
    svc = Service(EXE, first_config(port))
    try:
        svc.wait_http()
        svc.wait_tcp(port)
        bad = first_config(port)
        bad["processors"][0]["type"] = "no_such_processor"
        bad["processors"][1]["routes"] = {"error": "nowhere"}
        bad["sinks"][1]["buffer"] = {"type": "disk", "max_bytes": -5}
        write_config(svc, bad)
        status, answer = reload(svc)
        assert status == 400 and answer["result"] == "invalid", (status, answer)
        paths = sorted(p["path"] for p in answer["problems"])
        assert "processors[0].type" in paths, paths
        assert any(p.startswith("processors[1].routes") for p in paths), paths
        assert any(p.startswith("sinks[1].buffer") for p in paths), paths
        assert all(p["message"] for p in answer["problems"])
        # Logged, counted, and in /health until a reload succeeds.
        assert "reload_failed" in svc.stderr()
        def config_health():
            st, _, body = http(svc.hport, "/health")
            return json.loads(body)["components"].get("config")
        c = wait_until(lambda: config_health() and config_health()["status"] == "degraded" and config_health())
        assert c and "last reload refused (" in c["reason"], c
        st, _, text = http(svc.hport, "/metrics")
        text = text.decode()
        assert 'sightline_reloads_total{result="failed"} 1' in text
        assert "sightline_config_last_reload_successful 0" in text
        # The old pipeline runs on.
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"".join(b"ERROR still %d\n" % i for i in range(100)))
        assert wait_until(lambda: count_lines(svc.path("errors.log")) == 100)
        # Fixed: applied, nothing changed, health clean again.
        write_config(svc, first_config(port))
        status, answer = reload(svc)
        assert status == 200 and answer["changes"]["unchanged"] == 5, answer
        assert wait_until(lambda: config_health() is None)
        st, _, text = http(svc.hport, "/metrics")
        assert "sightline_config_last_reload_successful 1" in text.decode()
        assert "sightline_config_last_reload_timestamp_seconds " in text.decode()
        assert svc.stop() == 0
    finally:
        svc.kill()


@cases.run
def sighup_reloads_and_a_changed_listener_moves_to_its_successor():
    port = free_port()
    svc = Service(EXE, first_config(port))
    try:
        svc.wait_http()
        svc.wait_tcp(port)
        cfg = first_config(port)
        cfg["processors"].insert(1, {"type": "filter", "id": "no_debug", "pattern": "debug", "invert": True})
        write_config(svc, cfg)
        svc.p.send_signal(signal.SIGHUP)
        def has_stage(name):
            st, _, body = http(svc.hport, "/pipeline")
            return any(s["id"] == name for s in json.loads(body)["stages"])
        assert wait_until(lambda: has_stage("no_debug"), 15), svc.stderr()[-1000:]
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"info keep 1\ninfo debug drop\ninfo keep 2\n")
        assert wait_until(lambda: count_lines(svc.path("all.log")) == 2)
        # The same port with other settings: the old listener closes, the new one takes it.
        cfg["sources"][0]["max_line_bytes"] = 4096
        write_config(svc, cfg)
        status, answer = reload(svc)
        assert status == 200, answer
        assert refs(answer["changes"], "changed") == ["source:in"], answer
        svc.wait_tcp(port)
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"info keep 3\n")
        assert wait_until(lambda: count_lines(svc.path("all.log")) == 3)
        s = svc.stats()
        assert s["sources"]["in"]["lines"] == 4 and "retired" not in s["sources"]["in"], s["sources"]
        assert s["system"]["reloads"]["applied"] == 2
        assert svc.stop() == 0
    finally:
        svc.kill()


@cases.run
def replacing_the_only_sink_again_and_again_never_ends_the_service():
    """Each reload gives the one sink a new path: the old sink ends while the new one
    starts, and that must never look like the end of the pipeline (it once did)."""
    port = free_port()

    def cfg(n):
        return {"sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{port}"}],
                "processors": [{"type": "tagger", "id": "t"}],
                "sinks": [{"type": "file", "id": "out", "path": f"out-{n}.log", "flush_interval_ms": 10}]}
    svc = Service(EXE, cfg(0))
    try:
        svc.wait_http()
        svc.wait_tcp(port)
        s = socket.create_connection(("127.0.0.1", port))
        for n in range(1, 16):
            s.sendall(b"".join(b"info %d-%d\n" % (n, i) for i in range(50)))
            write_config(svc, cfg(n))
            status, answer = reload(svc)
            assert status == 200 and refs(answer["changes"], "changed") == ["sink:out"], (n, status, answer)
        s.sendall(b"info last\n")
        s.close()
        total = 15 * 50 + 1
        assert wait_until(lambda: sum(count_lines(svc.path(f"out-{n}.log")) for n in range(16)) == total, 30)
        assert svc.p.poll() is None, "the service ended"
        assert count_lines(svc.path("out-15.log")) >= 1
        assert wait_until(lambda: svc.stats()["sinks"]["out"]["lines"] == total, 10)
        assert svc.stop() == 0
    finally:
        svc.kill()


@cases.run
def a_rebuilt_sink_keeps_its_disk_buffer_and_the_buffer_feeds_the_new_sink():
    port = free_port()

    def cfg(path, extra=None):
        buffer = {"type": "disk", "path": "buf", "max_bytes": 8 << 20, "sync": "batch", **(extra or {})}
        return {"sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{port}"}],
                "processors": [{"type": "tagger", "id": "t"}],
                "sinks": [{"type": "file", "id": "out", "path": path, "flush_interval_ms": 10, "buffer": buffer}]}
    svc = Service(EXE, cfg("one.log"))
    try:
        svc.wait_http()
        svc.wait_tcp(port)
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"".join(b"info a%d\n" % i for i in range(500)))
        assert wait_until(lambda: count_lines(svc.path("one.log")) == 500)
        write_config(svc, cfg("two.log"))
        status, answer = reload(svc)
        assert status == 200 and refs(answer["changes"], "changed") == ["sink:out"], answer
        assert answer["changes"]["restart_required"] == [], answer
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"".join(b"info b%d\n" % i for i in range(300)))
        assert wait_until(lambda: count_lines(svc.path("two.log")) == 300)
        assert count_lines(svc.path("one.log")) == 500
        # One buffer all along: it accepted all 800, and is empty once both were written.
        def drained():
            b = svc.stats()["sinks"]["out"]["buffer"]
            return b["accepted"] == 800 and b["lines"] == 0 and b
        assert wait_until(drained, 10), svc.stats()["sinks"]["out"]
        # Other settings of the same folder wait for a restart.
        write_config(svc, cfg("two.log", {"max_bytes": 16 << 20}))
        status, answer = reload(svc)
        assert status == 200 and answer["changes"]["restart_required"] == ["sinks[0].buffer"], answer
        assert svc.stop() == 0
    finally:
        svc.kill()


@cases.run
def reload_is_a_post_under_the_token():
    cfg = first_config(free_port())
    hport = free_port()
    cfg["http"] = {"enabled": True, "listen": f"127.0.0.1:{hport}", "token": "s3cret"}
    svc = Service(EXE, cfg, http_port=hport)
    try:
        auth = {"Authorization": "Bearer s3cret"}
        assert wait_until(lambda: http(hport, "/stats", headers=auth, timeout=1)[0] == 200, 15)
        assert http(hport, "/reload", method="POST")[0] == 401
        assert http(hport, "/reload", method="GET", headers=auth)[0] == 405
        status, _, _ = http(hport, "/reload", method="POST", headers={**auth, "Origin": "http://evil.example"})
        assert status == 403
        status, answer = reload(svc, headers=auth)
        assert status == 200 and answer["result"] == "applied", answer
        assert svc.stop() == 0
    finally:
        svc.kill()


sys.exit(cases.finish())
