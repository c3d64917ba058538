#!/usr/bin/env python3
"""Network sinks against real receivers: the tcp sink into rsyslog (octet-counted) and
into a second Sightline that is down at first (backpressure, then every line once); the
http sink into Debian's clickhouse-server (counts per severity exact, one row ClickHouse
cannot parse goes to the dead letter and its batch-mates arrive) and into a small
fault-injecting HTTP server for the answers ClickHouse does not give on demand (429, 503,
400). Every case checks the accounting identities of README "Delivery".

clickhouse-server starts once for the file (a few seconds, ~200 MB); rsyslog once.

Usage: delivery_test.py PATH_TO_SIGHTLINE
"""
import http.server as http_server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request

from harness import ClickHouse, Cases, Service, free_port, http, wait_until

EXE = sys.argv[1]
cases = Cases()


def send_tcp(port, lines):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"".join(line.encode() + b"\n" for line in lines))


def sink_accounts(st, sink_id):
    """accepted = delivered + dead-lettered + in flight, for a network sink."""
    s = st["sinks"][sink_id]
    assert s["accepted"] == s["lines"] + s["errors"] + s["in_flight_lines"], s
    return s


def pipeline_accounts(svc, source_id, sink_id):
    """Every line read is delivered, dead-lettered or dropped (once the snapshot caught up)."""
    def balance():
        st = svc.stats()
        read = st["sources"][source_id]["lines"]
        dropped = sum(p["dropped"] for p in st["processors"].values())
        dead = st["sinks"].get("dead_letter", {"lines": 0})["lines"]
        return read, st["sinks"][sink_id]["lines"] + dead + dropped, st
    assert wait_until(lambda: (lambda b: b[0] == b[1])(balance()), 5), balance()


# ---------------------------------------------------------------- tcp sink

@cases.run
def tcp_sink_forwards_octet_counted_into_rsyslog():
    work = tempfile.mkdtemp(prefix="sl-rsyslog-recv-")
    rport, inport = free_port(), free_port()
    out = os.path.join(work, "out.log")
    with open(os.path.join(work, "rsyslog.conf"), "w") as f:
        f.write(f'''global(workDirectory="{work}")
module(load="imptcp")
input(type="imptcp" address="127.0.0.1" port="{rport}" supportOctetCountedFraming="on")
template(name="raw" type="string" string="%rawmsg%\\n")
action(type="omfile" file="{out}" template="raw")
''')
    rsyslog = subprocess.Popen(["rsyslogd", "-n", "-f", os.path.join(work, "rsyslog.conf"), "-i", os.path.join(work, "pid")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    svc = Service(EXE, {
        "sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{inport}"}],
        "processors": [{"type": "tagger", "id": "t"}],
        # Lines that hold newlines of their own only survive octet counting.
        "sinks": [{"type": "tcp", "id": "fwd", "address": f"127.0.0.1:{rport}", "framing": "octet_counted",
                   "retry": {"max_attempts": 0, "backoff_ms": 20, "max_backoff_ms": 200}}],
    })
    try:
        svc.wait_tcp(inport)
        lines = [f"<13>1 2026-12-01T10:00:00Z host app - - - message {i} " + "x" * (i % 50) for i in range(2000)]
        send_tcp(inport, lines)

        def arrived():
            try:
                with open(out) as f:
                    return f.read().splitlines()
            except FileNotFoundError:
                return []
        assert wait_until(lambda: len(arrived()) >= len(lines), 20), (len(arrived()), svc.stderr()[-800:])
        assert arrived() == lines
        # /stats is the snapshot of the last tick.
        assert wait_until(lambda: svc.stats()["sinks"]["fwd"]["lines"] == 2000, 5), svc.stats()["sinks"]
        st = svc.stats()
        s = sink_accounts(st, "fwd")
        assert (s["accepted"], s["lines"], s["errors"], s["in_flight_lines"]) == (2000, 2000, 0, 0), s
        assert s["connected"] is True and s["delivered_messages"] >= 1, s
        pipeline_accounts(svc, "in", "fwd")
    finally:
        assert svc.stop() == 0
        rsyslog.terminate()
        rsyslog.wait(10)
        shutil.rmtree(work, ignore_errors=True)


