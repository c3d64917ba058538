#!/usr/bin/env python3
"""TLS on the TCP source (syslog over TLS, RFC 5425): certificates made by the openssl
command line; clients are Python's ssl module, `openssl s_client` and rsyslog's omfwd
with the ossl stream driver (Debian rsyslog-openssl). A plaintext client, a client
without a certificate, one whose certificate another CA signed and one that never
handshakes are each refused, counted by reason and logged, while other clients go on;
SIGHUP loads a new certificate; bad TLS settings are configuration errors. One
Sightline for the file.

Usage: tls_test.py PATH_TO_SIGHTLINE
"""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from harness import Cases, Pki, Service, free_port, wait_until

EXE = os.path.abspath(sys.argv[1])
cases = Cases()
PKI = Pki()
pki_path, make_ca, make_cert = PKI.path, PKI.make_ca, PKI.make_cert


make_ca("ca")
make_ca("other_ca")
make_cert("server", "ca", san="IP:127.0.0.1")
make_cert("client", "ca")
make_cert("stranger", "other_ca")
# The certificate the source serves is a copy, replaced in the SIGHUP case.
shutil.copy(pki_path("server.pem"), pki_path("live.pem"))
shutil.copy(pki_path("server.key"), pki_path("live.key"))

open_port, mutual_port = free_port(), free_port()
TLS = {"cert_file": pki_path("live.pem"), "key_file": pki_path("live.key"), "handshake_timeout_ms": 800}
config = {
    "sources": [
        {"type": "tcp", "id": "tls_in", "listen": f"127.0.0.1:{open_port}", "framing": "auto", "tls": TLS},
        {"type": "tcp", "id": "mutual_in", "listen": f"127.0.0.1:{mutual_port}", "framing": "octet_counted",
         "tls": {**TLS, "ca_file": pki_path("ca.pem"), "verify_client": True}},
    ],
    "processors": [{"type": "tagger", "id": "pass"}],
    "sinks": [{"type": "file", "id": "out", "path": "out.log", "flush_interval_ms": 50}],
}
svc = Service(EXE, config)
svc.wait_http()
svc.wait_tcp(open_port)


def client_context(cert=None):
    return PKI.client_context(cert=cert)


def send_tls(port, data, cert=None):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with client_context(cert).wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(data)
            return s.getpeercert(binary_form=True)


def out_lines():
    try:
        with open(svc.path("out.log"), "rb") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def figures(source):
    return svc.stats()["sources"][source]


def wait_lines(want, timeout=15):
    assert wait_until(lambda: set(want) <= set(out_lines()), timeout), (want[:3], out_lines()[-5:])


def log_records(event):
    return [r for r in (json.loads(l) for l in svc.stderr().splitlines() if l.startswith("{")) if r.get("event") == event]


@cases.run
def python_ssl_client_lines_arrive_exactly():
    lines = [f"python line {i}".encode() for i in range(1000)]
    send_tls(open_port, b"\n".join(lines) + b"\n")
    wait_lines(lines)
    assert sum(1 for l in out_lines() if l.startswith(b"python line")) == 1000
    # /stats is the last tick's snapshot: wait for it to see the connection.
    assert wait_until(lambda: figures("tls_in")["tls_handshakes"] >= 1, 10), figures("tls_in")


@cases.run
def openssl_s_client_verifies_the_server_and_sends():
    p = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{open_port}", "-CAfile", pki_path("ca.pem"),
                        "-verify_return_error"],
                       input=b"s_client line one\ns_client line two\n", capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr[-500:]
    assert b"Verify return code: 0 (ok)" in p.stdout, p.stdout[-800:]
    wait_lines([b"s_client line one", b"s_client line two"])


@cases.run
def a_plaintext_client_is_counted_and_closed():
    before = figures("tls_in")
    with socket.create_connection(("127.0.0.1", open_port), timeout=10) as s:
        s.sendall(b"plain text on a TLS port\n")
        s.settimeout(10)
        try:
            while s.recv(4096):
                pass  # the server answers with a TLS alert, then closes
        except ConnectionResetError:
            pass
    assert wait_until(lambda: figures("tls_in")["tls_handshake_failures_not_tls"] == before["tls_handshake_failures_not_tls"] + 1, 10)
    assert b"plain text on a TLS port" not in out_lines()
    rec = [r for r in log_records("tls_handshake_failed") if r["reason"] == "not_tls"]
    assert rec and rec[-1]["source"] == "tls_in" and rec[-1]["peer"].startswith("127.0.0.1:"), rec


