#!/usr/bin/env python3
"""Network ingestion from outside, with real sockets on 127.0.0.1: exact counts end to
end for many TCP clients, graceful SIGTERM, UDP accounting, framing edge cases, limits.

Usage: ingest_test.py PATH_TO_SIGHTLINE
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from attack_probe import Probe
from harness import Cases, Service, count_lines, free_port, http, wait_until

EXE = sys.argv[1]
cases = Cases()


def routed(tport, uport=None, **tcp_params):
    src = [{"type": "tcp", "id": "tcp_in", "listen": f"127.0.0.1:{tport}", **tcp_params}]
    if uport:
        src.append({"type": "udp", "id": "udp_in", "listen": f"127.0.0.1:{uport}"})
    return {
        "sources": src,
        "processors": [{"type": "tagger", "id": "tagger"},
                       {"type": "tag_router", "id": "router", "routes": {"error": "errors"}, "default": "rest"}],
        "sinks": [{"type": "file", "id": "errors", "path": "errors.log"},
                  {"type": "file", "id": "rest", "path": "rest.log"}],
    }


def sink_total(svc):
    return count_lines(svc.path("errors.log")) + count_lines(svc.path("rest.log"))


@cases.run
def thousand_concurrent_clients_thousand_lines_each_exact():
    tport = free_port()
    svc = Service(EXE, routed(tport))
    try:
        svc.wait_http()
        clients = [socket.create_connection(("127.0.0.1", tport)) for _ in range(1000)]
        # All 1000 are connected at once before anyone sends.
        assert wait_until(lambda: svc.stats()["sources"]["tcp_in"]["connections_active"] == 1000, 10), \
            svc.stats()["sources"]["tcp_in"]
        for c, s in enumerate(clients):
            s.sendall(b"".join(b"%s client=%d line=%d\n" % (b"ERROR" if i % 4 == 0 else b"INFO", c, i)
                               for i in range(1000)))
            s.close()
        assert wait_until(lambda: sink_total(svc) == 1_000_000, 60, 0.1), sink_total(svc)
        assert count_lines(svc.path("errors.log")) == 250_000
        src = wait_until(lambda: (lambda s: s if s["connections_closed"] == 1000 else None)(
            svc.stats()["sources"]["tcp_in"]), 10)
        assert src and src["lines"] == 1_000_000 and src["connections_accepted"] == 1000, src
        rc = svc.stop()
        assert rc == 0, f"exit code {rc}; stderr: {svc.stderr()[-600:]}"
    finally:
        svc.kill()


@cases.run
def sigterm_right_after_clients_close_keeps_every_line():
    tport = free_port()
    svc = Service(EXE, routed(tport))
    try:
        svc.wait_tcp(tport)
        for c in range(50):
            s = socket.create_connection(("127.0.0.1", tport))
            s.sendall(b"".join(b"WARN c%d l%d\n" % (c, i) for i in range(2000)))
            s.close()
        rc = svc.stop(signal.SIGTERM)
        assert rc == 0, rc
        assert count_lines(svc.path("rest.log")) == 100_000, count_lines(svc.path("rest.log"))
        events = [json.loads(l)["event"] for l in svc.stderr().splitlines() if l.startswith("{")]
        assert "shutdown_requested" in events and "pipeline_completed" in events, events
    finally:
        svc.kill()


@cases.run
def open_connection_is_read_until_peer_closes_after_sigterm():
    tport = free_port()
    svc = Service(EXE, routed(tport))
    try:
        svc.wait_tcp(tport)
        s = socket.create_connection(("127.0.0.1", tport))
        s.sendall(b"INFO before\n")
        svc.p.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        s.sendall(b"INFO after the signal\nINFO partial-without-newline")
        s.close()
        svc.p.wait(20)
        assert svc.p.returncode == 0
        with open(svc.path("rest.log"), "rb") as f:
            assert f.read() == b"INFO before\nINFO after the signal\nINFO partial-without-newline\n"
    finally:
        svc.kill()


@cases.run
def framing_crlf_binary_and_endless_line_are_handled():
    tport = free_port()
    svc = Service(EXE, routed(tport, max_line_bytes=1000))
    try:
        svc.wait_http()
        s = socket.create_connection(("127.0.0.1", tport))
        s.sendall(b"a\r\n\r\nbin \x00\xff\xfe\n")
        for _ in range(100):  # 100 KB without a newline: memory bounded, one truncated line
            s.sendall(b"z" * 1000)
        s.sendall(b"\nsplit ")
        time.sleep(0.05)
        s.sendall(b"across reads\n")
        s.close()
        assert wait_until(lambda: sink_total(svc) == 5, 10), sink_total(svc)
        svc.stop()
        with open(svc.path("rest.log"), "rb") as f:
            lines = f.read().split(b"\n")
        assert lines == [b"a", b"", b"bin \x00\xff\xfe", b"z" * 1000, b"split across reads", b""], \
            [l[:20] for l in lines]
    finally:
        svc.kill()


@cases.run
def connections_beyond_the_limit_are_refused_and_counted():
    tport = free_port()
    svc = Service(EXE, routed(tport, max_connections=5))
    try:
        svc.wait_http()
        held = [socket.create_connection(("127.0.0.1", tport)) for _ in range(5)]
        assert wait_until(lambda: svc.stats()["sources"]["tcp_in"]["connections_active"] == 5, 10)
        extra = socket.create_connection(("127.0.0.1", tport))
        extra.settimeout(5)
        assert extra.recv(1) == b"", "the sixth connection was not closed"
        st = wait_until(lambda: (lambda s: s if s["connections_refused"] == 1 else None)(
            svc.stats()["sources"]["tcp_in"]), 10)
        assert st, svc.stats()["sources"]["tcp_in"]
        for h in held:
            h.close()
    finally:
        svc.kill()


@cases.run
def idle_connections_are_closed_after_the_timeout():
    tport = free_port()
    svc = Service(EXE, routed(tport, idle_timeout_ms=300))
    try:
        svc.wait_http()
        s = socket.create_connection(("127.0.0.1", tport))
        s.sendall(b"INFO hello\n")
        s.settimeout(5)
        t0 = time.time()
        assert s.recv(1) == b""  # the server closed it
        assert time.time() - t0 < 4
        assert wait_until(lambda: count_lines(svc.path("rest.log")) == 1, 5)
    finally:
        svc.kill()


@cases.run
def udp_accounts_for_every_line():
    tport, uport = free_port(), free_port(socket.SOCK_DGRAM)
    svc = Service(EXE, routed(tport, uport))
    try:
        svc.wait_http()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # The largest datagram first, alone, so no backpressure can drop it: it arrives whole.
        big = b"x" * 65507
        u.sendto(big, ("127.0.0.1", uport))
        assert wait_until(lambda: big + b"\n" in open(svc.path("rest.log"), "rb").read(), 10), "65507-byte datagram missing"
        sent = 1
        for i in range(5000):
            if i % 10 == 0:
                u.sendto(b"ERROR a %d\nINFO b %d\n" % (i, i), ("127.0.0.1", uport))  # two lines
                sent += 2
            else:
                u.sendto(b"INFO %d" % i, ("127.0.0.1", uport))  # no trailing newline
                sent += 1

        def settled():
            s = svc.stats()["sources"]["udp_in"]
            kernel = s["kernel_dropped_datagrams"]
            return s if s["lines"] + kernel >= sent else None
        st = wait_until(settled, 15, 0.1)
        assert st, svc.stats()["sources"]["udp_in"]
        delivered = st["lines"] - st["dropped"]
        assert wait_until(lambda: sink_total(svc) == delivered, 10), (sink_total(svc), st)
        # One line per datagram except the 500 two-line ones: the kernel counts datagrams.
        assert st["datagrams"] + st["kernel_dropped_datagrams"] == 5001, st
        if st["kernel_dropped_datagrams"] == 0:
            assert st["lines"] == sent, (st, sent)
    finally:
        svc.kill()


def udp_rx_queue(port):
    """Bytes waiting in the kernel receive buffer of the UDP socket bound to `port`."""
    with open("/proc/net/udp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port:
                return int(fields[4].split(":")[1], 16)
    return 0


@cases.run
def udp_datagrams_waiting_in_the_kernel_at_sigterm_are_delivered():
    """The sink writes into a FIFO nobody reads yet, so the pipeline fills, the UDP source
    pauses and datagrams wait in the kernel buffer. SIGTERM then: what the kernel held was
    accepted, so it is read out and delivered before the socket closes. Every datagram is
    in the sink or in kernel_dropped_datagrams, exactly."""
    tport, uport = free_port(), free_port(socket.SOCK_DGRAM)
    work = tempfile.mkdtemp(prefix="sl-udp-")
    fifo, metrics = os.path.join(work, "rest.fifo"), os.path.join(work, "metrics.json")
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so the sink can open it; not read yet
    cfg = routed(tport, uport)
    cfg["sinks"][1] = {"type": "file", "id": "rest", "path": fifo, "buffer_bytes": 4096, "flush_interval_ms": 10}
    svc = Service(EXE, cfg, args=("--save-metrics", metrics, "--threads", "2"))
    received = bytearray()
    try:
        svc.wait_http()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sent = 0
        deadline = time.time() + 20
        def backed_up():  # the source paused, and datagrams stay waiting in the kernel
            if not svc.stats()["sources"]["udp_in"]["paused"] or udp_rx_queue(uport) == 0:
                return False
            time.sleep(0.2)
            return udp_rx_queue(uport) > 0 and svc.stats()["sources"]["udp_in"]["paused"]
        while time.time() < deadline:
            for i in range(1000):
                u.sendto(b"INFO burst %d" % (sent + i), ("127.0.0.1", uport))
            sent += 1000
            if backed_up():
                break
        backlog = udp_rx_queue(uport)
        assert backlog > 0, "the pipeline never backed up"
        svc.p.send_signal(signal.SIGTERM)
        os.set_blocking(reader, True)
        while True:  # now drain the FIFO: the pipeline flows again, then the sink closes it
            chunk = os.read(reader, 1 << 16)
            if not chunk:
                break
            received += chunk
        svc.p.wait(30)  # one SIGTERM only: a second one would force the exit
        assert svc.stop() == 0, svc.stderr()
        with open(metrics) as f:
            st = json.load(f)["sources"]["udp_in"]
        kernel = st["kernel_dropped_datagrams"]
        assert st["datagrams"] + kernel == sent, (st, sent, backlog)
        assert received.count(b"\n") == st["lines"] == st["datagrams"], (received.count(b"\n"), st, backlog)
        print(f"     figures udp_shutdown: {sent} sent, {backlog} bytes waiting at SIGTERM, "
              f"{kernel} datagrams dropped by the kernel")
    finally:
        os.close(reader)
        svc.kill()


@cases.run
def port_in_use_is_exit_1_naming_the_address():
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    r = subprocess.run([EXE, "--listen-tcp", f"127.0.0.1:{port}", "--no-dashboard"], capture_output=True, timeout=20)
    blocker.close()
    assert r.returncode == 1, r.returncode
    assert f"127.0.0.1:{port}".encode() in r.stderr, r.stderr


def follow_config(path, **params):
    return {"sources": [{"type": "file", "id": "tail", "path": path, "follow": True, "poll_interval_ms": 20, **params}],
            "processors": [{"type": "tagger", "id": "tagger"}],
            "sinks": [{"type": "file", "id": "out", "path": "out.log", "flush_interval_ms": 20}]}


def append(path, text):
    with open(path, "ab") as f:
        f.write(text)


@cases.run
def follow_reads_appends_rotation_and_truncation_exactly_once():
    d = tempfile.mkdtemp(prefix="sl-follow-")
    log = os.path.join(d, "app.log")
    append(log, b"old 1\n")
    svc = Service(EXE, follow_config(log))
    try:
        svc.wait_http()
        out = svc.path("out.log")
        assert wait_until(lambda: count_lines(out) == 1, 10)
        append(log, b"new 2\npartial ")
        append(log, b"3\n")
        assert wait_until(lambda: count_lines(out) == 3, 10)
        # Rename-and-recreate rotation: a last line written to the old file after the
        # rename is still read, then the new file from its start.
        os.rename(log, log + ".1")
        append(log + ".1", b"late 4\n")
        append(log, b"rotated 5\n")
        assert wait_until(lambda: count_lines(out) == 5, 10), open(out, "rb").read()
        # Truncation in place (copytruncate).
        with open(log, "wb") as f:
            f.write(b"")
        time.sleep(0.2)
        append(log, b"after truncate 6\n")
        assert wait_until(lambda: count_lines(out) == 6, 10), open(out, "rb").read()
        with open(out, "rb") as f:
            assert f.read() == b"old 1\nnew 2\npartial 3\nlate 4\nrotated 5\nafter truncate 6\n"
        st = wait_until(lambda: (lambda t: t if t["lines"] == 6 else None)(svc.stats()["sources"]["tail"]), 5)
        assert st and st["rotations"] == 1 and st["file_truncations"] == 1, svc.stats()["sources"]["tail"]
        rc = svc.stop()
        assert rc == 0, f"exit code {rc}; stderr: {svc.stderr()[-600:]}"
    finally:
        svc.kill()


@cases.run
def follow_glob_start_at_end_and_deleted_file():
    d = tempfile.mkdtemp(prefix="sl-glob-")
    append(os.path.join(d, "a.log"), b"skipped by start_at end\n")
    svc = Service(EXE, follow_config(os.path.join(d, "*.log"), start_at="end"))
    try:
        svc.wait_http()
        out = svc.path("out.log")
        append(os.path.join(d, "a.log"), b"a new\n")
        append(os.path.join(d, "b.log"), b"b appears later: read whole\n")
        assert wait_until(lambda: count_lines(out) == 2, 10), open(out, "rb").read() if os.path.exists(out) else None
        os.unlink(os.path.join(d, "a.log"))
        time.sleep(0.1)
        append(os.path.join(d, "b.log"), b"b still followed\n")
        assert wait_until(lambda: count_lines(out) == 3, 10)
        assert sorted(open(out, "rb").read().splitlines()) == [b"a new", b"b appears later: read whole", b"b still followed"]
        # The deleted file was let go once read to its end (its space is freed).
        src = wait_until(lambda: svc.stats()["sources"]["tail"]["files_released"] == 1 and svc.stats()["sources"]["tail"])
        assert src and src["files_followed"] == 1, svc.stats()["sources"]["tail"]
        rc = svc.stop()
        assert rc == 0, f"exit code {rc}; stderr: {svc.stderr()[-600:]}"
    finally:
        svc.kill()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@cases.run
def slow_sink_pushes_back_on_tcp_senders_and_memory_stays_bounded():
    """A sink writing into a pipe that is read slowly: the senders must be held back by
    TCP flow control, RSS must stay under 150 MiB (600 under sanitizers) while a sender pushes for 6 s, and once the
    reader catches up every line arrives."""
    d = tempfile.mkdtemp(prefix="sl-slow-")
    fifo = os.path.join(d, "slow.fifo")
    os.mkfifo(fifo)
    tport = free_port()
    cfg = {"sources": [{"type": "tcp", "id": "tcp_in", "listen": f"127.0.0.1:{tport}"}],
           "processors": [{"type": "tagger", "id": "tagger"}],
           "sinks": [{"type": "file", "id": "slow", "path": fifo}]}
    received = {"bytes": 0, "lines": 0}
    stop_reading = threading.Event()
    slow = threading.Event()
    slow.set()

    def reader():
        with open(fifo, "rb", buffering=0) as f:
            while not stop_reading.is_set():
                chunk = f.read(65536)
                if not chunk:
                    break
                received["bytes"] += len(chunk)
                received["lines"] += chunk.count(b"\n")
                if slow.is_set():
                    time.sleep(0.01)  # about 6 MB/s
    t = threading.Thread(target=reader, daemon=True)
    t.start()  # open() of a FIFO for reading blocks until the writer opens it: the service
    svc = Service(EXE, cfg, args=("--threads", "4"))
    try:
        svc.wait_http()
        line = b"INFO " + b"x" * 95 + b"\n"  # 101 bytes
        chunk = line * 10000                  # about 1 MB
        s = socket.create_connection(("127.0.0.1", tport))
        s.setblocking(False)
        offered, peak_rss, t0 = 0, 0, time.time()
        with Probe(svc) as probe:  # /health latency meanwhile, for test/HARDENING.md
            while time.time() - t0 < 6:  # offer as fast as the server takes, for 6 s
                try:
                    offered += s.send(chunk[offered % len(chunk):])
                except BlockingIOError:
                    time.sleep(0.005)
                peak_rss = max(peak_rss, rss_kb(svc.p.pid))
        probe.check("slow_sink")
        sent_lines = offered // len(line)
        rest = offered % len(line)
        s.setblocking(True)
        if rest:
            s.sendall(line[rest:])
            sent_lines += 1
        st = svc.stats()["sources"]["tcp_in"]
        # Flow control: far less than 6 s at loopback speed got through.
        assert offered < 600_000_000, offered
        # Sanitizers keep shadow memory and a quarantine of freed blocks: allow for them.
        bound_mib = 600 if os.environ.get("SIGHTLINE_SANITIZED") else 150
        assert peak_rss < bound_mib * 1024, f"RSS {peak_rss} KiB over {bound_mib} MiB"
        assert st["paused"] or st["paused_ms_total"] > 0, st
        slow.clear()
        s.close()
        assert wait_until(lambda: received["lines"] == sent_lines, 60, 0.1), (received, sent_lines)
        rc = svc.stop()
        assert rc == 0, f"exit code {rc}; stderr: {svc.stderr()[-600:]}"
        print(f"     offered {offered / 1e6:.0f} MB in 6 s against a ~6 MB/s sink; peak RSS {peak_rss / 1024:.0f} MiB")
    finally:
        stop_reading.set()
        svc.kill()


@cases.run
def a_sink_stalled_on_a_fifo_holds_up_only_itself():
    """A file sink writing into a FIFO that its reader never reads: the write blocks for
    good. Only that sink (and what feeds it) waits: /live and /stats answer, a second
    pipeline's sink keeps writing, and a second SIGTERM still exits at once."""
    d = tempfile.mkdtemp(prefix="sl-stall-")
    fifo = os.path.join(d, "stalled.fifo")
    os.mkfifo(fifo)
    never_read = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader exists, and never reads
    stalled_port, other_port = free_port(), free_port()
    cfg = {"sources": [{"type": "tcp", "id": "to_fifo", "listen": f"127.0.0.1:{stalled_port}", "next": ["a"]},
                       {"type": "tcp", "id": "to_file", "listen": f"127.0.0.1:{other_port}", "next": ["b"]}],
           "processors": [{"type": "tagger", "id": "a", "next": ["stalled"]}, {"type": "tagger", "id": "b", "next": ["file"]}],
           "sinks": [{"type": "file", "id": "stalled", "path": fifo, "buffer_bytes": 65536},
                     {"type": "file", "id": "file", "path": "other.log", "flush_interval_ms": 20}]}
    # One io thread: a blocking write on it would stop everything (it once did).
    svc = Service(EXE, cfg, args=("--threads", "1"))
    try:
        svc.wait_http()
        svc.wait_tcp(stalled_port)
        # Far more than the pipe (64 KiB) and the sink's buffer hold.
        s = socket.create_connection(("127.0.0.1", stalled_port))
        s.setblocking(False)
        chunk = b"x" * 99 + b"\n"
        pushed = 0
        t0 = time.time()
        while time.time() - t0 < 2:
            try:
                pushed += s.send(chunk * 100)
            except BlockingIOError:
                time.sleep(0.01)
        assert pushed > 4 << 20, pushed
        assert wait_until(lambda: svc.stats()["sources"]["to_fifo"]["paused"], 10), "the stalled sink never pushed back"
        # The server still answers, promptly, and the other pipeline still writes.
        for path in ("/live", "/stats", "/health"):
            t = time.time()
            status, _, _ = http(svc.hport, path, timeout=2)
            assert status == 200 and time.time() - t < 2, path
        with socket.create_connection(("127.0.0.1", other_port)) as o:
            o.sendall(b"".join(b"info %d\n" % i for i in range(1000)))
        assert wait_until(lambda: count_lines(svc.path("other.log")) == 1000, 10)
        # The first SIGTERM drains (the stalled sink cannot); the second exits at once.
        svc.p.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert svc.p.poll() is None  # still draining into the FIFO
        t = time.time()
        svc.p.send_signal(signal.SIGTERM)
        svc.p.wait(5)
        assert svc.p.returncode == 1 and time.time() - t < 5, svc.p.returncode
        s.close()
    finally:
        svc.kill()
        os.close(never_read)


