#!/usr/bin/env python3
"""Real syslog senders, not hand-made bytes: util-linux logger (RFC 3164 and 5424, TCP
and UDP, octet-counted and newline), rsyslog forwarding with omfwd (octet-counted and
traditional framing) and syslog-ng's network() and syslog() destinations. Each delivers
a known set of messages to a Sightline that auto-detects framing and runs parse_syslog;
every message must come out of the json sink once per path, with exactly its fields.

rsyslog comes from Debian and syslog-ng-core is unpacked into build/peers/syslog-ng
(scripts/peers.sh, run by the test command). The daemons are started once each.

Usage: syslog_senders_test.py PATH_TO_SIGHTLINE
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

from harness import Cases, Service, free_port, wait_until

EXE = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYSLOG_NG = os.environ.get("SIGHTLINE_SYSLOG_NG", os.path.join(ROOT, "build", "peers", "syslog-ng"))
HOST = socket.gethostname()
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$")
cases = Cases()

# One Sightline for the whole file: a TCP source per path (framing auto everywhere, so
# detection is what is tested) and one UDP source.
PATHS = ["logger_tcp", "rsyslog_octet", "rsyslog_plain", "sng_network", "sng_syslog"]
ports = {p: free_port() for p in PATHS}
udp_port = free_port(socket.SOCK_DGRAM)
config = {
    "sources": [{"type": "tcp", "id": p, "listen": f"127.0.0.1:{ports[p]}", "framing": "auto"} for p in PATHS]
    + [{"type": "udp", "id": "logger_udp", "listen": f"127.0.0.1:{udp_port}"}],
    "processors": [{"type": "parse_syslog", "id": "syslog"}],
    "sinks": [{"type": "file", "id": "out", "path": "out.json", "format": "json", "include": ["source"],
               "flush_interval_ms": 50}],
    "dead_letter": {"path": "dead.jsonl"},
}
svc = Service(EXE, config)
svc.wait_http()
for _p in PATHS:
    svc.wait_tcp(ports[_p])


def events():
    try:
        with open(svc.path("out.json")) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def from_source(source, count, timeout=15):
    got = wait_until(lambda: (lambda e: e if len(e) >= count else None)(
        [e for e in events() if e["source"] == source]), timeout)
    assert got and len(got) == count, f"{source}: {got}; stderr: {svc.stderr()[-600:]}"
    return got


def check_event(e, expected):
    """Exact fields: everything but the timestamp, which must be RFC 3339."""
    ts = e.pop("timestamp", None)
    assert ts and RFC3339.match(ts), (ts, e)
    assert e == expected, f"\n got {e}\nwant {expected}"


def logger(*args):
    subprocess.run(["logger", "-n", "127.0.0.1", *args], check=True, timeout=10)


@cases.run
def logger_rfc5424_and_rfc3164_over_tcp_and_udp():
    logger("--tcp", "--octet-count", "--rfc5424=notq", "-P", str(ports["logger_tcp"]), "-t", "billing", "-p", "auth.err",
           "card declined")
    logger("--tcp", "--rfc3164", "-P", str(ports["logger_tcp"]), "-t", "app", "-p", "local3.warning", "over tcp newline")
    logger("--udp", "--rfc3164", "-P", str(udp_port), "-t", "cron", "-p", "cron.info", "job done")
    logger("--udp", "--rfc5424=notq", "--sd-id", "zoo@123", "--sd-param", 'tiger="hungry"', "--msgid", "M1", "--id=4242",
           "-P", str(udp_port), "-t", "zoo", "-p", "daemon.notice", "sd msg")
    tcp = sorted(from_source("logger_tcp", 2), key=lambda e: e["app"])
    check_event(tcp[0], {"facility": "local3", "severity": "warning", "host": HOST, "app": "app",
                         "message": "over tcp newline", "source": "logger_tcp"})
    check_event(tcp[1], {"facility": "auth", "severity": "err", "host": HOST, "app": "billing", "message": "card declined",
                         "source": "logger_tcp"})
    udp = sorted(from_source("logger_udp", 2), key=lambda e: e["app"])
    check_event(udp[0], {"facility": "cron", "severity": "info", "host": HOST, "app": "cron", "message": "job done",
                         "source": "logger_udp"})
    check_event(udp[1], {"facility": "daemon", "severity": "notice", "host": HOST, "app": "zoo", "procid": "4242",
                         "msgid": "M1", "sd.zoo@123.tiger": "hungry", "message": "sd msg", "source": "logger_udp"})


def udp_bound(port):
    """True once something listens on UDP `port` of 127.0.0.1 (/proc/net/udp)."""
    with open("/proc/net/udp") as f:
        return any(int(line.split()[1].split(":")[1], 16) == port for line in f.readlines()[1:])


MESSAGES = [("billing", "auth.err", "card declined"), ("cron", "cron.info", "job done"),
            ("web", "local7.debug", "GET /index.html 200")]


def forward_known_messages(argv, work, inport, sources, env=None):
    """Runs a syslog daemon that listens on UDP `inport` and forwards to Sightline, sends
    it MESSAGES with logger (RFC 3164) once it listens, and returns, per Sightline source,
    the events that arrived by app. The daemon is stopped and its folder removed."""
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)

    def daemon_stderr():
        err.seek(0)
        return err.read()[-600:].decode(errors="replace")
    try:
        assert wait_until(lambda: proc.poll() is None and udp_bound(inport), 15), \
            f"{os.path.basename(argv[0])} never listened: {daemon_stderr()}"
        for app, pri, msg in MESSAGES:
            logger("--udp", "--rfc3164", "-P", str(inport), "-t", app, "-p", pri, msg)
        try:
            return {s: {e["app"]: e for e in from_source(s, 3)} for s in sources}
        except AssertionError as e:
            raise AssertionError(f"{e}; {os.path.basename(argv[0])} said: {daemon_stderr()}") from None
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


@cases.run
def rsyslog_omfwd_octet_counted_and_traditional():
    work = tempfile.mkdtemp(prefix="sl-rsyslog-")
    inport = free_port(socket.SOCK_DGRAM)
    with open(os.path.join(work, "rsyslog.conf"), "w") as f:
        f.write(f'''global(workDirectory="{work}")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="{inport}")
action(type="omfwd" target="127.0.0.1" port="{ports['rsyslog_octet']}" protocol="tcp"
       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
action(type="omfwd" target="127.0.0.1" port="{ports['rsyslog_plain']}" protocol="tcp" template="RSYSLOG_ForwardFormat")
''')
    got = forward_known_messages(["rsyslogd", "-n", "-f", os.path.join(work, "rsyslog.conf"), "-i",
                                  os.path.join(work, "pid")], work, inport, ["rsyslog_octet", "rsyslog_plain"])
    for app, pri, msg in MESSAGES:
        facility, severity = pri.split(".")
        # %msg% of a 3164 message keeps the space after the tag: RFC 5424's MSG has it.
        check_event(got["rsyslog_octet"][app], {"facility": facility, "severity": severity, "host": HOST, "app": app,
                                                "message": " " + msg, "source": "rsyslog_octet"})
        check_event(got["rsyslog_plain"][app], {"facility": facility, "severity": severity, "host": HOST, "app": app,
                                                "message": msg, "source": "rsyslog_plain"})


@cases.run
def syslog_ng_network_and_syslog_destinations():
    exe = os.path.join(SYSLOG_NG, "usr", "sbin", "syslog-ng")
    assert os.access(exe, os.X_OK), f"{exe} missing: scripts/peers.sh unpacks it"
    work = tempfile.mkdtemp(prefix="sl-syslog-ng-")
    inport = free_port(socket.SOCK_DGRAM)
    with open(os.path.join(work, "syslog-ng.conf"), "w") as f:
        f.write(f'''@version: 3.38
options {{ keep-hostname(yes); chain-hostnames(no); }};
source s_in {{ network(ip("127.0.0.1") port({inport}) transport("udp")); }};
destination d_network {{ network("127.0.0.1" port({ports['sng_network']}) transport("tcp")); }};
destination d_syslog {{ syslog("127.0.0.1" port({ports['sng_syslog']}) transport("tcp")); }};
log {{ source(s_in); destination(d_network); destination(d_syslog); }};
''')
    lib = os.path.join(SYSLOG_NG, "usr", "lib", "syslog-ng")
    argv = [exe, "-F", "-f", os.path.join(work, "syslog-ng.conf"), f"--module-path={lib}/3.38",
            "-R", os.path.join(work, "persist"), "-c", os.path.join(work, "ctl"), "-p", os.path.join(work, "pid"),
            "--no-caps"]
    got = forward_known_messages(argv, work, inport, ["sng_network", "sng_syslog"],
                                 env={**os.environ, "LD_LIBRARY_PATH": lib})
    for app, pri, msg in MESSAGES:
        facility, severity = pri.split(".")
        for path in ("sng_network", "sng_syslog"):
            check_event(got[path][app], {"facility": facility, "severity": severity, "host": HOST, "app": app,
                                         "message": msg, "source": path})


@cases.run
def default_config_parses_syslog_and_json_routes_on_severity_writes_json():
    """conf/sightline.json as shipped, on free loopback ports: README's first example."""
    with open(os.path.join(ROOT, "conf", "sightline.json")) as f:
        cfg = json.load(f)
    tport, uport = free_port(), free_port(socket.SOCK_DGRAM)
    cfg["sources"][0]["listen"] = f"127.0.0.1:{tport}"
    cfg["sources"][1]["listen"] = f"127.0.0.1:{uport}"
    for s in cfg["sinks"]:
        s["flush_interval_ms"] = 50
    del cfg["http"]
    d = Service(EXE, cfg)
    try:
        d.wait_tcp(tport)
        logger("--tcp", "--octet-count", "--rfc5424", "-P", str(tport), "-t", "billing", "-p", "auth.err", "card declined")
        logger("--udp", "--rfc3164", "-P", str(uport), "-t", "cron", "job done")
        with socket.create_connection(("127.0.0.1", tport)) as s:
            s.sendall(b'{"level":"warn","user":"bob","latency_ms":812,"msg":"slow"}\n')
            s.sendall(b"plain ERROR line\nplain line\n")

        def read(name):
            try:
                with open(d.path(os.path.join("sightline-data", name))) as f:
                    return [json.loads(line) for line in f]
            except FileNotFoundError:
                return []
        assert wait_until(lambda: len(read("errors.json")) == 2 and len(read("warnings.json")) == 1
                          and len(read("rest.json")) == 2, 15), (read("errors.json"), read("warnings.json"),
                                                                  read("rest.json"), d.stderr()[-500:])
        errors = sorted(read("errors.json"), key=lambda e: e["message"])
        card = errors[0]
        assert card["received_at"] and card.pop("timestamp") and card.pop("received_at")
        # logger --rfc5424 adds its timeQuality structured data.
        tq = {k: card.pop(k) for k in list(card) if k.startswith("sd.timeQuality.")}
        assert tq.get("sd.timeQuality.tzKnown") == "1", tq
        assert card == {"facility": "auth", "severity": "err", "host": HOST, "app": "billing",
                        "message": "card declined", "source": "tcp_in"}, card
        plain = errors[1]
        plain.pop("received_at")
        assert plain == {"message": "plain ERROR line", "source": "tcp_in"}, plain
        warn = read("warnings.json")[0]
        warn.pop("received_at")
        assert warn == {"severity": "warn", "user": "bob", "latency_ms": 812, "msg": "slow",
                        "message": '{"level":"warn","user":"bob","latency_ms":812,"msg":"slow"}',
                        "source": "tcp_in"}, warn
        rest = sorted(read("rest.json"), key=lambda e: e["message"])
        assert [e["message"] for e in rest] == ["job done", "plain line"], rest
        assert rest[0]["facility"] == "user" and rest[0]["severity"] == "notice" and rest[0]["app"] == "cron", rest[0]
    finally:
        assert d.stop() == 0


@cases.run
def accounting_holds_and_nothing_failed():
    st = svc.stats()
    total = sum(s["lines"] for s in st["sources"].values())
    assert total == 2 + 2 + 3 * 4, st["sources"]
    stage = st["processors"]["syslog"]
    assert stage["lines_in"] == total and stage["lines_out"] == total and stage["errors"] == 0, stage
    assert stage["parse_failures"] == {}, stage
    assert all(s.get("bad_frames", 0) == 0 for s in st["sources"].values()), st["sources"]
    assert len(events()) == total


rc = svc.stop()
status = cases.finish()
sys.exit(1 if status or rc != 0 else 0)
