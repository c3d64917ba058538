#!/usr/bin/env python3
"""Scale-out through NATS JetStream with Debian's nats-server, started here on loopback
ports: an agent (tcp source, nats sink) publishes to a stream; aggregators (nats source,
one durable consumer) share it. Every line arrives, exactly accounted; an aggregator
killed with SIGKILL mid-flood loses nothing (its unacknowledged messages go to the
other, counted as redeliveries); a line traced at the agent shows its whole path at the
aggregator. A three-node cluster with a replicated stream loses nothing when a node is
killed mid-flood; NATS down at the agent's start means backpressure, then delivery.

One single-node server serves the first cases; the cluster is started once for the last.

Usage: nats_test.py PATH_TO_SIGHTLINE
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from harness import ClickHouse, Cases, NatsServer, Service, free_port, http, wait_until

EXE = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
cases = Cases()


def agent_config(inport, servers, stream, subject="logs.{severity}", replicas=1, trace=False):
    cfg = {
        "sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{inport}"}],
        "processors": [{"type": "parse_json", "id": "json", "on_error": "keep"}],
        "sinks": [{"type": "nats", "id": "js", "servers": servers, "subject": subject, "stream": stream,
                   "create_stream": True, "replicas": replicas, "origin": "agent1", "ack_timeout_ms": 2000,
                   "retry": {"backoff_ms": 20, "max_backoff_ms": 200}}],
    }
    if trace:
        cfg["trace"] = {"enabled": True, "sample": 1.0}
    return cfg


def aggregator_config(servers, stream, consumer, trace=False, ack_wait_ms=30000, fetch_batch=64):
    cfg = {
        "sources": [{"type": "nats", "id": "from_js", "servers": servers, "stream": stream, "consumer": consumer,
                     "ack_wait_ms": ack_wait_ms, "fetch_batch": fetch_batch}],
        "processors": [{"type": "parse_json", "id": "parse", "on_error": "keep"}],
        "sinks": [{"type": "file", "id": "out", "path": "out.log", "flush_interval_ms": 200}],
    }
    if trace:
        cfg["trace"] = {"enabled": True, "sample": 0.000001}  # only what arrives traced
    return cfg


def lines_of(svc):
    try:
        with open(svc.path("out.log")) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def flood(port, lines, chunk=500, pause=0.0):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        for k in range(0, len(lines), chunk):
            s.sendall(b"".join(line.encode() + b"\n" for line in lines[k:k + chunk]))
            if pause:
                time.sleep(pause)


def events(prefix, n):
    sev = ["err", "warning", "info", "debug"]
    return [json.dumps({"severity": sev[i % 4], "n": i, "msg": f"{prefix} {i}"}) for i in range(n)]


def agent_delivered(agent, n, timeout=30):
    ok = wait_until(lambda: agent.stats()["sinks"]["js"]["lines"] == n, timeout)
    s = agent.stats()["sinks"]["js"]
    assert ok, s
    assert s["accepted"] == s["lines"] + s["errors"] + s["in_flight_lines"] and s["errors"] == 0, s
    return s


single = NatsServer("n0")


@cases.run
def agent_to_two_aggregators_every_line_once_and_an_aggregator_killed_loses_nothing():
    inport = free_port()
    cfg = agent_config(inport, [single.url], "LOGS")
    cfg["sinks"][0]["batch_max_lines"] = 20  # many small messages, for two consumers to share
    agent = Service(EXE, cfg)
    configs = [aggregator_config([single.url], "LOGS", "aggregators", ack_wait_ms=1500, fetch_batch=4) for _ in range(2)]
    configs[1]["sinks"][0]["flush_interval_ms"] = 1500  # the one to kill holds unacknowledged messages longer
    aggs = [Service(EXE, c) for c in configs]
    try:
        agent.wait_tcp(inport)
        for a in aggs:
            assert wait_until(lambda: '"consuming"' in a.stderr(), 15), a.stderr()[-800:]
        # Part one: both share the work, every line exactly once.
        first = events("shared", 4000)
        flood(inport, first)
        agent_delivered(agent, 4000)
        assert wait_until(lambda: sum(len(lines_of(a)) for a in aggs) >= 4000, 20), [len(lines_of(a)) for a in aggs]
        got = lines_of(aggs[0]) + lines_of(aggs[1])
        assert sorted(got) == sorted(first), (len(got), len(set(got)))
        assert all(lines_of(a) for a in aggs), "one aggregator got nothing: the consumer is not shared"
        js = agent.stats()["sinks"]["js"]
        assert js["delivered_messages"] >= 4 and js["connected"] is True, js  # four subjects at least
        # Part two: a flood while one aggregator is killed; its unacknowledged messages
        # (file sink flushed, then acked, every 200 ms) go to the other.
        second = events("kill", 20000)
        sender = threading.Thread(target=flood, args=(inport, second, 500, 0.01))
        sender.start()
        def unacked(a):
            st = a.stats()["sources"]["from_js"]
            return st["messages"] - st["acked_messages"]
        before = aggs[1].stats()["sources"]["from_js"]["messages"]
        assert wait_until(lambda: aggs[1].stats()["sources"]["from_js"]["messages"] > before + 20 and unacked(aggs[1]) > 0, 20)
        aggs[1].kill()
        sender.join(60)
        agent_delivered(agent, 24000, 60)
        survivor = aggs[0]
        want = set(second)

        def arrived():
            return want <= set(lines_of(survivor)) | set(lines_of(aggs[1]))
        assert wait_until(arrived, 30), len(want - (set(lines_of(survivor)) | set(lines_of(aggs[1]))))
        st = survivor.stats()["sources"]["from_js"]
        assert st["redelivered_messages"] > 0, st
        assert st["acked_messages"] <= st["messages"], st
        # Every line at least once; only the dead one's written-but-unacked lines twice.
        everything = lines_of(survivor) + lines_of(aggs[1])
        assert set(everything) == set(first) | want
        assert len(everything) - len(set(everything)) <= 20000
        metrics = http(survivor.hport, "/metrics")[2].decode()
        assert 'sightline_source_redelivered_messages_total{source="from_js",type="nats"}' in metrics
    finally:
        assert agent.stop() == 0
        assert aggs[0].stop() == 0


@cases.run
def a_line_traced_at_the_agent_shows_its_whole_path_at_the_aggregator():
    inport = free_port()
    agent = Service(EXE, agent_config(inport, [single.url], "TRACED", subject="traced.{severity}", trace=True))
    agg = Service(EXE, aggregator_config([single.url], "TRACED", "tracer", trace=True))
    try:
        agent.wait_tcp(inport)
        agg.wait_http()
        flood(inport, [json.dumps({"severity": "err", "msg": "follow me"})])
        assert wait_until(lambda: len(lines_of(agg)) == 1, 20), agg.stderr()[-800:]
        assert wait_until(lambda: json.loads(http(agent.hport, "/trace?limit=5")[2]), 5)
        at_agent = json.loads(http(agent.hport, "/trace?limit=5")[2])[0]
        line_id = at_agent["line_id"]
        assert wait_until(lambda: http(agg.hport, f"/trace/{line_id}")[0] == 200, 10), \
            json.loads(http(agg.hport, "/trace?limit=5")[2])
        t = json.loads(http(agg.hport, f"/trace/{line_id}")[2])
        steps = [(s["processor"], s["status"]) for s in t["path"]]
        assert steps == [("agent1/in", "received"), ("agent1/json", "emit"), ("nats:TRACED", "hop"),
                         ("from_js", "received"), ("parse", "emit"), ("out", "sink")], steps
        assert t["outcome"] == "out" and t["source"] == "agent1/in", t
        assert t["original_content"] == json.dumps({"severity": "err", "msg": "follow me"})
        hop = t["path"][2]
        assert hop["duration_us"] >= 0, hop
    finally:
        assert agent.stop() == 0
        assert agg.stop() == 0


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) // 1024 for line in f if line.startswith("VmRSS:"))


@cases.run
def nats_down_at_the_agents_start_means_backpressure_then_full_delivery():
    port = free_port()
    inport = free_port()
    agent = Service(EXE, agent_config(inport, [f"nats://127.0.0.1:{port}"], "LATE"))
    server = None
    try:
        agent.wait_tcp(inport)
        lines = events("late", 500000)
        sender = threading.Thread(target=flood, args=(inport, lines, 2000))
        sender.start()
        # Nothing can be delivered: the sink holds its window, the pipeline fills, and the
        # TCP source stops reading (the sender is slowed down by TCP itself).
        assert wait_until(lambda: agent.stats()["sources"]["in"]["paused"], 20), agent.stats()["sources"]
        # The sink's first message may form a little after the source paused (slowly, under ASan).
        s = wait_until(lambda: (lambda js: js if js["retries"] > 0 else None)(agent.stats()["sinks"]["js"]), 10) \
            or agent.stats()["sinks"]["js"]
        assert s["lines"] == 0 and s["connected"] is False and s["retries"] > 0, s
        assert 0 < s["in_flight_lines"] < 500000, s
        read = agent.stats()["sources"]["in"]["lines"]
        assert read < 500000 and sender.is_alive(), read
        # Bounded memory: what the window and the hand-offs hold (sanitizers add their shadow).
        assert rss_mib(agent.p.pid) < (1500 if os.environ.get("SIGHTLINE_SANITIZED") else 400), rss_mib(agent.p.pid)
        assert json.loads(http(agent.hport, "/health")[2])["components"]["js"]["status"] in ("degraded", "unhealthy")
        server = NatsServer("late", port=port)
        sender.join(60)
        assert not sender.is_alive()
        agent_delivered(agent, 500000, 60)
        agg = Service(EXE, aggregator_config([server.url], "LATE", "late"))
        try:
            assert wait_until(lambda: len(lines_of(agg)) >= 500000, 60), len(lines_of(agg))
            assert sorted(lines_of(agg)) == sorted(lines)
        finally:
            assert agg.stop() == 0
    finally:
        if server is None:
            agent.kill()  # NATS never came: a graceful stop would wait to deliver for ever
        else:
            assert agent.stop() == 0
            server.remove()


@cases.run
def the_shipped_agent_and_aggregator_examples_deliver_into_clickhouse_and_files():
    """conf/examples/agent.json and aggregator.json as README "Scaling out" runs them,
    on this test's ports: one NATS node (replicas 1) and a real ClickHouse."""
    with open(os.path.join(ROOT, "conf", "examples", "agent.json")) as f:
        agent_cfg = json.load(f)
    with open(os.path.join(ROOT, "conf", "examples", "aggregator.json")) as f:
        agg_cfg = json.load(f)
    ch = ClickHouse()
    work = tempfile.mkdtemp(prefix="sl-examples-")
    agent = agg = None
    try:
        ch.query("CREATE TABLE logs (timestamp String, severity String, facility String, host String, app String, "
                 "message String, source String, received_at String) ENGINE = MergeTree ORDER BY tuple()")
        tport, uport = free_port(), free_port(socket.SOCK_DGRAM)
        agent_cfg["sources"][0]["listen"] = f"127.0.0.1:{tport}"
        agent_cfg["sources"][1]["listen"] = f"127.0.0.1:{uport}"
        agent_cfg["sources"][2]["path"] = os.path.join(work, "*.log")
        agent_cfg["sinks"][0].update(servers=[single.url], replicas=1)
        del agent_cfg["http"]
        agg_cfg["sources"][0]["servers"] = [single.url]
        sinks = {s["id"]: s for s in agg_cfg["sinks"]}
        sinks["clickhouse"]["url"] = sinks["clickhouse"]["url"].replace("127.0.0.1:8123", f"127.0.0.1:{ch.port}")
        sinks["clickhouse"]["batch_timeout_ms"] = 100
        for s in agg_cfg["sinks"]:
            if s["type"] == "file":
                s["flush_interval_ms"] = 50
        del agg_cfg["http"]
        agent, agg = Service(EXE, agent_cfg), Service(EXE, agg_cfg)
        agent.wait_tcp(tport)
        assert wait_until(lambda: '"consuming"' in agg.stderr(), 15), agg.stderr()[-800:]
        lines = []
        for i in range(300):
            if i % 3 == 0:
                lines.append(f"<11>1 2026-12-01T10:00:00Z web01 billing - - - card declined {i}")  # user.err
            elif i % 3 == 1:
                lines.append(json.dumps({"level": "warn", "app": "api", "msg": f"slow {i}"}))
            else:
                lines.append(f"plain line {i}")
        flood(tport, lines)
        assert wait_until(lambda: ch.query("SELECT count() FROM logs") == "300", 30), \
            (ch.query("SELECT count() FROM logs"), agg.stderr()[-800:])
        got = dict(row.split("\t") for row in ch.query("SELECT severity, count() FROM logs GROUP BY severity").splitlines())
        assert got == {"err": "100", "warn": "100", "info": "100"}, got
        assert ch.query("SELECT count() FROM logs WHERE app = 'billing' AND host = 'web01'") == "100"
        assert ch.query("SELECT count() FROM logs WHERE source = 'from_jetstream'") == "300"

        def errors_file():
            try:
                with open(agg.path("sightline-data/errors.json")) as f:
                    return [json.loads(line) for line in f]
            except FileNotFoundError:
                return []
        assert wait_until(lambda: len(errors_file()) == 100, 10), len(errors_file())
        assert {e["app"] for e in errors_file()} == {"billing"}
        assert wait_until(lambda: agg.stats()["sinks"]["clickhouse"]["lines"] == 300, 5), agg.stats()["sinks"]
        assert agg.stats()["sinks"]["clickhouse"]["errors"] == 0
    finally:
        for svc in (agent, agg):
            if svc:
                assert svc.stop() == 0
        ch.stop()
        shutil.rmtree(work, ignore_errors=True)


