#!/usr/bin/env python3
"""`sightline test`: the shipped example tests pass, a failing case prints its
expectation and the line's path step by step with exit status 1, `--check` validates
test files, and invalid test files and usage get exit status 2 with messages naming
the problem. No server: `sightline test` runs pipelines in process.

Usage: pipeline_tests_test.py PATH_TO_SIGHTLINE
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

from harness import Cases

EXE = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join("test", "data", "pipeline_tests")
cases = Cases()


def run(*args):
    p = subprocess.run([EXE, "test", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


@cases.run
def shipped_example_tests_pass():
    files = sorted(glob.glob("conf/examples/tests/*.test.json", root_dir=ROOT))
    assert len(files) == 6, files
    rc, out, err = run(*files)
    assert rc == 0, (rc, out, err)
    lines = out.splitlines()
    assert lines[-1] == "10 cases in 6 files: 10 passed, 0 failed (26 lines checked, 0 failed)", lines[-1]
    case_lines = [l for l in lines if l.startswith("  ")]
    assert len(case_lines) == 10 and all(l.startswith("  ok   ") for l in case_lines), out
    assert "  ok   syslog lines are parsed and routed on severity (3 lines checked)" in lines, out
    assert err == "", err


@cases.run
def fields_formats_drops_and_dead_letter_pass():
    rc, out, err = run(os.path.join(DATA, "slow_requests.test.json"))
    assert rc == 0, (rc, out, err)
    assert out.splitlines() == [
        "test/data/pipeline_tests/slow_requests.test.json (test/data/pipeline_tests/slow_requests.json)",
        "  ok   slow requests are labelled and written twice (1 line checked)",
        "  ok   fast requests are filtered and bad JSON is dead-lettered (2 lines checked)",
        "2 cases in 1 file: 2 passed, 0 failed (3 lines checked, 0 failed)",
    ], out


@cases.run
def a_failing_case_prints_expectation_and_path():
    rc, out, err = run(os.path.join(DATA, "failing.test.json"))
    assert rc == 1, (rc, out, err)
    lines = out.splitlines()
    # Lines 1 and 2 of the failing case have one branch each: their report is exact.
    first = lines.index("  FAIL wrong expectations (3 lines checked, 3 failed)")
    assert lines[1] == "  ok   a passing case (1 line checked)", lines
    assert lines[first + 1:first + 17] == [
        '      line 1 "{\\"host\\":\\"web1\\",\\"path\\":\\"/\\",\\"latency_ms\\":12}" on requests (tests[1].lines[0]):',
        "        sinks: expected [slow], reached []",
        "        dropped: not expected, got [filtered]",
        "        path, line_id 4:",
        "          requests received",
        '          json emit  fields {"added":{"host":"web1","path":"/","latency_ms":12}}',
        "          slow_only drop: filtered",
        "          => dropped (filtered)",
        '      line 2 "{\\"host\\": oops" on requests (tests[1].lines[1]):',
        "        dropped: expected with reason parse_failed, it was not",
        "        dead letter: not expected, got [parse]",
        "        dead letter: parse: invalid_json: syntax error",
        "        path, line_id 5:",
        "          requests received",
        "          json error: invalid_json: syntax error",
        "          => error (invalid_json: syntax error)",
    ], "\n".join(lines[first + 1:first + 17])
    # Line 3 fans out to two sinks: each branch's path is printed.
    rest = lines[first + 17:]
    for want in ['        output at slow: expected "web1/a 600", got "web1//a 600"',
                 "        field latency_ms at slow: expected 601, got 600",
                 "        field latency_ms at slow_json: expected 601, got 600",
                 "        path (branch 1), line_id 6:", "        path (branch 2), line_id 6:",
                 '          label emit  fields {"added":{"where":"web1//a"}}',
                 "          => slow", "          => slow_json"]:
        assert want in rest, (want, rest)
    assert lines[-1] == "2 cases in 1 file: 1 passed, 1 failed (4 lines checked, 3 failed)", lines[-1]


@cases.run
def check_validates_without_running():
    rc, out, err = run("--check", os.path.join(DATA, "slow_requests.test.json"), os.path.join(DATA, "failing.test.json"))
    assert rc == 0, (rc, out, err)
    assert out.splitlines() == [
        "test/data/pipeline_tests/slow_requests.test.json: valid (2 cases, 4 lines, configuration "
        "test/data/pipeline_tests/slow_requests.json)",
        "test/data/pipeline_tests/failing.test.json: valid (2 cases, 4 lines, configuration "
        "test/data/pipeline_tests/slow_requests.json)",
    ], out


@cases.run
def invalid_test_files_name_each_problem():
    d = tempfile.mkdtemp(prefix="sl-pipeline-tests-")
    bad = os.path.join(d, "bad.test.json")
    with open(bad, "w") as f:
        json.dump({"config": os.path.join(ROOT, "conf/sightline.json"), "extra": 1, "tests": [
            {"name": "one", "lines": [
                {"line": "x", "expect": {"sinks": ["nowhere"]}},
                {"line": "y", "source": "tcp_in", "expect": {}},
                {"line": "z", "source": "tcp_in", "expect": {"dropped": "lost", "colour": "red"}},
            ]},
            {"name": "one", "lines": ["no expectation"]},
        ]}, f)
    for mode in ([], ["--check"]):
        rc, out, err = run(*mode, bad)
        assert rc == 2, (rc, out, err)
        assert out == "", out
        assert err.splitlines() == [
            f"{bad}: extra: unknown key (expected one of: config, tests)",
            f"{bad}: tests[0].lines[1].expect: expects nothing: name sinks, output, outputs, fields, fields_absent, "
            "dropped or dead_letter",
            f"{bad}: tests[0].lines[2].expect.colour: unknown key (expected one of: sinks, output, outputs, fields, "
            "fields_absent, dropped, dead_letter)",
            f"{bad}: tests[1].name: repeats an earlier case's name",
            f"{bad}: tests[1].lines: no line has an expect: the case would check nothing",
        ], err
    # Shape valid: now checked against the configuration.
    with open(bad, "w") as f:
        json.dump({"config": os.path.join(ROOT, "conf/sightline.json"), "tests": [
            {"name": "one", "lines": [
                {"line": "x", "expect": {"sinks": ["nowhere"]}},
                {"line": "z", "source": "tcp_in", "expect": {"dropped": "lost"}},
                {"line": "w", "source": "ftp_in", "expect": {"outputs": {"errors": "w"}}},
            ]}]}, f)
    rc, out, err = run(bad)
    assert rc == 2, (rc, out, err)
    assert err.splitlines() == [
        f"{bad}: tests[0].lines[0]: names no source, and the configuration has 2 (tcp_in, udp_in): give \"source\"",
        f"{bad}: tests[0].lines[0].expect.sinks[0]: no sink nowhere in the configuration "
        "(errors_out, rest_out, warnings_out)",
        f"{bad}: tests[0].lines[1].expect.dropped: no drop reason lost "
        "(filtered, no_output, no_route, parse_failed, sampled)",
        f"{bad}: tests[0].lines[2].source: no source ftp_in in the configuration (tcp_in, udp_in)",
        f"{bad}: tests[0].lines[2].expect.outputs.errors: no sink errors in the configuration "
        "(errors_out, rest_out, warnings_out)",
    ], err
    # A configuration that is invalid, and one that is missing.
    cfg = os.path.join(d, "broken.json")
    with open(cfg, "w") as f:
        json.dump({"sources": [{"type": "file", "id": "in", "path": "x"}],
                   "processors": [{"type": "filter", "id": "f", "pattern": "(", "regex": True}],
                   "sinks": [{"type": "null", "id": "out"}]}, f)
    with open(bad, "w") as f:
        json.dump({"config": "broken.json", "tests": [{"name": "t", "lines": [{"line": "a", "expect": {"sinks": ["out"]}}]}]}, f)
    rc, out, err = run(bad)
    assert rc == 2, (rc, out, err)
    assert err.splitlines()[0].startswith(f"{cfg}: processors[0].pattern: "), err
    assert err.splitlines()[-1] == f"{bad}: config: {cfg} is not a valid configuration", err
    missing = os.path.join(d, "missing.test.json")
    rc, out, err = run(missing)
    assert rc == 2 and err == f"{missing}: cannot read {missing}\n", (rc, err)


@cases.run
def usage():
    rc, out, err = run()
    assert rc == 2 and err.startswith("sightline test: name at least one test file\nUsage: sightline test"), (rc, err)
    rc, out, err = run("--bogus", "x.json")
    assert rc == 2 and err.startswith("sightline test: unknown option --bogus\n"), (rc, err)
    rc, out, err = run("--help")
    assert rc == 0 and out.startswith("Usage: sightline test [--check] FILE...\n"), (rc, out)
    top = subprocess.run([EXE, "--help"], capture_output=True, text=True, timeout=30).stdout
    assert "sightline test [--check] FILE..." in top, top


sys.exit(cases.finish())
