#!/usr/bin/env python3
"""The HTTP API and WebSocket push from outside (DESIGN.md §2): /stats, /metrics,
/health, /pipeline, /trace, /errors, /alerts, static files, errors and limits, and
/ws pushing a hello and then stats frames that agree with /stats.

Usage: http_api_test.py PATH_TO_SIGHTLINE
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from harness import Cases, Service, WebSocket, count_lines, free_port, http, wait_until

EXE = sys.argv[1]
cases = Cases()


def config(tport, dead=None, extra_procs=()):
    cfg = {
        "sources": [{"type": "tcp", "id": "tcp_in", "listen": f"127.0.0.1:{tport}"}],
        "processors": [*extra_procs, {"type": "tagger", "id": "tagger"},
                       {"type": "tag_router", "id": "router", "routes": {"error": "errors"}, "default": "rest"}],
        "sinks": [{"type": "file", "id": "errors", "path": "errors.log"},
                  {"type": "file", "id": "rest", "path": "rest.log"}],
    }
    if dead:
        cfg["dead_letter"] = {"path": dead}
    return cfg


def send(tport, lines):
    s = socket.create_connection(("127.0.0.1", tport))
    s.sendall(("\n".join(lines) + "\n").encode())
    s.close()


def started(extra_procs=(), **kw):
    tport = free_port()
    svc = Service(EXE, config(tport, extra_procs=extra_procs), **kw)
    svc.wait_http()
    return svc, tport


@cases.run
def stats_metrics_and_websocket_agree_on_counts():
    svc, tport = started()
    try:
        ws = WebSocket(svc.hport)
        assert b" 101 " in ws.status_line, ws.status_line
        hello = ws.recv()
        assert hello["type"] == "hello", hello
        assert {s["id"] for s in hello["pipeline"]["stages"]} >= {"tcp_in", "tagger", "router", "errors", "rest"}
        send(tport, [f"{'ERROR' if i % 5 == 0 else 'INFO'} n={i}" for i in range(5000)])
        assert wait_until(lambda: svc.stats()["processors"]["router"]["lines_in"] == 5000, 10)
        st = svc.stats()
        seq = None
        for _ in range(200):  # frames arrive every 100 ms; bounded
            msg = ws.recv()
            if msg["type"] == "stats" and msg["stats"]["processors"]["router"]["lines_in"] == 5000:
                seq = msg["seq"]
                frame = msg
                break
        assert seq is not None, "no stats frame with the final counts"
        assert frame["stats"]["processors"]["tagger"]["lines_out"] == st["processors"]["tagger"]["lines_out"] == 5000
        assert frame["health"]["status"] in ("healthy", "degraded")
        code, headers, body = http(svc.hport, "/metrics")
        assert code == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers
        text = body.decode()
        assert re.search(r'^sightline_stage_lines_in_total\{stage="router",type="tag_router"\} 5000$', text, re.M), text[:500]
        assert re.search(r'^sightline_sink_lines_total\{sink="errors",type="file"\} 1000$', text, re.M) or \
            st["sinks"]["errors"]["lines"] < 1000  # the sink may not have flushed yet
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True)
            assert r.returncode == 0, r.stdout + r.stderr
        ws.close()
        rc = svc.stop()
        assert rc == 0, f"exit code {rc}; stderr: {svc.stderr()[-600:]}"
    finally:
        svc.kill()


@cases.run
def rates_utilization_and_bottleneck_are_reported():
    svc, tport = started()
    try:
        send(tport, ["INFO x"] * 20000)
        assert wait_until(lambda: svc.stats()["processors"]["router"]["lines_in"] == 20000, 10)
        st = svc.stats()
        for sid in ("tagger", "router"):
            p = st["processors"][sid]
            for k in ("lines_per_second", "lines_per_second_1m", "utilization", "utilization_1m", "queue_fill",
                      "queue_fill_1m", "latency_us"):
                assert k in p, (sid, k)
            assert 0 <= p["utilization"] <= 1 and 0 <= p["queue_fill"] <= 1
            assert 0 <= p["utilization_1m"] <= 1 and 0 <= p["queue_fill_1m"] <= 1
        # The last tick may already be idle (no bottleneck then); the last minute is not.
        assert st["system"]["bottleneck_stage"] in ("tagger", "router", None), st["system"]
        assert st["system"]["bottleneck_stage_1m"] in ("tagger", "router"), st["system"]
        assert max(st["processors"][sid]["utilization_1m"] for sid in ("tagger", "router")) > 0
        assert st["system"]["rss_bytes"] > 0 and st["system"]["websocket_clients"] == 0
    finally:
        svc.kill()


@cases.run
def health_and_components():
    svc, _ = started()
    try:
        code, _, body = http(svc.hport, "/health")
        h = json.loads(body)
        assert code == 200 and h["status"] == "healthy", (code, h)
        assert set(h["components"]) == {"tcp_in", "tagger", "router", "errors", "rest", "alerts"}, h
        code, _, body = http(svc.hport, "/health/router")
        assert code == 200 and json.loads(body)["status"] == "healthy"
        code, _, body = http(svc.hport, "/health/nope")
        assert code == 404 and "nope" in json.loads(body)["error"]
    finally:
        svc.kill()


@cases.run
def unhealthy_when_a_sink_cannot_write():
    tport = free_port()
    cfg = config(tport)
    cfg["sinks"][1]["path"] = "/dev/full"
    cfg["sinks"][1]["flush_interval_ms"] = 50
    svc = Service(EXE, cfg)
    try:
        svc.wait_http()
        send(tport, ["INFO to a full disk"] * 10)

        def unhealthy():
            code, _, body = http(svc.hport, "/health")
            return (code, json.loads(body)) if code == 503 else None
        got = wait_until(unhealthy, 10)
        assert got, http(svc.hport, "/health")
        assert got[1]["components"]["rest"]["status"] == "unhealthy", got
        assert svc.stats()["sinks"]["rest"]["errors"] == 10
    finally:
        svc.kill()


@cases.run
def pipeline_lists_stages_params_and_edges():
    svc, _ = started()
    try:
        code, _, body = http(svc.hport, "/pipeline")
        pl = json.loads(body)
        router = next(s for s in pl["stages"] if s["id"] == "router")
        assert router["type"] == "tag_router" and router["description"], router
        assert router["params"]["routes"] == {"error": "errors"}
        edges = {(e["from"], e["to"], e["route"]) for e in pl["edges"]}
        assert edges == {("tcp_in", "tagger", None), ("tagger", "router", None),
                         ("router", "errors", "error"), ("router", "rest", "default")}, edges
    finally:
        svc.kill()


@cases.run
def errors_methods_limits_and_unknown_paths():
    svc, _ = started()
    try:
        for path, want in [("/trace", 200), ("/errors", 200), ("/trace?limit=5", 200), ("/alerts", 200),
                           ("/trace?limit=0", 400), ("/errors?limit=abc", 400), ("/trace?limit=10001", 400),
                           ("/trace/123", 404), ("/nope", 404), ("/stats/x", 404)]:
            code, headers, body = http(svc.hport, path)
            assert code == want, (path, code, body)
            assert headers["Content-Type"] == "application/json", (path, headers)
            if want != 200:
                assert isinstance(json.loads(body)["error"], str), body
        assert json.loads(http(svc.hport, "/trace")[2]) == []
        assert json.loads(http(svc.hport, "/alerts")[2]) == {"active": [], "history": []}
        code, headers, body = http(svc.hport, "/stats", method="POST")
        assert code == 405 and headers["Allow"] == "GET, HEAD", (code, headers)
        code, headers, body = http(svc.hport, "/stats", method="HEAD")
        assert code == 200 and body == b"" and int(headers["Content-Length"]) > 0
        # Malformed request line and oversized headers: a JSON error, and the server goes on.
        for raw, status in [(b"NOT HTTP AT ALL\r\n\r\n", b"400"),
                            (b"GET /stats HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n", b"413")]:
            s = socket.create_connection(("127.0.0.1", svc.hport))
            s.sendall(raw)
            s.settimeout(5)
            reply = s.recv(4096)
            s.close()
            assert reply.split(b" ")[1] == status, reply[:100]
            assert b'{"error":' in reply, reply
        assert http(svc.hport, "/health")[0] == 200
    finally:
        svc.kill()


@cases.run
def keep_alive_serves_several_requests_on_one_connection():
    svc, _ = started()
    try:
        s = socket.create_connection(("127.0.0.1", svc.hport))
        s.settimeout(5)
        for _ in range(3):
            s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            reply = b""
            while b"\r\n\r\n" not in reply:
                reply += s.recv(4096)
            head, rest = reply.split(b"\r\n\r\n", 1)
            length = int(re.search(rb"Content-Length: (\d+)", head, re.I).group(1))
            while len(rest) < length:
                rest += s.recv(4096)
            assert head.startswith(b"HTTP/1.1 200"), head
        s.close()
    finally:
        svc.kill()


@cases.run
def static_files_with_csp_etag_and_no_way_out():
    svc, _ = started()
    try:
        code, headers, body = http(svc.hport, "/")
        assert code == 200 and headers["Content-Type"].startswith("text/html"), headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
        etag = headers["ETag"]
        code, _, _ = http(svc.hport, "/", headers={"If-None-Match": etag})
        assert code == 304
        for path in ["/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%2Fetc%2Fpasswd", "//etc/passwd",
                     "/..%5cetc%5cpasswd", "/index.html%00.js"]:
            s = socket.create_connection(("127.0.0.1", svc.hport))
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            s.settimeout(5)
            reply = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
            assert reply.split(b" ")[1] in (b"404", b"400"), (path, reply[:80])
            assert b"root:" not in reply
    finally:
        svc.kill()


@cases.run
def bearer_token_protects_the_api():
    tport, hport = free_port(), free_port()
    cfg = config(tport)
    cfg["http"] = {"enabled": True, "listen": f"127.0.0.1:{hport}", "token": "s3cret", "push_interval_ms": 100}
    svc = Service(EXE, cfg, http_port=hport)
    try:
        assert wait_until(lambda: http(hport, "/stats", headers={"Authorization": "Bearer s3cret"})[0] == 200, 10)
        code, headers, _ = http(hport, "/stats")
        assert code == 401 and headers["WWW-Authenticate"] == "Bearer"
        assert http(hport, "/stats", headers={"Authorization": "Bearer wrong"})[0] == 401
    finally:
        svc.kill()


@cases.run
def slow_websocket_client_does_not_hold_back_others():
    svc, tport = started()
    try:
        lazy = WebSocket(svc.hport)  # never reads
        lazy.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        busy = WebSocket(svc.hport)
        assert busy.recv()["type"] == "hello"
        seen = 0
        t0 = time.time()
        while seen < 10 and time.time() - t0 < 10:
            if busy.recv()["type"] == "stats":
                seen += 1
        assert seen == 10, seen
        assert svc.stats()["system"]["websocket_clients"] == 2
        lazy.close()
        busy.close()
        assert wait_until(lambda: svc.stats()["system"]["websocket_clients"] == 0, 10)
    finally:
        svc.kill()


@cases.run
def dashboard_flag_keeps_serving_after_batch_input():
    d = tempfile.mkdtemp(prefix="sl-dash-")
    with open(os.path.join(d, "in.log"), "w") as f:
        f.write("ERROR a\nINFO b\n")
    hport = free_port()
    p = subprocess.Popen([EXE, "--file", os.path.join(d, "in.log"), "--output", os.path.join(d, "out.log"),
                          "--dashboard", "--dashboard-port", str(hport), "--log-format", "json"],
                         stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: json.loads(http(hport, "/stats")[2])["system"]["total_lines"] == 2, 10)
        time.sleep(0.3)
        assert p.poll() is None, "exited although --dashboard was given"
        assert count_lines(os.path.join(d, "out.log")) == 2
        p.terminate()
        assert p.wait(10) == 0
    finally:
        if p.poll() is None:
            p.kill()


@cases.run
def live_ready_and_prometheus_process_metrics():
    svc, _ = started()
    try:
        assert http(svc.hport, "/live")[0] == 200
        code, _, body = http(svc.hport, "/ready")
        assert code == 200 and json.loads(body)["status"] == "ready"
        text = http(svc.hport, "/metrics")[2].decode()
        for name in ("process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds",
                     "process_start_time_seconds", "sightline_build_info", "sightline_websocket_clients",
                     "sightline_stage_processing_seconds_bucket", "sightline_stage_errors_total"):
            assert re.search(rf"^{name}[{{ ]", text, re.M), name
        st = svc.stats()
        assert st["sinks"]["rest"]["disk_free_bytes"] > 0 and "cpu_percent" in st["system"]
    finally:
        svc.kill()


@cases.run
def host_names_other_than_addresses_localhost_and_allowed_hosts_get_403():
    """DNS rebinding: a page on a name that resolves to 127.0.0.1 sends its own name as
    Host. Only IP literals, localhost names and http.allowed_hosts are served, for the API,
    the dashboard and the WebSocket alike; the others get 403 and see nothing."""
    tport, hport = free_port(), free_port()
    cfg = config(tport)
    cfg["http"] = {"enabled": True, "listen": f"127.0.0.1:{hport}", "push_interval_ms": 100,
                   "allowed_hosts": ["logs.example.com", ".corp.example"]}
    svc = Service(EXE, cfg, http_port=hport)
    try:
        assert wait_until(lambda: http(hport, "/live")[0] == 200, 10)

        def status(path, host, upgrade=False):
            s = socket.create_connection(("127.0.0.1", hport), timeout=5)
            extra = ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n") if upgrade else "Connection: close\r\n"
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode())
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            s.close()
            return int(data.split(b" ")[1]), data

        served = [f"127.0.0.1:{hport}", "127.0.0.1", f"[::1]:{hport}", f"localhost:{hport}", "LOCALHOST.",
                  "app.localhost", "logs.example.com", f"Logs.Example.Com:{hport}", "corp.example", "a.b.corp.example"]
        refused = ["evil.example", f"evil.example:{hport}", "localhost.evil.example", "example.com",
                   "xcorp.example", "logs.example.com.evil", "[::1"]
        for path in ("/stats", "/trace", "/", "/index.html"):
            for host in served:
                code, data = status(path, host)
                assert code == 200, (path, host, data[:200])
            for host in refused:
                code, data = status(path, host)
                assert code == 403, (path, host, data[:200])
                assert b"not allowed" in data and b"processors" not in data, data
        assert status("/ws", "evil.example", upgrade=True)[0] == 403
        assert status("/ws", f"127.0.0.1:{hport}", upgrade=True)[0] == 101
        assert status("/ws", "logs.example.com", upgrade=True)[0] == 101
    finally:
        svc.kill()


@cases.run
def websocket_origin_and_token_rules():
    tport, hport = free_port(), free_port()
    cfg = config(tport)
    cfg["http"] = {"enabled": True, "listen": f"127.0.0.1:{hport}", "token": "t0k",
                   "allowed_origins": ["http://dash.example"], "push_interval_ms": 100}
    svc = Service(EXE, cfg, http_port=hport)
    try:
        assert wait_until(lambda: http(hport, "/live")[0] == 200, 10)
        assert http(hport, "/live")[0] == 200  # probes need no token

        def upgrade(path, origin=None):
            s = socket.create_connection(("127.0.0.1", hport), timeout=5)
            extra = f"Origin: {origin}\r\n" if origin else ""
            s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{hport}\r\nUpgrade: websocket\r\n"
                       f"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       f"Sec-WebSocket-Version: 13\r\n{extra}\r\n").encode())
            status = s.recv(4096).split(b" ")[1]
            s.close()
            return status
        assert upgrade("/ws") == b"401"
        assert upgrade("/ws?token=t0k") == b"101"
        assert upgrade("/ws?token=t0k", f"http://127.0.0.1:{hport}") == b"101"
        assert upgrade("/ws?token=t0k", "http://dash.example") == b"101"
        assert upgrade("/ws?token=t0k", "http://evil.example") == b"403"
    finally:
        svc.kill()


@cases.run
def health_message_is_pushed_when_status_changes():
    tport = free_port()
    svc = Service(EXE, config(tport, extra_procs=[{"type": "fault", "id": "boom", "pattern": "BOOM"}]))
    try:
        svc.wait_http()
        ws = WebSocket(svc.hport)
        assert ws.recv()["type"] == "hello"
        send(tport, ["INFO BOOM"])
        t0 = time.time()
        got = None
        while time.time() - t0 < 10:
            msg = ws.recv()
            if msg["type"] == "health" and msg["health"]["components"]["boom"]["status"] == "degraded":
                got = msg
                break
        assert got and got["health"]["status"] == "degraded", got
        ws.close()
    finally:
        svc.kill()


@cases.run
def hundred_websocket_clients_get_every_tick_while_lines_flow():
    svc, tport = started()
    try:
        clients = [WebSocket(svc.hport) for _ in range(100)]
        for c in clients:
            assert c.recv()["type"] == "hello"
        s = socket.create_connection(("127.0.0.1", tport))
        chunk = b"".join(b"INFO flowing line %d\n" % i for i in range(10000))
        for _ in range(100):  # 1 000 000 lines
            s.sendall(chunk)
        s.close()
        assert wait_until(lambda: svc.stats()["processors"]["router"]["lines_in"] == 1_000_000, 60, 0.1)
        # Each client sees consecutive stats sequence numbers: no tick skipped.
        for c in clients[:100]:
            seqs = []
            while len(seqs) < 5:
                m = c.recv()
                if m["type"] == "stats":
                    seqs.append(m["seq"])
            assert seqs == list(range(seqs[0], seqs[0] + 5)), seqs
        for c in clients:
            c.close()
    finally:
        svc.kill()


@cases.run
def client_that_never_reads_is_closed_and_others_keep_receiving():
    tport, hport = free_port(), free_port()
    cfg = config(tport)
    cfg["http"] = {"enabled": True, "listen": f"127.0.0.1:{hport}", "push_interval_ms": 100, "ws_max_behind_ms": 500}
    svc = Service(EXE, cfg, http_port=hport)
    try:
        svc.wait_http()
        lazy = WebSocket(hport)
        lazy.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        busy = WebSocket(hport)
        # Big frames fill the lazy client's buffers fast: many stages make stats frames large.
        assert wait_until(lambda: svc.stats()["system"]["websocket_clients"] == 1, 30, 0.2), svc.stats()["system"]
        seen = 0
        while seen < 3:
            if busy.recv()["type"] == "stats":
                seen += 1
        busy.close()
        lazy.close()
    finally:
        svc.kill()


@cases.run
def malformed_requests_get_4xx_and_the_server_stays_up():
    svc, _ = started()
    try:
        cases_ = [(b"\x00\x01\x02garbage\r\n\r\n", (b"400",)),
                  (b"GET /stats\r\n\r\n", (b"400",)),
                  (b"GET /stats HTTP/1.1\r\nHost: x\r\nX-Big: " + b"h" * (1 << 20) + b"\r\n\r\n", (b"413", b"400")),
                  (b"GET /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" + b"b" * 200000, (b"413",))]
        for raw, statuses in cases_:
            s = socket.create_connection(("127.0.0.1", svc.hport), timeout=5)
            try:
                s.sendall(raw)
            except OSError:
                pass  # the server may close before it has read everything
            reply = b""
            try:
                reply = s.recv(4096)
            except OSError:
                pass
            s.close()
            assert reply and reply.split(b" ")[1] in statuses, (raw[:30], reply[:60])
        assert http(svc.hport, "/health")[0] == 200
    finally:
        svc.kill()


sys.exit(cases.finish())