@cases.run
def a_silent_client_times_out_without_stalling_others():
    before = figures("tls_in")["tls_handshake_failures_timeout"]
    with socket.create_connection(("127.0.0.1", open_port), timeout=10) as silent:
        t0 = time.time()
        send_tls(open_port, b"while one is silent\n")  # served meanwhile
        silent.settimeout(10)
        assert silent.recv(1) == b""  # closed by the server at the deadline
        waited = time.time() - t0
    assert 0.5 < waited < 8, waited
    wait_lines([b"while one is silent"])
    assert wait_until(lambda: figures("tls_in")["tls_handshake_failures_timeout"] == before + 1, 10)


@cases.run
def client_certificates_are_verified():
    before = figures("mutual_in")
    # RFC 6587 octet counting over TLS, as RFC 5425 frames syslog.
    msg = b"<13>1 2026-12-01T00:00:00Z h app - - - mutual ok"
    send_tls(mutual_port, str(len(msg)).encode() + b" " + msg, cert="client")
    wait_lines([msg])
    for cert in (None, "stranger"):
        try:
            send_tls(mutual_port, b"5 hello", cert=cert)
            # TLS 1.3: the client learns of the refusal only on its next read.
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            pass
    assert wait_until(lambda: figures("mutual_in")["tls_handshake_failures_certificate"]
                      == before["tls_handshake_failures_certificate"] + 2, 10), figures("mutual_in")
    assert b"hello" not in out_lines()
    assert wait_until(lambda: figures("mutual_in")["tls_handshakes"] == before["tls_handshakes"] + 1, 10), figures("mutual_in")


@cases.run
def rsyslog_forwards_over_tls():
    work = tempfile.mkdtemp(prefix="sl-rsyslog-tls-")
    inport = free_port(socket.SOCK_DGRAM)
    with open(os.path.join(work, "rsyslog.conf"), "w") as f:
        f.write(f'''global(workDirectory="{work}"
       DefaultNetstreamDriver="ossl"
       DefaultNetstreamDriverCAFile="{pki_path('ca.pem')}"
       DefaultNetstreamDriverCertFile="{pki_path('client.pem')}"
       DefaultNetstreamDriverKeyFile="{pki_path('client.key')}")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="{inport}")
action(type="omfwd" target="127.0.0.1" port="{mutual_port}" protocol="tcp" StreamDriver="ossl"
       StreamDriverMode="1" StreamDriverAuthMode="x509/certvalid" TCP_Framing="octet-counted"
       template="RSYSLOG_SyslogProtocol23Format")
''')
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(["rsyslogd", "-n", "-f", os.path.join(work, "rsyslog.conf"), "-i", os.path.join(work, "pid")],
                            stdout=subprocess.DEVNULL, stderr=err)
    try:
        def bound():
            with open("/proc/net/udp") as f:
                return any(int(l.split()[1].split(":")[1], 16) == inport for l in f.readlines()[1:])
        assert wait_until(lambda: proc.poll() is None and bound(), 15), err.seek(0) or err.read()[-600:]
        for i in range(3):
            subprocess.run(["logger", "--udp", "--rfc3164", "-n", "127.0.0.1", "-P", str(inport), "-t", "tlsapp",
                            f"over tls {i}"], check=True, timeout=10)

        def arrived():
            return [l for l in out_lines() if b"tlsapp" in l and b"over tls" in l]
        if not wait_until(lambda: len(arrived()) == 3, 20):
            err.seek(0)
            raise AssertionError(f"rsyslog lines: {arrived()}; rsyslog said: {err.read()[-800:]}")
        assert [l.split(b"over tls ")[1] for l in arrived()] == [b"0", b"1", b"2"], arrived()
        assert all(l.startswith(b"<13>1 ") for l in arrived()), arrived()
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)


