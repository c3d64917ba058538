#!/usr/bin/env python3
"""Alerts from outside: a fault stage driven over an error-rate threshold fires an
alert that reaches a real Prometheus Alertmanager (Debian's prometheus-alertmanager)
and resolves there; a webhook that is down, then slow, then up gets the alert without
blocking the pipeline, and the retries are counted; invalid rules fail validation.

Usage: alerts_test.py PATH_TO_SIGHTLINE [PATH_TO_ALERTMANAGER]
"""
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from harness import Alertmanager, Cases, Service, WebSocket, count_lines, free_port, http, wait_until

EXE = sys.argv[1]
ALERTMANAGER = sys.argv[2] if len(sys.argv) > 2 else shutil.which("prometheus-alertmanager")
cases = Cases()


def get_json(port, path):
    code, _, body = http(port, path)
    assert code in (200, 503), (path, code, body)
    return json.loads(body)


class Sender:
    """Keeps lines flowing into a TCP source until stopped: error rates are per tick,
    so an alert only stays up while traffic shows the failures. Counts what it sent."""

    def __init__(self, port, lines):
        self.port, self.lines, self.sent = port, lines, 0
        self.stop_flag = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            for _ in range(3000):  # at most 60 s
                if self.stop_flag.is_set():
                    break
                s.sendall(("\n".join(self.lines) + "\n").encode())
                self.sent += len(self.lines)
                time.sleep(0.02)

    def stop(self):
        self.stop_flag.set()
        self.t.join(10)
        return self.sent


def faulty_pipeline(tport, alerts):
    return {
        "sources": [{"type": "tcp", "id": "tcp_in", "listen": f"127.0.0.1:{tport}"}],
        "processors": [{"type": "fault", "id": "enrich", "pattern": "FAIL", "message": "enrichment failed"}],
        "sinks": [{"type": "file", "id": "out", "path": "out.log"}],
        "dead_letter": {"path": "dead.jsonl"},
        "alerts": alerts,
    }


@cases.run
def a_failing_stage_fires_an_alert_in_alertmanager_and_resolves_it():
    assert ALERTMANAGER, "prometheus-alertmanager is not installed (scripts/test.sh installs it)"
    am = Alertmanager(ALERTMANAGER)
    tport = free_port()
    svc = Service(EXE, faulty_pipeline(tport, {
        "rules": [{"name": "HighErrorRate", "expr": "error_rate", "stage": "*", "above": 0.05, "for_ms": 300,
                   "severity": "critical", "summary": "{stage} fails {value:.1%} of lines"}],
        "alertmanager": {"url": f"http://127.0.0.1:{am.port}"},
        "delivery": {"timeout_ms": 2000, "backoff_ms": 100}}))
    sender = None
    try:
        svc.wait_http()
        ws = WebSocket(svc.hport)
        assert ws.recv()["type"] == "hello"
        sender = Sender(tport, ["ok line", "FAIL one", "ok two", "ok three"])  # 25 % fail
        firing = wait_until(lambda: [a for a in get_json(svc.hport, "/alerts")["active"] if a["state"] == "firing"], 15)
        assert firing, get_json(svc.hport, "/alerts")
        a = firing[0]
        assert a["labels"] == {"alertname": "HighErrorRate", "severity": "critical", "stage": "enrich"}, a
        # The value is the last tick's share; a tick may cut the sender's 4-line cycle.
        assert abs(a["value"] - 0.25) <= 0.1 and a["threshold"] == 0.05, a
        assert a["annotations"]["summary"] == f"enrich fails {a['value']:.1%} of lines", a
        assert a["starts_at"] and a["ends_at"] is None, a

        # Pushed over the WebSocket as it happened: pending first, then firing.
        seen = []
        for _ in range(400):
            m = ws.recv()
            if m["type"] == "alert":
                seen += [x["state"] for x in m["alerts"]]
                if "firing" in seen:
                    break
        assert seen[:2] == ["pending", "firing"], seen

        health = get_json(svc.hport, "/health")
        assert health["status"] == "degraded", health
        assert health["components"]["alerts"]["reason"] == "critical alert firing: HighErrorRate{stage=enrich}", health
        _, _, metrics = http(svc.hport, "/metrics")
        assert b'sightline_alerts_firing{alertname="HighErrorRate",severity="critical"} 1\n' in metrics, metrics[-2000:]

        # Alertmanager has it, active, with our labels and summary.
        in_am = wait_until(lambda: am.alerts("HighErrorRate"), 10)
        assert in_am, get_json(am.port, "/api/v2/alerts")
        assert in_am[0]["labels"]["stage"] == "enrich", in_am
        assert in_am[0]["status"]["state"] == "active", in_am
        assert in_am[0]["annotations"]["summary"].startswith("enrich fails "), in_am
        assert in_am[0]["generatorURL"] == f"http://127.0.0.1:{svc.hport}/alerts", in_am

        # Traffic stops: the error rate of the next tick is 0, the alert resolves, and
        # Alertmanager drops it from its active list once endsAt has passed.
        sent = sender.stop()
        sender = None
        resolved = wait_until(lambda: [h for h in get_json(svc.hport, "/alerts")["history"] if h["state"] == "resolved"], 10)
        assert resolved and resolved[0]["ends_at"], get_json(svc.hport, "/alerts")
        assert get_json(svc.hport, "/alerts")["active"] == []
        assert wait_until(lambda: am.alerts("HighErrorRate") == [], 10), am.alerts("HighErrorRate")
        delivered = lambda: svc.stats()["alerts"]["delivery"]["receivers"][0]  # noqa: E731
        assert wait_until(lambda: delivered()["sent"] >= 2, 5), delivered()
        assert delivered()["receiver"] == "alertmanager" and delivered()["dropped"] == 0, delivered()
        # No line was lost on the way.
        assert wait_until(lambda: count_lines(svc.path("out.log")) + count_lines(svc.path("dead.jsonl")) == sent, 10)
        assert count_lines(svc.path("dead.jsonl")) == sent // 4
        ws.close()
    finally:
        if sender:
            sender.stop()
        svc.stop()
        am.stop()