@cases.run
def a_three_node_cluster_loses_nothing_when_a_node_is_killed_mid_flood():
    cports = [free_port() for _ in range(3)]
    nodes = [NatsServer(f"c{k}", cluster_port=cports[k], routes=cports) for k in range(3)]
    servers = [n.url for n in nodes]
    inport = free_port()
    agent = agg = None
    try:
        # The cluster elects a meta leader before a replicated stream can be created.
        agent = Service(EXE, agent_config(inport, servers, "REPL", replicas=3))
        agent.wait_tcp(inport)
        assert wait_until(lambda: "nats_stream_created" in agent.stderr() or "nats_stream_ready" in agent.stderr(), 30), \
            agent.stderr()[-800:]
        agg = Service(EXE, aggregator_config(servers, "REPL", "repl"))
        lines = events("cluster", 12000)
        sender = threading.Thread(target=flood, args=(inport, lines, 500, 0.01))
        sender.start()
        assert wait_until(lambda: len(lines_of(agg)) > 1000, 20), len(lines_of(agg))
        nodes[0].kill()
        sender.join(60)
        agent_delivered(agent, 12000, 60)
        assert wait_until(lambda: set(lines) <= set(lines_of(agg)), 40), len(set(lines) - set(lines_of(agg)))
        s = agent.stats()["sinks"]["js"]
        assert s["errors"] == 0, s
    finally:
        if agent:
            assert agent.stop() == 0
        if agg:
            assert agg.stop() == 0
        for n in nodes:
            n.remove()


single.remove()
sys.exit(cases.finish())