@cases.run
def tcp_sink_waits_while_the_receiver_is_down_then_delivers_every_line_once():
    fwd_port, agent_in = free_port(), free_port()
    agent = Service(EXE, {
        "sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{agent_in}"}],
        "processors": [{"type": "tagger", "id": "t"}],
        "sinks": [{"type": "tcp", "id": "fwd", "address": f"127.0.0.1:{fwd_port}",
                   "retry": {"backoff_ms": 20, "max_backoff_ms": 100}, "unhealthy_after_ms": 300}],
    })
    receiver = None
    try:
        agent.wait_tcp(agent_in)
        lines = [f"down-then-up {i}" for i in range(3000)]
        send_tcp(agent_in, lines)
        # Nothing listens yet: the lines wait in the sink, retried, and health says so.
        assert wait_until(lambda: agent.stats()["sinks"]["fwd"]["retries"] >= 3, 10), agent.stats()["sinks"]
        assert wait_until(lambda: json.loads(http(agent.hport, "/health")[2])["components"]["fwd"]["status"] == "unhealthy", 5)
        st = agent.stats()
        s = sink_accounts(st, "fwd")
        assert s["connected"] is False and s["lines"] == 0 and s["in_flight_lines"] == 3000, s
        assert "connect to 127.0.0.1:" in s["last_error"], s
        health_status, _, _ = http(agent.hport, "/health")
        assert health_status == 503
        metrics = http(agent.hport, "/metrics")[2].decode()
        assert 'sightline_sink_connected{sink="fwd",type="tcp"} 0' in metrics
        assert 'sightline_sink_in_flight_lines{sink="fwd",type="tcp"} 3000' in metrics
        # The receiver, another Sightline, comes up on that port.
        receiver = Service(EXE, {
            "sources": [{"type": "tcp", "id": "from_agent", "listen": f"127.0.0.1:{fwd_port}"}],
            "processors": [{"type": "tagger", "id": "t"}],
            "sinks": [{"type": "file", "id": "out", "path": "out.log", "flush_interval_ms": 50}],
        })
        receiver.wait_tcp(fwd_port)

        def received():
            try:
                with open(receiver.path("out.log")) as f:
                    return f.read().splitlines()
            except FileNotFoundError:
                return []
        assert wait_until(lambda: len(received()) >= 3000, 20), (len(received()), agent.stats()["sinks"]["fwd"])
        assert received() == lines
        assert wait_until(lambda: agent.stats()["sinks"]["fwd"]["lines"] == 3000, 5), agent.stats()["sinks"]
        st = agent.stats()
        s = sink_accounts(st, "fwd")
        assert (s["lines"], s["errors"], s["in_flight_lines"], s["connected"]) == (3000, 0, 0, True), s
        pipeline_accounts(agent, "in", "fwd")
        assert wait_until(lambda: json.loads(http(agent.hport, "/health")[2])["components"]["fwd"]["status"] == "healthy", 5)
    finally:
        assert agent.stop() == 0
        if receiver:
            assert receiver.stop() == 0


# ---------------------------------------------------------------- http sink: ClickHouse

clickhouse = None


def the_clickhouse():
    global clickhouse
    if clickhouse is None:
        clickhouse = ClickHouse()
    return clickhouse


@cases.run
def http_sink_into_clickhouse_counts_exact_and_a_bad_row_alone_is_dead_lettered():
    ch = the_clickhouse()
    ch.query("CREATE TABLE logs (severity String, app String, n UInt32, message String) ENGINE = MergeTree ORDER BY tuple()")
    inport = free_port()
    svc = Service(EXE, {
        "sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{inport}"}],
        "processors": [{"type": "parse_json", "id": "json"}],
        "sinks": [{"type": "http", "id": "ch", "url": ch.insert_url("logs"), "format": "json", "compression": "gzip",
                   "batch_max_lines": 500, "batch_timeout_ms": 100}],
        "dead_letter": {"path": "dead.jsonl"},
    })
    try:
        svc.wait_tcp(inport)
        severities = ["err", "warning", "info", "info"]
        lines, expected = [], {}
        for i in range(4000):
            if i == 1234:  # n is no number: ClickHouse answers 500, Code: 27
                lines.append(json.dumps({"severity": "err", "app": "bad", "n": "many", "message": "the bad row"}))
                continue
            sev = severities[i % 4]
            expected[sev] = expected.get(sev, 0) + 1
            lines.append(json.dumps({"severity": sev, "app": f"a{i % 7}", "n": i, "message": f"row {i}"}))
        send_tcp(inport, lines)
        assert wait_until(lambda: svc.stats()["sinks"]["ch"]["accepted"] == 4000 and
                          svc.stats()["sinks"]["ch"]["in_flight_lines"] == 0, 30), svc.stats()["sinks"]
        assert ch.query("SELECT count() FROM logs") == "3999"
        got = dict(line.split("\t") for line in ch.query("SELECT severity, count() FROM logs GROUP BY severity").splitlines())
        assert {k: int(v) for k, v in got.items()} == expected, got
        assert ch.query("SELECT count() FROM logs WHERE app = 'bad'") == "0"
        assert ch.query("SELECT sum(n) FROM logs") == str(sum(range(4000)) - 1234)
        assert wait_until(lambda: os.path.exists(svc.path("dead.jsonl")) and open(svc.path("dead.jsonl")).read().strip(), 5)
        dead = [json.loads(line) for line in open(svc.path("dead.jsonl"))]
        assert len(dead) == 1, dead
        assert (dead[0]["stage"], dead[0]["error_type"]) == ("ch", "sink_delivery"), dead[0]
        assert dead[0]["error"].startswith("HTTP 500: Code: 27"), dead[0]
        assert json.loads(dead[0]["line"])["message"] == "the bad row"
        st = svc.stats()
        s = sink_accounts(st, "ch")
        assert (s["lines"], s["errors"]) == (3999, 1), s
        pipeline_accounts(svc, "in", "ch")
    finally:
        assert svc.stop() == 0


