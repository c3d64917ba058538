#!/usr/bin/env python3
"""The Debian package: cpack builds sightline_<version>_amd64.deb from this build tree,
lintian finds no error in it, `dpkg -i` installs it on this machine, the installed
binary runs on the installed configuration (syslog in, JSON out, the dashboard and its
npm libraries served from /usr/share/sightline), `systemd-analyze verify` accepts the
unit, the bash completion loads, and `dpkg -r` / `dpkg -P` remove it again (the
conffile kept until purge). Needs root (dpkg); ends with the package purged.

Usage: package_test.py PATH_TO_SIGHTLINE BUILD_DIR
"""
import glob
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

from harness import Cases, http, wait_until

EXE, BUILD = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
if os.geteuid() != 0:
    print("SKIP: dpkg -i needs root")
    sys.exit(77)
cases = Cases()
VERSION = subprocess.run([EXE, "--version"], capture_output=True, text=True).stdout.split()[-1]
DEB = os.path.join(BUILD, "package", f"sightline_{VERSION}_amd64.deb")
CONF = "/etc/sightline/sightline.json"


def sh(*cmd, check=True, **kw):
    p = subprocess.run(list(cmd), capture_output=True, text=True, timeout=600, **kw)
    if check:
        assert p.returncode == 0, (cmd, p.returncode, p.stdout[-2000:], p.stderr[-2000:])
    return p


def installed():
    p = sh("dpkg-query", "-W", "-f=${db:Status-Status}", "sightline", check=False)
    return p.returncode == 0 and p.stdout != "not-installed" and p.stdout != ""


def purge():
    if installed():
        sh("dpkg", "--purge", "sightline")


purge()  # left over by an interrupted run


@cases.run
def cpack_builds_the_deb():
    for old in glob.glob(os.path.join(BUILD, "package", "*.deb")):
        os.remove(old)
    sh("cpack", "-G", "DEB", cwd=BUILD)
    assert os.path.exists(DEB), os.listdir(os.path.join(BUILD, "package"))
    control = sh("dpkg-deb", "-f", DEB).stdout
    fields = dict(l.split(": ", 1) for l in control.splitlines() if ": " in l and not l.startswith(" "))
    assert (fields["Package"], fields["Version"], fields["Architecture"]) == ("sightline", VERSION, "amd64"), fields
    deps = [d.strip().split(" ")[0] for d in fields["Depends"].split(",")]
    for lib in ("libboost-json1.81.0", "libboost-log1.81.0", "libboost-program-options1.81.0", "libnats3.4", "zlib1g"):
        assert lib in deps, (lib, deps)
    files = {l.split()[-1].lstrip(".") for l in sh("dpkg-deb", "-c", DEB).stdout.splitlines()}
    for f in ("/usr/bin/sightline", "/lib/systemd/system/sightline.service", CONF,
              "/usr/share/sightline/static/index.html", "/usr/share/sightline/node_modules/uplot/dist/uPlot.esm.js",
              "/usr/share/sightline/node_modules/@dagrejs/dagre/dist/dagre.esm.js",
              "/usr/share/bash-completion/completions/sightline", "/usr/share/doc/sightline/copyright",
              "/usr/share/doc/sightline/changelog.gz", "/usr/share/sightline/conf/examples/tests/sightline.test.json"):
        assert f in files, f
    with tempfile.TemporaryDirectory() as d:
        sh("dpkg-deb", "-e", DEB, d)
        with open(os.path.join(d, "conffiles")) as f:
            assert f.read().split() == [CONF]
        for script in ("postinst", "prerm", "postrm"):
            assert os.stat(os.path.join(d, script)).st_mode & 0o777 == 0o755, script


@cases.run
def lintian_finds_no_error():
    p = sh("lintian", "--no-tag-display-limit", DEB, check=False)
    errors = [l for l in p.stdout.splitlines() if l.startswith("E:")]
    assert errors == [] and p.returncode == 0, (p.returncode, p.stdout, p.stderr)


def free(port, kind):
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


