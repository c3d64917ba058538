#!/usr/bin/env python3
"""Disk buffers (README "Buffers") with a real nats-server: an agent whose nats sink has a
disk buffer is killed with SIGKILL while NATS is down; restarted, it delivers every line
the buffer had accepted once NATS comes up, exactly (accepted, delivered, duplicated,
lost = 0). A full buffer with `block` pauses the TCP source and holds its size; with
`drop_newest` the drops are counted exactly. The torn-tail rules are unit-tested
(test/sinks/disk_buffer_test.cpp); here a segment cut by hand is skipped and counted
by the running service.

Usage: buffer_test.py PATH_TO_SIGHTLINE
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

from harness import Cases, Service, free_port, http, wait_until

EXE = sys.argv[1]
cases = Cases()


class Nats:
    def __init__(self, port):
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="sl-buffer-nats-")
        with open(os.path.join(self.dir, "nats.conf"), "w") as f:
            f.write(f'listen: 127.0.0.1:{port}\njetstream {{ store_dir: "{self.dir}/js" }}\n')
        self.p = subprocess.Popen(["nats-server", "-c", os.path.join(self.dir, "nats.conf")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up():
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        assert wait_until(up, 15)

    def stop(self):
        self.p.terminate()
        self.p.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def agent_config(inport, nats_port, buffer):
    return {
        "sources": [{"type": "tcp", "id": "in", "listen": f"127.0.0.1:{inport}"}],
        "processors": [{"type": "tagger", "id": "t"}],
        "sinks": [{"type": "nats", "id": "js", "servers": [f"nats://127.0.0.1:{nats_port}"], "subject": "buf.lines",
                   "stream": "BUF", "create_stream": True, "batch_max_lines": 500,
                   "retry": {"backoff_ms": 20, "max_backoff_ms": 100}, "buffer": buffer}],
    }


def flood(port, lines, chunk=1000):
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        for k in range(0, len(lines), chunk):
            s.sendall(b"".join(line.encode() + b"\n" for line in lines[k:k + chunk]))


def flood_until_closed(port, lines):
    """flood() for a sender thread whose receiver is killed under it."""
    try:
        flood(port, lines)
    except OSError:
        pass


def stream_messages(nats_port, n, timeout=30):
    """Every line of the stream BUF, read with a Sightline aggregator (nats source -> file)."""
    agg = Service(EXE, {
        "sources": [{"type": "nats", "id": "from_js", "servers": [f"nats://127.0.0.1:{nats_port}"], "stream": "BUF",
                     "consumer": "check"}],
        "processors": [{"type": "tagger", "id": "t"}],
        "sinks": [{"type": "file", "id": "out", "path": "out.log", "flush_interval_ms": 50}],
    })
    try:
        def lines():
            try:
                with open(agg.path("out.log")) as f:
                    return f.read().splitlines()
            except FileNotFoundError:
                return []
        wait_until(lambda: len(lines()) >= n, timeout)
        # A moment more, so a duplicate would show.
        wait_until(lambda: False, 0.5)
        return lines()
    finally:
        assert agg.stop() == 0


@cases.run
def a_killed_agent_delivers_every_line_its_disk_buffer_accepted_after_restart():
    nats_port, inport = free_port(), free_port()
    folder = tempfile.mkdtemp(prefix="sl-buffer-")
    buffer = {"type": "disk", "path": folder, "sync": "batch", "max_bytes": 64 * 1024 * 1024}
    lines = [f"buffered line {i} " + "x" * (i % 40) for i in range(20000)]
    first = Service(EXE, agent_config(inport, nats_port, buffer))
    try:
        first.wait_tcp(inport)
        flood(inport, lines)
        assert wait_until(lambda: first.stats()["sinks"]["js"]["buffer"]["accepted"] == 20000, 20), \
            first.stats()["sinks"]["js"]
        b = first.stats()["sinks"]["js"]["buffer"]
        assert b["lines"] == 20000 and b["bytes"] > 0 and b["dropped"] == 0, b
        assert first.stats()["sinks"]["js"]["lines"] == 0
    finally:
        first.kill()  # SIGKILL: nothing is flushed, nothing says goodbye
    second = Service(EXE, agent_config(inport, nats_port, buffer))
    nats = None
    try:
        second.wait_http()
        assert wait_until(lambda: "buffer_recovered" in second.stderr(), 10), second.stderr()[-800:]
        b = second.stats()["sinks"]["js"]["buffer"]
        assert b["recovered_lines"] == 20000 and b["torn_records"] == 0, b
        nats = Nats(nats_port)
        assert wait_until(lambda: second.stats()["sinks"]["js"]["lines"] == 20000, 30), second.stats()["sinks"]["js"]
        s = second.stats()["sinks"]["js"]
        assert (s["errors"], s["duplicates"], s["buffer"]["lines"]) == (0, 0, 0), s
        got = stream_messages(nats_port, 20000)
        assert len(got) == 20000 and sorted(got) == sorted(lines), (len(got), len(set(got)))  # lost 0, duplicated 0
        # Delivered and acknowledged: the folder keeps no record for a third run.
        assert wait_until(lambda: second.stats()["sinks"]["js"]["buffer"]["bytes"] == 0, 5)
    finally:
        assert second.stop() == 0
        if nats:
            nats.stop()
        shutil.rmtree(folder, ignore_errors=True)


@cases.run
def a_full_buffer_blocks_the_tcp_source_and_drop_newest_counts_every_drop():
    nats_port = free_port()  # nothing listens: the buffer only fills
    folder = tempfile.mkdtemp(prefix="sl-buffer-full-")
    try:
        # block: the source pauses, the buffer stays at its size, the sender waits.
        inport = free_port()
        blocking = Service(EXE, agent_config(inport, nats_port, {"type": "disk", "path": os.path.join(folder, "b"),
                                                                 "max_bytes": 1024 * 1024}))
        try:
            blocking.wait_tcp(inport)
            sender = threading.Thread(target=flood_until_closed, args=(inport, [f"block {i} " + "y" * 60 for i in range(300000)]),
                                      daemon=True)
            sender.start()
            assert wait_until(lambda: blocking.stats()["sources"]["in"]["paused"] and
                              blocking.stats()["sinks"]["js"]["buffer"]["blocked"], 20), blocking.stats()["sinks"]
            b = blocking.stats()["sinks"]["js"]["buffer"]
            assert b["bytes"] <= 1024 * 1024 + 256 * 1024 and b["dropped"] == 0, b
            assert sender.is_alive()
            health = json.loads(http(blocking.hport, "/health")[2])["components"]["js"]
            assert health["status"] == "degraded" and "disk buffer" in health["reason"], health
        finally:
            blocking.kill()
        # drop_newest: what does not fit is dropped and counted, nothing waits.
        inport = free_port()
        dropping = Service(EXE, agent_config(inport, nats_port, {"type": "disk", "path": os.path.join(folder, "d"),
                                                                 "max_bytes": 1024 * 1024, "when_full": "drop_newest"}))
        try:
            dropping.wait_tcp(inport)
            flood(inport, [f"drop {i} " + "z" * 60 for i in range(100000)])
            assert wait_until(lambda: dropping.stats()["sources"]["in"]["lines"] == 100000, 20)

            def settled():
                s = dropping.stats()["sinks"]["js"]
                return s["buffer"]["accepted"] + s["buffer"]["dropped"] == 100000
            assert wait_until(settled, 20), dropping.stats()["sinks"]["js"]
            s = dropping.stats()["sinks"]["js"]
            assert s["buffer"]["dropped"] > 0 and s["buffer"]["lines"] == s["buffer"]["accepted"], s["buffer"]
            assert s["buffer"]["dropped_by_reason"] == {"buffer_full": s["buffer"]["dropped"]}
            metrics = http(dropping.hport, "/metrics")[2].decode()
            want = f'sightline_sink_buffer_dropped_total{{sink="js",type="nats",reason="buffer_full"}} {s["buffer"]["dropped"]}'
            assert want in metrics, [m for m in metrics.splitlines() if "buffer" in m]
        finally:
            dropping.kill()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@cases.run
def a_torn_segment_tail_is_skipped_counted_and_every_whole_record_delivered():
    nats_port, inport = free_port(), free_port()
    folder = tempfile.mkdtemp(prefix="sl-buffer-torn-")
    buffer = {"type": "disk", "path": folder, "sync": "batch"}
    first = Service(EXE, agent_config(inport, nats_port, buffer))
    lines = [f"torn {i}" for i in range(5000)]
    try:
        first.wait_tcp(inport)
        for k in range(10):  # ten bursts, each its own record at least
            flood(inport, lines[k * 500:(k + 1) * 500])
            assert wait_until(lambda: first.stats()["sinks"]["js"]["buffer"]["accepted"] == (k + 1) * 500, 20)
        records = first.stats()["sinks"]["js"]["buffer"]
    finally:
        first.kill()
    segs = sorted(f for f in os.listdir(folder) if f.endswith(".slb"))
    last = os.path.join(folder, segs[-1])
    os.truncate(last, os.path.getsize(last) - 5)  # the last record loses its end
    second = Service(EXE, agent_config(inport, nats_port, buffer))
    nats = None
    try:
        second.wait_http()
        b = second.stats()["sinks"]["js"]["buffer"]
        assert b["torn_records"] == 1 and 4500 <= b["recovered_lines"] < 5000, (b, records)
        recovered = b["recovered_lines"]
        nats = Nats(nats_port)
        assert wait_until(lambda: second.stats()["sinks"]["js"]["lines"] == recovered, 30), second.stats()["sinks"]["js"]
        got = stream_messages(nats_port, recovered)
        # Whole records only, nothing garbled (retries after NATS came up may reorder messages).
        assert sorted(got) == sorted(lines[:recovered]), (len(got), recovered)
        metrics = http(second.hport, "/metrics")[2].decode()
        assert 'sightline_sink_buffer_torn_records_total{sink="js",type="nats"} 1' in metrics
    finally:
        assert second.stop() == 0
        if nats:
            nats.stop()
        shutil.rmtree(folder, ignore_errors=True)


sys.exit(cases.finish())