class Webhook:
    """A webhook receiver whose behaviour the test switches: down (not listening),
    slow (answers after the sender's timeout) or up."""

    def __init__(self, port):
        self.port, self.mode, self.bodies, self.requests, self.server = port, "slow", [], 0, None

    def start(self, mode):
        self.mode = mode
        if self.server:
            return
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.requests += 1
                if hook.mode == "slow":
                    time.sleep(1.5)  # the sender's timeout is 300 ms
                else:
                    hook.bodies.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@cases.run
def a_webhook_down_then_slow_then_up_gets_the_alert_without_blocking_the_pipeline():
    tport, wport = free_port(), free_port()
    hook = Webhook(wport)
    svc = Service(EXE, faulty_pipeline(tport, {
        "rules": [{"name": "AlwaysOn", "expr": "rss_bytes", "above": 0, "severity": "info",
                   "summary": "rss is {value} bytes"}],
        "webhooks": [{"url": f"http://127.0.0.1:{wport}/hook"}],
        "delivery": {"timeout_ms": 300, "backoff_ms": 100, "max_backoff_ms": 200, "max_attempts": 1000}}))
    try:
        svc.wait_http()
        receiver = lambda: svc.stats()["alerts"]["delivery"]["receivers"][0]  # noqa: E731
        # Down: attempts fail and are retried...
        assert wait_until(lambda: receiver()["failed_attempts"] >= 3, 10), receiver()
        # ...while the pipeline goes on: 2000 lines arrive and /health answers at once.
        with socket.create_connection(("127.0.0.1", tport)) as s:
            s.sendall(b"".join(b"line %d\n" % i for i in range(2000)))
        assert wait_until(lambda: count_lines(svc.path("out.log")) == 2000, 10), count_lines(svc.path("out.log"))
        t0 = time.time()
        code, _, _ = http(svc.hport, "/health")
        assert code == 200 and time.time() - t0 < 1.0, (code, time.time() - t0)
        # Slow: requests arrive but time out.
        failed = receiver()["failed_attempts"]
        hook.start("slow")
        assert wait_until(lambda: hook.requests >= 2 and receiver()["failed_attempts"] >= failed + 2, 10), (hook.requests, receiver())
        assert hook.bodies == []
        # Up: the alert arrives.
        hook.mode = "up"
        assert wait_until(lambda: hook.bodies, 10), receiver()
        body = hook.bodies[0]
        assert body["version"] == "1" and body["source"] == "sightline" and body["status"] == "firing", body
        alert = body["alerts"][0]
        assert alert["labels"] == {"alertname": "AlwaysOn", "severity": "info"}, alert
        assert alert["state"] == "firing" and alert["annotations"]["summary"].startswith("rss is "), alert
        r = wait_until(lambda: (lambda x: x if x["sent"] == 1 else None)(receiver()), 5)
        assert r and r["retries"] >= 5 and r["failed_attempts"] == r["retries"] and r["dropped"] == 0, r
        assert not r["failing"], r
        _, _, metrics = http(svc.hport, "/metrics")
        assert f'sightline_alert_delivery_retries_total{{receiver="webhook",url="http://127.0.0.1:{wport}/hook"}} {r["retries"]}'.encode() \
            in metrics, metrics[-1500:]
        # The failure streak was logged once, its end once.
        log = svc.stderr()
        assert log.count('"event":"alert_delivery_failed"') == 1, log[-2000:]
        assert log.count('"event":"alert_delivery_recovered"') == 1, log[-2000:]
        # An info alert does not degrade health.
        assert get_json(svc.hport, "/health")["components"]["alerts"]["status"] == "healthy"
    finally:
        svc.stop()
        hook.stop()