@cases.run
def installed_binary_runs_the_installed_configuration():
    sh("dpkg", "-i", DEB)
    assert installed()
    assert sh("/usr/bin/sightline", "--version").stdout.split()[-1] == VERSION
    assert sh("/usr/bin/sightline", "--check", "--config", CONF).stdout.startswith("configuration OK: 2 source(s)")
    # The unit as shipped: ExecStart names the installed binary and configuration.
    p = sh("systemd-analyze", "verify", "/lib/systemd/system/sightline.service", check=False)
    assert p.returncode == 0 and "sightline.service" not in p.stderr, (p.returncode, p.stderr)
    assert "ExecStart=/usr/bin/sightline --config /etc/sightline/sightline.json" in open(
        "/lib/systemd/system/sightline.service").read()
    # The shipped examples' tests pass with the installed binary.
    tests = sorted(glob.glob("/usr/share/sightline/conf/examples/tests/*.test.json"))
    assert len(tests) == 6 and sh("/usr/bin/sightline", "test", *tests).stdout.splitlines()[-1].startswith("10 cases in 6 files: 10 passed")
    # Run it as the unit would (the default configuration's ports: 5140 and 8000).
    assert free(5140, socket.SOCK_STREAM) and free(5140, socket.SOCK_DGRAM) and free(8000, socket.SOCK_STREAM), \
        "ports 5140 and 8000 must be free for the installed configuration"
    work = tempfile.mkdtemp(prefix="sl-package-")
    err = open(os.path.join(work, "stderr.log"), "w")
    p = subprocess.Popen(["/usr/bin/sightline", "--config", CONF, "--log-format", "json"], cwd=work,
                         stdout=subprocess.DEVNULL, stderr=err)
    try:
        assert wait_until(lambda: http(8000, "/health", timeout=1)[0] == 200, 20), open(err.name).read()[-800:]
        st, _, page = http(8000, "/")
        assert st == 200 and b"<title>Sightline" in page, (st, page[:200])
        st, headers, lib = http(8000, "/vendor/uplot.esm.js")
        with open("/usr/share/sightline/node_modules/uplot/dist/uPlot.esm.js", "rb") as f:
            assert st == 200 and lib == f.read(), st
        with socket.create_connection(("127.0.0.1", 5140)) as s:
            s.sendall(b"<11>1 2026-12-01T10:00:00Z web1 billing - - - card declined\n")
        out = os.path.join(work, "sightline-data", "errors.json")

        def event():
            if not os.path.exists(out):
                return None
            with open(out) as f:
                lines = f.read().splitlines()
            return json.loads(lines[0]) if lines else None
        e = wait_until(event, 15)
        assert e and (e["app"], e["severity"], e["message"], e["source"]) == ("billing", "err", "card declined", "tcp_in"), e
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=30)
    assert rc == 0, (rc, open(err.name).read()[-800:])
    # Without --config the installed binary reads the administrator's /etc copy.
    with open(CONF) as f:
        cfg = json.load(f)
    cfg["sources"] = cfg["sources"][:1]
    with open(CONF, "w") as f:
        json.dump(cfg, f)
    assert sh("/usr/bin/sightline", "--check").stdout.startswith("configuration OK: 1 source(s)")


@cases.run
def bash_completion_loads():
    p = sh("bash", "-c", "source /usr/share/bash-completion/completions/sightline && complete -p sightline")
    assert p.stdout.startswith("complete ") and p.stdout.strip().endswith(" sightline"), p.stdout


@cases.run
def remove_keeps_the_conffile_and_purge_removes_it():
    if not installed():
        sh("dpkg", "-i", DEB)
    sh("dpkg", "--remove", "sightline")
    assert not os.path.exists("/usr/bin/sightline") and not os.path.exists("/usr/share/sightline/static")
    assert os.path.exists(CONF), "a removed package keeps its conffile"
    sh("dpkg", "--purge", "sightline")
    assert not os.path.exists(CONF) and not installed()


purge()
sys.exit(cases.finish())