@cases.run
def sighup_loads_a_new_certificate():
    first = send_tls(open_port, b"before reload\n")
    make_cert("server2", "ca", san="IP:127.0.0.1")
    shutil.copy(pki_path("server2.pem"), pki_path("live.pem"))
    shutil.copy(pki_path("server2.key"), pki_path("live.key"))
    reloads = figures("tls_in")["tls_reloads"]
    svc.p.send_signal(signal.SIGHUP)
    assert wait_until(lambda: figures("tls_in")["tls_reloads"] == reloads + 1, 10)
    second = send_tls(open_port, b"after reload\n")
    with open(pki_path("server2.pem")) as f:
        assert second == ssl.PEM_cert_to_DER_cert(f.read()) and second != first
    wait_lines([b"before reload", b"after reload"])
    # A broken file: the reload fails, counted and logged, and the certificate in use stays.
    with open(pki_path("live.key"), "w") as f:
        f.write("not a key\n")
    failures = figures("tls_in")["tls_reload_failures"]
    svc.p.send_signal(signal.SIGHUP)
    assert wait_until(lambda: figures("tls_in")["tls_reload_failures"] == failures + 1, 10)
    assert send_tls(open_port, b"still served\n") == second
    assert log_records("tls_reload_failed")[-1]["source"] in ("tls_in", "mutual_in")
    shutil.copy(pki_path("server2.key"), pki_path("live.key"))


@cases.run
def bad_tls_settings_are_configuration_errors():
    d = tempfile.mkdtemp(prefix="sl-tls-cfg-")
    def check(tls):
        path = os.path.join(d, "c.json")
        with open(path, "w") as f:
            json.dump({"sources": [{"type": "tcp", "id": "t", "listen": "127.0.0.1:0", "tls": tls}],
                       "sinks": [{"type": "null", "id": "n"}]}, f)
        return subprocess.run([EXE, "--check", "--config", path], capture_output=True, text=True, timeout=30)
    p = check({"cert_file": pki_path("server.pem"), "verify_client": True, "colour": 1})
    assert p.returncode == 2, p
    for want in ["sources[0].tls.colour: unknown key", "sources[0].tls.key_file: is missing",
                 "sources[0].tls.verify_client: needs a ca_file"]:
        assert want in p.stderr + p.stdout, (want, p.stderr)
    # Valid in shape, but the key does not belong to the certificate: start-up fails (exit 1).
    path = os.path.join(d, "run.json")
    with open(path, "w") as f:
        json.dump({"sources": [{"type": "tcp", "id": "t", "listen": f"127.0.0.1:{free_port()}",
                                "tls": {"cert_file": pki_path("server.pem"), "key_file": pki_path("client.key")}}],
                   "sinks": [{"type": "null", "id": "n"}], "http": {"enabled": False}}, f)
    p = subprocess.run([EXE, "--config", path], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert f"source t: tls key_file {pki_path('client.key')}: key values mismatch" in p.stderr, p.stderr
    with open(path, "w") as f:
        json.dump({"sources": [{"type": "tcp", "id": "t", "listen": f"127.0.0.1:{free_port()}",
                                "tls": {"cert_file": os.path.join(d, "missing.pem"), "key_file": pki_path("client.key")}}],
                   "sinks": [{"type": "null", "id": "n"}], "http": {"enabled": False}}, f)
    p = subprocess.run([EXE, "--config", path], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and f"source t: tls cert_file {os.path.join(d, 'missing.pem')}: " in p.stderr, p.stderr


@cases.run
def accounting_holds():
    # Every line a client sent over TLS (and none of the refused ones) is in the file once.
    def balanced():
        s = svc.stats()
        lines_in = sum(src["lines"] for src in s["sources"].values())
        return lines_in if lines_in == s["sinks"]["out"]["lines"] == len(out_lines()) else None
    assert wait_until(balanced, 10), (svc.stats()["sources"], svc.stats()["sinks"]["out"], len(out_lines()))
    assert len(set(out_lines())) == len(out_lines())


svc.p.terminate()
svc.p.wait(timeout=30)
report = svc.sanitizer_report()
if report:
    print(f"FAIL sanitizer: {report}")
    cases.failed += 1
sys.exit(cases.finish())
