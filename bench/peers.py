"""The systems under test for run_peers.py: Sightline, rsyslog, syslog-ng and the raw
limit (sightline_bench sink). Each runs as an unprivileged process (user nobody when
started as root), on a loopback port, with its config from bench/peers/ filled in.
Every child is killed when this process exits, however it exits (PR_SET_PDEATHSIG,
and an atexit/SIGTERM sweep), so nothing is left running."""
import atexit
import ctypes
import json
import os
import signal
import subprocess
import sys

from bench_lib import free_port, http, port_bound, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "peers")
NOBODY = 65534
OUTPUTS = {"file": ["out.log"], "route": ["errors.log", "warnings.log", "rest.log"],
           "syslog": ["errors.json", "warnings.json", "rest.json"], "json": ["out.json"]}
# The Sightline config of each scenario kind ("route" is bench/tcp.json).
SIGHTLINE_CONFIGS = {"file": "sightline-file.json", "syslog": "sightline-syslog.json", "json": "sightline-json.json"}

_libc = ctypes.CDLL(None, use_errno=True)
_children = set()


def die_with_parent():
    """For preexec_fn: the child is killed when this process dies, even by SIGKILL."""
    _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _drop_privileges_and_die_with_parent():
    # Runs in the child between fork and exec. The death signal is set after setuid,
    # which would clear it.
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    die_with_parent()


def _kill_all():
    for p in list(_children):
        if p.poll() is None:
            p.kill()
            p.wait(10)


atexit.register(_kill_all)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def make_work_dir(path):
    """A folder the unprivileged systems can write to."""
    os.makedirs(path)
    if os.getuid() == 0:
        os.chown(path, NOBODY, NOBODY)
    return path


def fill(template, **values):
    """A template of bench/peers/ with each @KEY@ replaced by values[key]."""
    with open(os.path.join(PEERS, template)) as f:
        return fill_values(f.read(), **values)


def fill_values(text, **values):
    for key, value in values.items():
        text = text.replace(f"@{key.upper()}@", str(value))
    return text


class Running:
    """One started system: its process, the files it writes and how to stop it."""

    def __init__(self, argv, work, outputs, port, proto, env=None, hport=None):
        self.work, self.port, self.proto, self.hport = work, port, proto, hport
        self.outputs = [os.path.join(work, o) for o in outputs]
        self.stderr = open(os.path.join(work, "stderr.log"), "w")
        self.proc = subprocess.Popen(argv, cwd=work, env=env, stdout=subprocess.PIPE, stderr=self.stderr,
                                     stdin=subprocess.DEVNULL, preexec_fn=_drop_privileges_and_die_with_parent)
        _children.add(self.proc)

    @property
    def pid(self):
        return self.proc.pid

    def wait_ready(self, timeout=20):
        ok = wait_until(lambda: self.proc.poll() is None and port_bound(self.port, self.proto), timeout, 0.02)
        if ok and self.hport:
            ok = wait_until(lambda: http(self.hport, "/live", timeout=1)[0] == 200, timeout)
        if not ok:
            why = self.stderr_tail()
            self.stop()
            raise RuntimeError(f"{os.path.basename(self.proc.args[0])} did not start: {why}")

    def stderr_tail(self):
        self.stderr.flush()
        with open(self.stderr.name, errors="replace") as f:
            return f.read()[-600:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        _children.discard(self.proc)
        self.stderr.close()


def start_sightline(build, scenario, proto, work, trace_args=()):
    """tcp|udp -> tagger -> file (scenario "file"), bench/tcp.json's tagger -> tag_router
    -> 3 files ("route"), parse_syslog -> route on severity -> 3 JSON files ("syslog") or
    parse_json -> filter on a field -> a JSON file ("json"); metrics and HTTP on."""
    port, hport = free_port(), free_port()
    config = os.path.join(PEERS, SIGHTLINE_CONFIGS[scenario]) if scenario in SIGHTLINE_CONFIGS else os.path.join(HERE, "tcp.json")
    with open(config) as f:
        cfg = json.load(f)
    source = cfg["sources"][0]
    cfg["sources"] = [{**source, "type": proto, "id": "in", "listen": f"127.0.0.1:{port}"}]
    if proto != "tcp":
        cfg["sources"][0].pop("framing", None)
    cfg["http"]["listen"] = f"127.0.0.1:{hport}"
    with open(os.path.join(work, "config.json"), "w") as f:
        json.dump(cfg, f)
    argv = [os.path.join(build, "sightline"), "--config", "config.json", "--log-level", "warn", *trace_args]
    return Running(argv, work, OUTPUTS[scenario], port, proto, hport=hport)


def start_rsyslog(scenario, proto, work):
    port = free_port()
    conf = fill("rsyslog.conf", input=fill(f"rsyslog-{proto}.conf"), actions=fill(f"rsyslog-{scenario}.conf"))
    with open(os.path.join(work, "rsyslog.conf"), "w") as f:
        f.write(fill_values(conf, work=work, port=port))
    argv = ["rsyslogd", "-n", "-f", os.path.join(work, "rsyslog.conf"), "-i", os.path.join(work, "rsyslog.pid")]
    return Running(argv, work, OUTPUTS[scenario], port, proto)


def start_syslog_ng(root, scenario, proto, work):
    """`root` is where the syslog-ng-core package was unpacked (dpkg -x)."""
    port = free_port()
    # The syslog scenario's actions bring their own source (one that parses RFC 5424).
    source = "" if scenario == "syslog" else fill(f"syslog-ng-{proto}.conf")
    conf = fill("syslog-ng.conf", input=source, actions=fill(f"syslog-ng-{scenario}.conf"))
    with open(os.path.join(work, "syslog-ng.conf"), "w") as f:
        f.write(fill_values(conf, work=work, port=port))
    lib = os.path.join(root, "usr", "lib", "syslog-ng")
    argv = [os.path.join(root, "usr", "sbin", "syslog-ng"), "-F", "-f", os.path.join(work, "syslog-ng.conf"),
            f"--module-path={os.path.join(lib, '3.38')}", "-R", os.path.join(work, "persist"),
            "-c", os.path.join(work, "ctl"), "-p", os.path.join(work, "syslog-ng.pid"), "--no-caps"]
    return Running(argv, work, OUTPUTS[scenario], port, proto, env={**os.environ, "LD_LIBRARY_PATH": lib})


def start_raw_sink(build, work, connections, write_file=False):
    """The raw limit: counts newlines and discards them, or appends them to out.log;
    says its port on its first line."""
    argv = [os.path.join(build, "sightline_bench"), "sink", "--port", "0", "--connections", str(connections)]
    if write_file:
        argv += ["--out", "out.log"]
    running = Running(argv, work, OUTPUTS["file"] if write_file else [], 0, "tcp")
    running.port = json.loads(running.proc.stdout.readline())["port"]
    return running