@cases.run
def sighup_reopens_file_sinks_for_logrotate():
    tport = free_port()
    svc = Service(EXE, routed(tport))
    try:
        svc.wait_tcp(tport)
        send = lambda text: (lambda s: (s.sendall(text), s.close()))(socket.create_connection(("127.0.0.1", tport)))
        send(b"INFO one\n")
        assert wait_until(lambda: count_lines(svc.path("rest.log")) == 1, 10)
        os.rename(svc.path("rest.log"), svc.path("rest.log.1"))
        svc.p.send_signal(signal.SIGHUP)
        assert wait_until(lambda: '"sink_reopened"' in svc.stderr(), 10), svc.stderr()[-500:]
        send(b"INFO two\n")
        assert wait_until(lambda: count_lines(svc.path("rest.log")) == 1, 10)
        assert open(svc.path("rest.log.1"), "rb").read() == b"INFO one\n"
        assert open(svc.path("rest.log"), "rb").read() == b"INFO two\n"
        rc = svc.stop()
        assert rc == 0, f"exit code {rc}; stderr: {svc.stderr()[-600:]}"
    finally:
        svc.kill()


@cases.run
def second_sigterm_during_shutdown_exits_at_once_with_1():
    tport = free_port()
    svc = Service(EXE, routed(tport, shutdown_timeout_ms=20000))
    try:
        svc.wait_tcp(tport)
        held = socket.create_connection(("127.0.0.1", tport))  # keeps the graceful shutdown waiting
        held.sendall(b"INFO x\n")
        svc.p.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert svc.p.poll() is None, "exited although a peer was still connected"
        t0 = time.time()
        svc.p.send_signal(signal.SIGTERM)
        svc.p.wait(5)
        assert svc.p.returncode == 1 and time.time() - t0 < 2, svc.p.returncode
        held.close()
    finally:
        svc.kill()


sys.exit(cases.finish())
