#!/usr/bin/env python3
"""A real Prometheus (Debian's prometheus) scraping Sightline with the shipped
conf/prometheus/prometheus.yml (targets and intervals pointed at this test's ports) and
the shipped rule file: what Prometheus's HTTP API answers equals, exactly, what /stats
reported; and an alert rule on a fault stage (CircuitOpen) becomes firing in Prometheus
and reaches a real Alertmanager.

Usage: prometheus_test.py PATH_TO_SIGHTLINE [PROMETHEUS]
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from harness import Alertmanager, Cases, Service, free_port, http, wait_until

EXE = sys.argv[1]
PROMETHEUS = sys.argv[2] if len(sys.argv) > 2 else shutil.which("prometheus")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED = os.path.join(ROOT, "conf", "prometheus")
cases = Cases()


class Prometheus:
    """prometheus on a loopback port, from the shipped config with this test's targets."""

    def __init__(self, target_port, alertmanager_port):
        self.dir = tempfile.mkdtemp(prefix="sl-prom-")
        self.port = free_port()
        with open(os.path.join(SHIPPED, "prometheus.yml")) as f:
            text = f.read()
        # The shipped file as users copy it: only the addresses and the intervals change.
        for old, new in (("127.0.0.1:8000", f"127.0.0.1:{target_port}"),
                         ("127.0.0.1:9093", f"127.0.0.1:{alertmanager_port}"),
                         ("scrape_interval: 15s", "scrape_interval: 1s"),
                         ("evaluation_interval: 15s", "evaluation_interval: 1s"),
                         ("- sightline-rules.yml", f"- {os.path.join(SHIPPED, 'sightline-rules.yml')}")):
            assert old in text, old
            text = text.replace(old, new)
        cfg = os.path.join(self.dir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(text)
        self.err = open(os.path.join(self.dir, "stderr.log"), "w")
        self.p = subprocess.Popen([PROMETHEUS, f"--config.file={cfg}", f"--storage.tsdb.path={self.dir}/data",
                                   f"--web.listen-address=127.0.0.1:{self.port}"],
                                  stdout=subprocess.DEVNULL, stderr=self.err)
        ok = wait_until(lambda: http(self.port, "/-/ready", timeout=1)[0] == 200, 30)
        assert ok, f"Prometheus did not start: {open(self.err.name).read()[-800:]}"

    def api(self, path, **query):
        st, _, body = http(self.port, f"{path}?{urllib.parse.urlencode(query)}")
        assert st == 200, (st, body[:300])
        doc = json.loads(body)
        assert doc["status"] == "success", doc
        return doc["data"]

    def value(self, expr):
        """The single value of an instant query, or None."""
        result = self.api("/api/v1/query", query=expr)["result"]
        return float(result[0]["value"][1]) if len(result) == 1 else None

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(15)
        except subprocess.TimeoutExpired:
            self.p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def send(port, lines):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall("".join(l + "\n" for l in lines).encode())


@cases.run
def prometheus_scrapes_the_exact_counters_and_the_shipped_rules_fire_into_alertmanager():
    assert PROMETHEUS, "prometheus is not installed (scripts/test.sh installs it)"
    tport = free_port()
    cfg = {"sources": [{"type": "tcp", "id": "tcp_in", "listen": f"127.0.0.1:{tport}"}],
           "processors": [{"type": "tagger", "id": "tagger"},
                          # Opens after 5 failures and stays open for the test.
                          {"type": "fault", "id": "enrich", "pattern": "FAIL",
                           "circuit": {"failure_threshold": 5, "window_ms": 60000, "cooldown_ms": 600000}}],
           "sinks": [{"type": "file", "id": "out", "path": "out.log", "flush_interval_ms": 50}],
           "dead_letter": {"path": "dead.jsonl"}}
    svc = Service(EXE, cfg)
    am = Alertmanager()
    prom = None
    stop = threading.Event()
    try:
        svc.wait_http()
        prom = Prometheus(svc.hport, am.port)
        assert wait_until(lambda: prom.value('up{job="sightline"}') == 1.0, 30), prom.api("/api/v1/targets")

        # Scraped under load...
        def load():
            n = 0
            while not stop.is_set() and n < 200000:
                send(tport, [f"info line {n + i}" for i in range(1000)])
                n += 1000
                time.sleep(0.01)
        t = threading.Thread(target=load)
        t.start()
        assert wait_until(lambda: (prom.value("sightline_lines_total") or 0) > 0, 20)
        stop.set()
        t.join(60)
        # ...then, once still, exactly what /stats says, counter by counter.
        def settled():
            s = svc.stats()
            lines = s["system"]["total_lines"]
            return s["sinks"]["out"]["lines"] == lines and s
        s = wait_until(settled, 20)
        assert s, svc.stats()
        total = s["system"]["total_lines"]
        assert wait_until(lambda: prom.value("sightline_lines_total") == total, 20), (prom.value("sightline_lines_total"), total)
        assert prom.value('sightline_stage_lines_in_total{stage="tagger"}') == s["processors"]["tagger"]["lines_in"]
        assert prom.value('sightline_stage_lines_out_total{stage="enrich"}') == s["processors"]["enrich"]["lines_out"]
        assert prom.value('sightline_sink_lines_total{sink="out"}') == s["sinks"]["out"]["lines"]
        assert prom.value('sightline_source_lines_total{source="tcp_in"}') == s["sources"]["tcp_in"]["lines"]
        assert prom.value('sightline_stage_circuit_state{stage="enrich"}') == 0.0

        # The shipped rules are loaded...
        groups = prom.api("/api/v1/rules")["groups"]
        names = {r["name"] for g in groups for r in g["rules"]}
        assert {"StageErrorRate", "CircuitOpen", "SinkDisconnected", "Redeliveries"} <= names, names
        # ...and a fault stage whose circuit opens fires CircuitOpen, in Prometheus and in Alertmanager.
        send(tport, [f"FAIL {i}" for i in range(20)])
        assert wait_until(lambda: svc.stats()["processors"]["enrich"]["circuit"]["state"] == "open", 10)

        def firing():
            alerts = prom.api("/api/v1/alerts")["alerts"]
            return [a for a in alerts if a["labels"]["alertname"] == "CircuitOpen" and a["state"] == "firing"]
        fired = wait_until(firing, 30)
        assert fired and fired[0]["labels"]["stage"] == "enrich", prom.api("/api/v1/alerts")
        in_am = wait_until(lambda: am.alerts("CircuitOpen"), 30)
        assert in_am and in_am[0]["labels"]["stage"] == "enrich" and in_am[0]["status"]["state"] == "active", in_am
        assert svc.stop() == 0
    finally:
        stop.set()
        if prom:
            prom.stop()
        am.stop()
        svc.kill()


sys.exit(cases.finish())