# ---------------------------------------------------------------- http sink: answers on demand

class FaultServer(http_server.ThreadingHTTPServer):
    """Answers each POST with the next status of `script` (then 200), recording bodies."""
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FaultHandler)
        self.script, self.bodies, self.lock = [], [], threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/ingest"

    def plan(self, statuses):
        with self.lock:
            self.script = list(statuses)
            self.bodies = []


class FaultHandler(http_server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            status = self.server.script.pop(0) if self.server.script else 200
            self.server.bodies.append((status, self.headers.get("X-Team"), body))
        answer = b"ok" if status < 300 else b"refused: status %d" % status
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@cases.run
def http_sink_retries_429_and_503_and_dead_letters_400_and_exhausted_retries():
    fault = FaultServer()
    inport = free_port()
    svc = Service(EXE, {
        "sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{inport}"}],
        "processors": [{"type": "tagger", "id": "t"}],
        "sinks": [{"type": "http", "id": "web", "url": fault.url, "headers": {"X-Team": "ops"}, "max_in_flight": 1,
                   "batch_max_lines": 10, "batch_timeout_ms": 20,
                   "retry": {"max_attempts": 3, "backoff_ms": 10, "max_backoff_ms": 20}}],
        "dead_letter": {"path": "dead.jsonl"},
    })

    def settled(accepted):
        st = svc.stats()["sinks"]["web"]
        return st["accepted"] == accepted and st["in_flight_lines"] == 0

    def dead():
        try:
            return [json.loads(line) for line in open(svc.path("dead.jsonl"))]
        except FileNotFoundError:
            return []
    try:
        svc.wait_tcp(inport)
        # 429 then 503, then delivered: one body, retried twice, every line once.
        fault.plan([429, 503])
        send_tcp(inport, [f"retried {i}" for i in range(10)])
        assert wait_until(lambda: settled(10), 10), svc.stats()["sinks"]
        assert [s for s, _, _ in fault.bodies] == [429, 503, 200], fault.bodies
        assert fault.bodies[-1][1] == "ops"
        assert fault.bodies[-1][2].decode().splitlines() == [f"retried {i}" for i in range(10)]
        s = sink_accounts(svc.stats(), "web")
        assert (s["lines"], s["errors"], s["retries"]) == (10, 0, 2), s
        # 400: the batch goes to the dead letter at once, with the status and the body's start.
        fault.plan([400])
        send_tcp(inport, [f"refused {i}" for i in range(10)])
        assert wait_until(lambda: settled(20) and len(dead()) == 10, 10), (svc.stats()["sinks"], dead())
        assert {d["error"] for d in dead()} == {"HTTP 400: refused: status 400"}, dead()[0]
        assert [d["line"] for d in dead()] == [f"refused {i}" for i in range(10)]
        # 503 past max_attempts: dead letter, saying it gave up.
        fault.plan([503, 503, 503])
        send_tcp(inport, [f"gave up {i}" for i in range(10)])
        assert wait_until(lambda: settled(30) and len(dead()) == 20, 10), (svc.stats()["sinks"], dead())
        assert dead()[-1]["error"] == "gave up after 3 attempts: HTTP 503: refused: status 503", dead()[-1]
        st = svc.stats()
        s = sink_accounts(st, "web")
        assert (s["lines"], s["errors"], s["retries"], s["delivered_messages"]) == (10, 20, 5, 1), s
        pipeline_accounts(svc, "in", "web")
        errors = json.loads(http(svc.hport, "/errors?limit=10")[2])
        assert any(e["processor"] == "web" and e["error_type"] == "sink_delivery" for e in errors), errors
    finally:
        assert svc.stop() == 0
        fault.shutdown()


try:
    status = cases.finish()
finally:
    if clickhouse:
        clickhouse.stop()
sys.exit(1 if status else 0)
