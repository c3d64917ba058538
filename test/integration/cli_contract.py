#!/usr/bin/env python3
"""The command-line contract of DESIGN.md §2, from outside: exit codes, messages that
name the problem and where it is, --check, --describe, --list-processors, stdin input
and the bad-input cases of batch mode.

Usage: cli_contract.py PATH_TO_SIGHTLINE
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

EXE = sys.argv[1]
D = tempfile.mkdtemp(prefix="sl-cli-")
passed, failed = 0, 0


def run(*args, stdin=None, timeout=60):
    return subprocess.run([EXE, *args], input=stdin, capture_output=True, timeout=timeout)


def write(name, content):
    path = os.path.join(D, name)
    with open(path, "wb" if isinstance(content, bytes) else "w") as f:
        f.write(content)
    return path


def case(fn):
    global passed, failed
    try:
        fn()
        passed += 1
        print(f"ok   {fn.__name__}")
    except AssertionError as e:
        failed += 1
        print(f"FAIL {fn.__name__}: {e}")
    return fn


@case
def version_and_help():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith(b"sightline "), r
    r = run("--help")
    assert r.returncode == 0
    for flag in ["--config", "--file", "--follow", "--output", "--listen-tcp", "--listen-udp", "--trace",
                 "--trace-sample", "--dashboard", "--no-dashboard", "--dashboard-port", "--dashboard-bind",
                 "--save-metrics", "--check", "--describe", "--list-processors", "--threads", "--log-level",
                 "--log-format", "--version"]:
        assert flag.encode() in r.stdout, f"--help lacks {flag}"


@case
def help_groups_options_by_task_and_bash_completes_every_one():
    text = run("--help").stdout.decode()
    groups = ["Configuration:", "Inputs and outputs (replace the configuration's):", "Observing:", "Running:",
              "Reference:"]
    at = [text.find(g) for g in groups]
    assert all(i >= 0 for i in at) and at == sorted(at), at
    assert text.find("--config") < at[1] < text.find("--listen-tcp") < at[2] < text.find("--save-metrics") < at[3]
    # The completion shipped in conf/ offers exactly the long options --help lists.
    listed = set(re.findall(r"^\s+(?:-\w \[ )?(--[a-z-]+)", text, re.M))
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conf", "bash-completion", "sightline")

    def complete(*words):
        line = " ".join(words)
        cmd = (f"source {script}; COMP_WORDS=(sightline {line}); COMP_CWORD={len(words)}; _sightline; "
               "printf '%s\\n' \"${COMPREPLY[@]}\"")
        return subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=10).stdout.split()
    offered = set(complete("--"))
    assert offered == listed, (sorted(listed - offered), sorted(offered - listed))
    assert complete("--log-l") == ["--log-level"]
    assert sorted(complete("--log-level", "")) == ["debug", "error", "info", "trace", "warn"]
    assert complete("--log-format", "j") == ["json"]
    # The test subcommand: offered first, then its own options and test files.
    assert complete("te") == ["test"]
    assert sorted(complete("test", "--")) == ["--check", "--help"]
    here = os.path.dirname(script)
    assert complete("test", "--check", os.path.join(here, "sightl")) == [os.path.join(here, "sightline")]


@case
def unknown_option_is_usage_error():
    r = run("--no-such-flag")
    assert r.returncode == 2, r.returncode
    assert b"no-such-flag" in r.stderr, r.stderr


@case
def list_processors_prints_every_type_with_params():
    r = run("--list-processors")
    assert r.returncode == 0
    out = r.stdout.decode()
    for t in ["line_counter", "uppercase", "lowercase", "filter", "tagger", "tag_router", "replace", "sample", "fault"]:
        assert f"\n{t}: " in "\n" + out, f"{t} missing"
    assert 'format (string, default "Line {count}: {line}")' in out, out
    assert "pattern (string, required)" in out


@case
def check_accepts_simple_form():
    p = write("simple.json", json.dumps({"processors": [
        {"type": "line_counter", "id": "counter", "format": "Line {count}: {line}"},
        {"type": "uppercase", "id": "uppercase"},
        {"type": "filter", "id": "important_filter", "pattern": "important"}]}))
    r = run("--check", "--config", p)
    assert r.returncode == 0, r.stderr
    assert b"configuration OK" in r.stdout


@case
def check_lists_every_problem_with_its_path():
    p = write("bad.json", json.dumps({
        "sources": [{"type": "file", "id": "in", "path": "x"}],
        "processors": [
            {"type": "uppercas", "id": "u"},
            {"type": "filter", "id": "f", "patern": "x", "pattern": "y"},
            {"type": "sample", "id": "s", "every": "3"},
            {"type": "tag_router", "id": "r", "routes": {"error": "erors"}},
            {"type": "tagger", "id": "f"}],
        "sinks": [{"type": "null", "id": "out"}]}))
    r = run("--check", "--config", p)
    err = r.stderr.decode()
    assert r.returncode == 2, (r.returncode, err)
    for msg in ['processors[0].type: unknown processor type "uppercas"',
                "processors[1].patern: unknown key",
                "processors[2].every: expected integer, got string",
                'processors[4].id: duplicate id "f" (also at processors[1])',
                'processors[3].routes.error: unknown stage "erors"']:
        assert msg in err, f"missing {msg!r} in {err}"
    assert "Traceback" not in err and "boost::" not in err


@case
def list_components_prints_every_source_processor_and_sink_type():
    r = run("--list-components")
    assert r.returncode == 0, r
    out = r.stdout.decode()
    sources, rest = out.split("Processors\n", 1)
    processors, sinks = rest.split("Sinks\n", 1)
    assert sources.startswith("Sources\n"), out
    for t in ["tcp", "udp", "file"]:
        assert f"\n{t}: " in sources, f"source {t} missing"
    for t in ["line_counter", "tagger", "tag_router", "fault"]:
        assert f"\n{t}: " in processors, f"processor {t} missing"
    for t in ["file", "stdout", "null"]:
        assert f"\n{t}: " in sinks, f"sink {t} missing"
    assert 'listen (string, default "0.0.0.0:5140")' in sources, sources
    assert "flush_interval_ms (integer, default 1000)" in sinks, sinks


@case
def check_rejects_bad_addresses_with_their_paths():
    """Addresses are checked by --check (exit 2), not first at start (exit 1)."""
    p = write("bad_addr.json", json.dumps({
        "sources": [{"type": "tcp", "id": "t", "listen": "1.2.3.4:99999"},
                    {"type": "udp", "id": "u", "listen": "nohost:5140"},
                    {"type": "tcp", "id": "ok", "listen": "127.0.0.1:0"}],
        "processors": [{"type": "tagger", "id": "tag"}],
        "sinks": [{"type": "null", "id": "out"}],
        "http": {"listen": "127.0.0.1:abc"}}))
    r = run("--check", "--config", p)
    err = r.stderr.decode()
    assert r.returncode == 2, (r.returncode, err)
    for msg in ['sources[0].listen: address "1.2.3.4:99999": port above 65535',
                'sources[1].listen: address "nohost:5140": "nohost" is not an IP address',
                'http.listen: address "127.0.0.1:abc": bad port']:
        assert msg in err, f"missing {msg!r} in {err}"
    assert "sources[2]" not in err, err
    assert err.count("\n  ") == 3, err  # exactly the three problems
    # The same from the command line.
    r = run("--check", "--listen-tcp", "1.2.3.4:99999", "--no-dashboard")
    assert r.returncode == 2, r
    assert b'listen: address "1.2.3.4:99999": port above 65535' in r.stderr, r.stderr
    r = run("--check", "--listen-tcp", "127.0.0.1:0", "--dashboard-bind", "no.such.host")
    assert r.returncode == 2, r
    assert b"http.listen" in r.stderr, r.stderr


@case
def check_reports_cycles_and_unreachable_stages():
    p = write("cycle.json", json.dumps({
        "sources": [{"type": "file", "id": "in", "path": "x", "next": ["a"]}],
        "processors": [{"type": "uppercase", "id": "a", "next": ["b"]},
                       {"type": "lowercase", "id": "b", "next": ["a"]},
                       {"type": "tagger", "id": "lonely", "next": ["out"]}],
        "sinks": [{"type": "null", "id": "out"}]}))
    r = run("--check", "--config", p)
    err = r.stderr.decode()
    assert r.returncode == 2
    assert "cycle: a -> b -> a" in err, err
    assert 'stage "lonely" is not reachable from any source' in err, err


@case
def invalid_json_names_line_and_column():
    p = write("syntax.json", '{\n  "processors": [\n    {"type": "uppercase",,}\n  ]\n}\n')
    r = run("--check", "--config", p)
    assert r.returncode == 2
    assert b"invalid JSON at line 3, column" in r.stderr, r.stderr


@case
def missing_config_file_is_exit_2_naming_it():
    r = run("--check", "--config", os.path.join(D, "nope.json"))
    assert r.returncode == 2 and b"nope.json" in r.stderr, r


@case
def describe_prints_params_defaults_and_edges():
    p = write("desc.json", json.dumps({"processors": [
        {"type": "tagger", "id": "t"},
        {"type": "tag_router", "id": "r", "routes": {"error": "e"}, "default": "rest"}],
        "sinks": [{"type": "null", "id": "e"}, {"type": "null", "id": "rest"}]}))
    r = run("--describe", "--config", p)
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr
    assert "processor t [tagger]" in out and 'default_tag = "untagged"  (default)' in out, out
    assert "-> e  [route error]" in out and "-> rest  [route default]" in out, out


@case
def missing_input_file_is_exit_1_naming_it():
    r = run("--file", os.path.join(D, "absent.log"), "--output", os.path.join(D, "o.txt"))
    assert r.returncode == 1, r.returncode
    assert b"absent.log" in r.stderr, r.stderr


@case
def unopenable_output_is_exit_1_naming_it():
    inp = write("one.log", "a\n")
    r = run("--file", inp, "--output", "/nonexistent-dir/out.txt")
    assert r.returncode == 1, r.returncode
    assert b"/nonexistent-dir/out.txt" in r.stderr, r.stderr


@case
def no_sources_is_usage_error():
    p = write("nosrc.json", json.dumps({"processors": [{"type": "uppercase"}]}))
    r = run("--config", p)
    assert r.returncode == 2 and b"no sources" in r.stderr, r


@case
def stdin_passes_bytes_through_untouched():
    data = b"one\r\n\ntwo \xff\xfe\x00 three\nlast-without-newline"
    out = os.path.join(D, "stdin_out.txt")
    r = run("-f", "-", "-o", out, stdin=data)
    assert r.returncode == 0, r.stderr
    got = open(out, "rb").read()
    assert got == b"one\n\ntwo \xff\xfe\x00 three\nlast-without-newline\n", got


@case
def sigterm_while_stdin_is_idle_stops_at_once_and_keeps_what_was_read():
    """Reading standard input that stays open: the first SIGTERM cancels the pending read
    instead of waiting for the next byte; the lines read so far, the unfinished last one
    included, reach the output, and the exit is 0."""
    out = os.path.join(D, "stdin_idle_out.txt")
    p = subprocess.Popen([EXE, "-f", "-", "-o", out], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        p.stdin.write(b"one\ntwo")
        p.stdin.flush()
        time.sleep(0.5)  # read, and now waiting on the idle pipe
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(5)
        except subprocess.TimeoutExpired:
            raise AssertionError("still running 5 s after SIGTERM with stdin idle")
        assert rc == 0, (rc, p.stderr.read())
        with open(out, "rb") as f:
            assert f.read() == b"one\ntwo\n"
    finally:
        if p.poll() is None:
            p.kill()
        p.stdin.close()
        p.wait()


@case
def long_lines_are_truncated_and_counted():
    long_line = b"x" * 70000
    inp = write("long.log", b"short\n" + long_line + b"\nafter\n")
    out = os.path.join(D, "long_out.txt")
    m = os.path.join(D, "long_m.json")
    r = run("-f", inp, "-o", out, "--save-metrics", m)
    assert r.returncode == 0, r.stderr
    got = open(out, "rb").read().split(b"\n")
    assert got == [b"short", b"x" * 65536, b"after", b""], [len(x) for x in got]
    metrics = json.load(open(m))
    src = next(iter(metrics["sources"].values()))
    assert src["truncated"] == 1 and src["lines"] == 3, src


@case
def processors_only_config_with_cli_io():
    inp = write("mixed.log", "ERROR a important\nINFO b\nWARN c important\n")
    p = write("chain.json", json.dumps({"processors": [
        {"type": "line_counter", "id": "counter"}, {"type": "uppercase", "id": "up"},
        {"type": "filter", "id": "f", "pattern": "IMPORTANT"}]}))
    out = os.path.join(D, "chain_out.txt")
    r = run("--file", inp, "--output", out, "--config", p)
    assert r.returncode == 0, r.stderr
    assert open(out).read() == "LINE 1: ERROR A IMPORTANT\nLINE 3: WARN C IMPORTANT\n"


@case
def install_finds_its_default_config_and_unit_verifies():
    build_dir = os.path.dirname(os.path.abspath(EXE))
    prefix = os.path.join(D, "prefix")
    r = subprocess.run(["cmake", "--install", build_dir, "--prefix", prefix], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr[-500:]
    installed = os.path.join(prefix, "bin", "sightline")
    for f in ("etc/sightline/sightline.json", "share/sightline/static/index.html", "lib/systemd/system/sightline.service",
              # the dashboard's npm libraries, beside the static files (served under /vendor/)
              "share/sightline/node_modules/uplot/dist/uPlot.esm.js",
              "share/sightline/node_modules/@dagrejs/dagre/dist/dagre.esm.js"):
        assert os.path.exists(os.path.join(prefix, f)), f
    # No --config: the default config beside the installed binary is found and valid.
    r = subprocess.run([installed, "--check"], capture_output=True, cwd=D, timeout=30)
    assert r.returncode == 0 and b"2 source(s), 6 stage(s), 3 sink(s)" in r.stdout, (r.stdout, r.stderr)
    unit = open(os.path.join(build_dir, "sightline.service")).read()
    assert "DynamicUser=yes" in unit and "ProtectSystem=strict" in unit and "NoNewPrivileges=yes" in unit
    if shutil.which("systemd-analyze"):
        # Verify the unit as built, pointed at this build's binary and config.
        test_unit = os.path.join(D, "sightline.service")
        with open(test_unit, "w") as f:
            f.write(re.sub(r"ExecStart=\S+ --config \S+", f"ExecStart={installed} --config {prefix}/etc/sightline/sightline.json", unit))
        r = subprocess.run(["systemd-analyze", "verify", test_unit], capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
    else:
        print("     systemd-analyze not installed: unit verification skipped")


print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