@cases.run
def built_in_rules_apply_by_default_and_an_empty_list_turns_them_off():
    tport = free_port()
    svc = Service(EXE, faulty_pipeline(tport, {}))
    try:
        svc.wait_http()
        by_rule = svc.stats()["alerts"]["by_rule"]
        assert sorted(r["alertname"] for r in by_rule) == ["CircuitOpen", "SinkBufferFilling", "SinkDisconnected",
                                                           "SinkWriteErrors", "SourceBackpressure", "SourceDropping",
                                                           "StageErrorRate", "StageSaturated"], by_rule
        assert get_json(svc.hport, "/alerts") == {"active": [], "history": []}
        _, _, metrics = http(svc.hport, "/metrics")
        assert b'sightline_alerts_firing{alertname="StageErrorRate",severity="critical"} 0\n' in metrics
    finally:
        svc.stop()
    svc = Service(EXE, faulty_pipeline(free_port(), {"rules": []}))
    try:
        svc.wait_http()
        assert svc.stats()["alerts"]["by_rule"] == []
    finally:
        svc.stop()


@cases.run
def invalid_rules_fail_validation_with_their_json_path():
    d = tempfile.mkdtemp(prefix="sl-alerts-")
    cfg = faulty_pipeline(free_port(), {"rules": [
        {"name": "A", "expr": "error_rate", "stage": "enrih", "above": 0.05},
        {"name": "B", "expr": "latency_p99_us", "stage": "enrich", "above": 1, "below": 2},
        {"name": "C", "expr": "error_rate", "stage": "*", "above": 1, "summary": "{stag}"}],
        "alertmanager": {"url": "http://127.0.0.1:9093", "tls": {"ca_file": "/nonexistent/ca.pem"}}})
    path = os.path.join(d, "bad.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    r = subprocess.run([EXE, "--config", path, "--check"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, (r.returncode, r.stderr)
    for expect in ['alerts.rules[1]: give exactly one of "above" and "below"',
                   "alerts.rules[2].summary: unknown placeholder {stag}",
                   "alerts.alertmanager.tls: applies to https:// urls only",
                   'alerts.rules[0].stage: unknown stage "enrih"']:
        assert expect in r.stderr, (expect, r.stderr)
    shutil.rmtree(d, ignore_errors=True)


@cases.run
def the_alerts_example_config_is_valid():
    example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conf", "examples", "alerts.json")
    r = subprocess.run([EXE, "--config", example, "--check"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


sys.exit(cases.finish())
