"""Shared helpers for the integration tests: run the built binary as a service on
random free ports of 127.0.0.1, talk HTTP and WebSocket to it, and count results.
Every wait is bounded in time."""
import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(fn, timeout=10.0, step=0.02):
    """Polls fn until it returns a true value or `timeout` seconds pass; returns the last value."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = fn()
            if last:
                return last
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(step)
    return last


def http(port, path, method="GET", headers=None, timeout=5, tls=None):
    """GET (or `method`) http://127.0.0.1:port/path, or https:// with the ssl.SSLContext `tls`."""
    scheme = "https" if tls else "http"
    req = urllib.request.Request(f"{scheme}://127.0.0.1:{port}{path}", method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=tls) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def count_lines(path):
    if not os.path.exists(path):
        return 0
    with open(path, "rb") as f:
        return f.read().count(b"\n")


class Service:
    """A running sightline: config written to a temp dir, stdout/stderr captured."""

    def __init__(self, exe, config, args=(), http_port=None, push_ms=100, tls=None):
        """`tls`: the ssl.SSLContext to reach an HTTPS server with (its config's http.tls)."""
        self.dir = tempfile.mkdtemp(prefix="sl-svc-")
        self.hport = http_port or free_port()
        self.tls = tls
        config.setdefault("http", {"enabled": True, "listen": f"127.0.0.1:{self.hport}", "push_interval_ms": push_ms})
        self.cfg = self.path("config.json")
        with open(self.cfg, "w") as f:
            json.dump(config, f)
        self.err = open(self.path("stderr.log"), "w")
        self.p = subprocess.Popen([os.path.abspath(exe), "--config", self.cfg, "--log-format", "json", *args], cwd=self.dir,
                                  stdout=subprocess.DEVNULL, stderr=self.err)

    def path(self, name):
        return os.path.join(self.dir, name)

    def stderr(self):
        self.err.flush()
        with open(self.path("stderr.log"), errors="replace") as f:
            return f.read()

    def wait_http(self, timeout=15):
        ok = wait_until(lambda: http(self.hport, "/stats", timeout=1, tls=self.tls)[0] == 200, timeout)
        assert ok, f"HTTP never answered; stderr: {self.stderr()[-800:]}"

    def wait_tcp(self, port, timeout=15):
        def conn():
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        assert wait_until(conn, timeout), f"TCP {port} never accepted; stderr: {self.stderr()[-800:]}"

    def stats(self):
        st, _, body = http(self.hport, "/stats", tls=self.tls)
        assert st == 200, st
        return json.loads(body)

    def sanitizer_report(self):
        """The first sanitizer finding in the service's stderr, if any (sanitized builds)."""
        text = self.stderr()
        for marker in ("ERROR: AddressSanitizer", "WARNING: ThreadSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            at = text.find(marker)
            if at >= 0:
                return text[at:at + 1500]
        return None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                raise AssertionError(f"did not exit {timeout}s after signal {sig}")
        report = self.sanitizer_report()
        assert report is None, report
        return self.p.returncode

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        report = self.sanitizer_report()
        assert report is None, report


class WebSocket:
    """A minimal RFC 6455 client: enough to upgrade, read text frames and close."""

    def __init__(self, port, path="/ws", timeout=5, tls=None, headers=None):
        """`tls`: an ssl.SSLContext for wss:// ; `headers`: extra upgrade headers (Origin)."""
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls:
            self.s = tls.wrap_socket(self.s, server_hostname="127.0.0.1")
        key = base64.b64encode(os.urandom(16)).decode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                        f"{extra}\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.s.recv(4096)
            assert chunk, "connection closed during the handshake"
            head += chunk
        self.status_line = head.split(b"\r\n", 1)[0]
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """The next text message as parsed JSON (control frames skipped, fragments joined)."""
        message = b""
        while True:
            b0, b1 = self._read(2)
            fin, opcode, length = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            if opcode == 0x8:
                raise EOFError("close frame")
            if opcode in (0x1, 0x0):
                message += payload
                if fin:
                    return json.loads(message)

    def send_text(self, text):
        data = text.encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(data) < 126:
            header += bytes([0x80 | len(data)])
        elif len(data) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(data))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(data))
        self.s.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def close(self):
        self.s.close()


class NatsServer:
    """One nats-server with JetStream (optionally a node of a cluster)."""

    def __init__(self, name, port=None, cluster_port=None, routes=(), tls=None):
        """`tls`: (cert_file, key_file): clients must speak TLS (url is then tls://)."""
        self.name = name
        self.port = port or free_port()
        self.tls = tls
        self.dir = tempfile.mkdtemp(prefix=f"sl-nats-{name}-")
        conf = [f"server_name: {name}", f"listen: 127.0.0.1:{self.port}",
                f'jetstream {{ store_dir: "{self.dir}/js" }}']
        if tls:
            conf.append(f'tls {{ cert_file: "{tls[0]}", key_file: "{tls[1]}" }}')
        if cluster_port:
            conf.append("cluster { name: c1, listen: 127.0.0.1:%d, routes: [%s] }" %
                        (cluster_port, ", ".join(f"nats://127.0.0.1:{r}" for r in routes)))
        self.conf = os.path.join(self.dir, "nats.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(conf) + "\n")
        self.p = None
        self.start()

    @property
    def url(self):
        return f"{'tls' if self.tls else 'nats'}://127.0.0.1:{self.port}"

    def start(self):
        self.log = open(os.path.join(self.dir, "server.log"), "a")
        self.p = subprocess.Popen(["nats-server", "-c", self.conf], stdout=self.log, stderr=subprocess.STDOUT)

        def up():
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        assert wait_until(up, 15), open(self.log.name).read()[-800:]

    def kill(self):
        self.p.kill()
        self.p.wait()

    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Pki:
    """Test certificates made by the openssl command line in a temp folder: CAs, servers
    (with a subjectAltName) and clients, P-256 keys valid for two days."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sl-pki-")

    def path(self, name):
        return os.path.join(self.dir, name)

    @staticmethod
    def openssl(*args):
        p = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, (args, p.stderr)
        return p.stdout

    def make_ca(self, name):
        self.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                     "-subj", f"/CN={name}", "-keyout", self.path(f"{name}.key"), "-out", self.path(f"{name}.pem"))

    def make_cert(self, name, ca, san=None):
        """A certificate for `name` signed by `ca` (a server one when `san` is given)."""
        self.openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={name}",
                     "-keyout", self.path(f"{name}.key"), "-out", self.path(f"{name}.csr"))
        ext = self.path(f"{name}.ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName={san}\n" if san else "extendedKeyUsage=clientAuth\n")
        self.openssl("x509", "-req", "-in", self.path(f"{name}.csr"), "-CA", self.path(f"{ca}.pem"), "-CAkey",
                     self.path(f"{ca}.key"), "-CAcreateserial", "-days", "2", "-extfile", ext, "-out",
                     self.path(f"{name}.pem"))

    def client_context(self, ca="ca", cert=None):
        """An ssl.SSLContext trusting `ca` (and offering the client certificate `cert`)."""
        import ssl
        ctx = ssl.create_default_context(cafile=self.path(f"{ca}.pem"))
        if cert:
            ctx.load_cert_chain(self.path(f"{cert}.pem"), self.path(f"{cert}.key"))
        return ctx

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Cases:
    """Runs test functions, prints one line each and the closing 'N passed, N failed'."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, fn):
        only = os.environ.get("SIGHTLINE_ONLY")  # run one case by name while debugging
        if only and fn.__name__ != only:
            return fn
        t0 = time.time()
        try:
            fn()
            self.passed += 1
            print(f"ok   {fn.__name__} ({time.time() - t0:.1f}s)", flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            self.failed += 1
            print(f"FAIL {fn.__name__}: {type(e).__name__}: {e}", flush=True)

    def run_if(self, condition):
        """@cases.run_if(cond): runs the case when cond holds, else prints it as skipped."""
        def decorate(fn):
            if condition:
                return self.run(fn)
            print(f"skip {fn.__name__}", flush=True)
            return fn
        return decorate

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


class ClickHouse:
    """Debian's clickhouse-server on loopback ports, in a temp folder."""

    def __init__(self, tls=None):
        """`tls`: (cert_file, key_file) to serve HTTPS too, on self.https_port."""
        self.dir = tempfile.mkdtemp(prefix="sl-clickhouse-")
        self.port, tcp_port = free_port(), free_port()
        self.https_port = free_port() if tls else None
        https = ""
        if tls:
            https = (f"<https_port>{self.https_port}</https_port><openSSL><server><certificateFile>{tls[0]}"
                     f"</certificateFile><privateKeyFile>{tls[1]}</privateKeyFile><verificationMode>none"
                     "</verificationMode><loadDefaultCAFile>false</loadDefaultCAFile><cacheSessions>false"
                     "</cacheSessions><preferServerCiphers>true</preferServerCiphers></server></openSSL>")
        with open(os.path.join(self.dir, "users.xml"), "w") as f:
            f.write("""<yandex><profiles><default></default></profiles>
<users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile>
<quota>default</quota></default></users><quotas><default></default></quotas></yandex>""")
        with open(os.path.join(self.dir, "config.xml"), "w") as f:
            f.write(f"""<yandex><logger><level>warning</level><console>1</console></logger>
<http_port>{self.port}</http_port><tcp_port>{tcp_port}</tcp_port><listen_host>127.0.0.1</listen_host>
<path>{self.dir}/data/</path><tmp_path>{self.dir}/tmp/</tmp_path><users_config>{self.dir}/users.xml</users_config>
<mark_cache_size>5368709</mark_cache_size>{https}</yandex>""")
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.p = subprocess.Popen(["clickhouse-server", f"--config-file={self.dir}/config.xml"], cwd=self.dir,
                                  stdout=self.log, stderr=subprocess.STDOUT)
        assert wait_until(lambda: self.query("SELECT 1") == "1", 60, 0.2), open(self.log.name).read()[-1000:]

    def query(self, sql):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/", data=sql.encode(), method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read().decode().strip()

    def insert_url(self, table, https=False):
        base = f"https://127.0.0.1:{self.https_port}" if https else f"http://127.0.0.1:{self.port}"
        return base + "/?" + urllib.parse.urlencode({"query": f"INSERT INTO {table} FORMAT JSONEachRow"})

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Alertmanager:
    """Debian's prometheus-alertmanager on a loopback port, with a config that routes
    everything to a receiver that discards it (the alerts stay queryable)."""

    def __init__(self, exe="prometheus-alertmanager", tls=None, client_tls=None):
        """`tls`: (cert_file, key_file) to serve HTTPS (--web.config.file); `client_tls`:
        the ssl.SSLContext this harness then reaches it with."""
        self.dir = tempfile.mkdtemp(prefix="sl-am-")
        self.port = free_port()
        self.tls = client_tls
        cfg = os.path.join(self.dir, "alertmanager.yml")
        with open(cfg, "w") as f:
            f.write("route:\n  receiver: discard\n  group_wait: 1s\nreceivers:\n  - name: discard\n")
        web = []
        if tls:
            web_cfg = os.path.join(self.dir, "web.yml")
            with open(web_cfg, "w") as f:
                f.write(f"tls_server_config:\n  cert_file: {tls[0]}\n  key_file: {tls[1]}\n")
            web = [f"--web.config.file={web_cfg}"]
        self.err = open(os.path.join(self.dir, "stderr.log"), "w")
        self.p = subprocess.Popen([exe, f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{self.port}",
                                   f"--storage.path={self.dir}", "--cluster.listen-address=", *web],
                                  stdout=subprocess.DEVNULL, stderr=self.err)
        ok = wait_until(lambda: http(self.port, "/-/ready", timeout=1, tls=self.tls)[0] == 200, 20)
        assert ok, f"Alertmanager did not start: {open(self.err.name).read()[-800:]}"

    def alerts(self, name):
        st, _, body = http(self.port, "/api/v2/alerts", tls=self.tls)
        assert st == 200, st
        return [a for a in json.loads(body) if a["labels"].get("alertname") == name]

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
