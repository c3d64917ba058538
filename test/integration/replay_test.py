#!/usr/bin/env python3
"""Dead-letter replay (the `dead_letter` source): lines that failed come back through a
corrected pipeline with their exact bytes and line_id, each traced line's path says it
was replayed and from which record, the offset file keeps anything from being replayed
twice, `remove_replayed` empties the file only when everything in it was replayed, and
a replay of the pipeline's own dead letter is refused. Accounting is exact in each run.

Usage: replay_test.py PATH_TO_SIGHTLINE
"""
import json
import os
import subprocess
import sys
import tempfile

from harness import Cases, Service, http, wait_until

EXE = os.path.abspath(sys.argv[1])
cases = Cases()

# 6 lines, 3 of them not JSON (one not even UTF-8): the strict pipeline dead-letters those.
INPUT = [b'{"user":"ann","n":1}', b"plain text one", b'{"user":"bob","n":2}', b"caf\xc3\xa9 not json",
         b"bytes \xff\xfe not utf-8!", b'{"user":"cy","n":3}']
FAILING = [INPUT[1], INPUT[3], INPUT[4]]


def strict(d):
    return {"sources": [{"type": "file", "id": "in", "path": os.path.join(d, "in.log")}],
            "processors": [{"type": "parse_json", "id": "json"}],
            "sinks": [{"type": "file", "id": "out", "path": os.path.join(d, "strict.out")}],
            "dead_letter": {"path": os.path.join(d, "dead.jsonl")}}


def fixed(d, **replay):
    """The corrected pipeline: plain lines are kept (counted as parse failures)."""
    return {"sources": [{"type": "dead_letter", "id": "replay", "path": os.path.join(d, "dead.jsonl"), **replay}],
            "processors": [{"type": "parse_json", "id": "json", "on_error": "keep"}],
            "sinks": [{"type": "file", "id": "raw", "path": os.path.join(d, "replayed.raw")},
                      {"type": "file", "id": "ids", "path": os.path.join(d, "replayed.json"), "format": "json",
                       "include": ["line_id"]}],
            "dead_letter": {"path": os.path.join(d, "dead2.jsonl")}}


def run(d, cfg, name):
    path = os.path.join(d, name + ".json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    metrics = os.path.join(d, name + ".metrics.json")
    p = subprocess.run([EXE, "--config", path, "--log-format", "json", "--no-dashboard", "--save-metrics", metrics],
                       cwd=d, capture_output=True, timeout=60)
    assert p.returncode == 0, (p.returncode, p.stderr.decode()[-800:])
    with open(metrics) as f:
        return json.load(f), [json.loads(l) for l in p.stderr.decode().splitlines() if l.startswith("{")]


def read(path):
    if not os.path.exists(path):
        return b""
    with open(path, "rb") as f:
        return f.read()


def failed_once():
    """A folder where the strict pipeline ran once: dead.jsonl holds the 3 failures."""
    d = tempfile.mkdtemp(prefix="sl-replay-")
    with open(os.path.join(d, "in.log"), "wb") as f:
        f.write(b"\n".join(INPUT) + b"\n")
    m, _ = run(d, strict(d), "strict")
    assert m["processors"]["json"]["errors"] == 3, m["processors"]["json"]
    records = [json.loads(l) for l in read(os.path.join(d, "dead.jsonl")).splitlines()]
    assert [r["line_id"] for r in records] == ["2", "4", "5"], records
    return d, records


@cases.run
def replay_restores_bytes_and_line_ids_once():
    d, records = failed_once()
    m, log = run(d, fixed(d), "fixed")
    # The exact bytes, invalid UTF-8 included, and the original line ids.
    assert read(os.path.join(d, "replayed.raw")) == b"\n".join(FAILING) + b"\n"
    ids = [json.loads(l)["line_id"] for l in read(os.path.join(d, "replayed.json")).splitlines()]
    assert ids == [2, 4, 5], ids
    src = m["sources"]["replay"]
    assert (src["lines"], src["records_read"], src["records_invalid"], src["records_replayed"], src["errors"]) == (3, 3, 0, 3, 0), src
    assert src["offset_committed"] == os.path.getsize(os.path.join(d, "dead.jsonl")), src
    assert m["sinks"]["raw"]["lines"] == 3 and m["sinks"]["ids"]["lines"] == 3, m["sinks"]
    assert m["processors"]["json"]["lines_in"] == 3 and m["processors"]["json"]["lines_out"] == 3, m["processors"]["json"]
    with open(os.path.join(d, "dead.jsonl.offset")) as f:
        off = json.load(f)
    st = os.stat(os.path.join(d, "dead.jsonl"))
    assert off == {"device": st.st_dev, "inode": st.st_ino, "offset": st.st_size, "records": 3}, off
    done = [r for r in log if r.get("event") == "dead_letter_replayed"]
    assert len(done) == 1 and done[0]["records"] == 3 and done[0]["removed"] is False, done
    # Again: nothing is replayed twice.
    m, _ = run(d, fixed(d), "again")
    assert m["sources"]["replay"]["lines"] == 0, m["sources"]["replay"]
    assert read(os.path.join(d, "replayed.raw")) == b"\n".join(FAILING) + b"\n"
    # A record appended since: only it is replayed.
    with open(os.path.join(d, "dead.jsonl"), "ab") as f:
        f.write(json.dumps({"timestamp": "2026-12-01T00:00:00Z", "stage": "json", "error_type": "parse",
                            "error": "x", "line": "late line", "line_id": "77"}).encode() + b"\n")
    m, _ = run(d, fixed(d), "late")
    assert m["sources"]["replay"]["lines"] == 1, m["sources"]["replay"]
    assert read(os.path.join(d, "replayed.raw")).splitlines()[-1] == b"late line"
    assert json.loads(read(os.path.join(d, "replayed.json")).splitlines()[-1])["line_id"] == 77


@cases.run
def lines_failing_again_keep_their_id_in_the_new_dead_letter():
    d, records = failed_once()
    cfg = fixed(d)
    cfg["processors"][0]["on_error"] = "fail"  # not corrected after all
    m, _ = run(d, cfg, "still_strict")
    again = [json.loads(l) for l in read(os.path.join(d, "dead2.jsonl")).splitlines()]
    assert [r["line_id"] for r in again] == ["2", "4", "5"], again
    assert [r["line"] for r in again] == [r["line"] for r in records]
    assert again[2]["line_base64"] == records[2]["line_base64"], (again[2], records[2])
    assert m["sinks"]["dead_letter"]["lines"] == 3 and m["sinks"]["raw"]["lines"] == 0, m["sinks"]
    # Those records reached their end (the new dead letter): committed.
    assert m["sources"]["replay"]["records_replayed"] == 3, m["sources"]["replay"]


@cases.run
def the_trace_says_replayed_and_from_which_record():
    d, records = failed_once()
    cfg = fixed(d)
    cfg["trace"] = {"enabled": True, "sample": 1.0, "capacity": 100}
    svc = Service(EXE, cfg, args=("--dashboard",))
    try:
        svc.wait_http()
        def traces():
            st, _, body = http(svc.hport, "/trace?limit=100")
            got = json.loads(body) if st == 200 else []
            return got if len(got) == 6 else None  # 3 lines x 2 sinks
        got = wait_until(traces, 15)
        assert got, http(svc.hport, "/trace?limit=100")
        dead = os.path.join(d, "dead.jsonl")
        by_id = {}
        for t in got:
            by_id.setdefault(t["line_id"], []).append(t)
        assert sorted(by_id) == ["2", "4", "5"], sorted(by_id)  # the original ids, as strings
        for k, (line_id, ts) in enumerate(sorted(by_id.items(), key=lambda kv: int(kv[0]))):
            r = records[k]
            for t in ts:
                steps = [(s["processor"], s["status"]) for s in t["path"]]
                assert steps[:2] == [("replay", "received"), ("replay", "replayed")], steps
                assert t["path"][1]["detail"] == (f"record {k + 1} of {dead}: failed at json "
                                                  f"(parse: invalid_json: syntax error) at {r['timestamp']}"), t["path"][1]
            assert sorted(t["outcome"] for t in ts) == ["ids", "raw"], ts
        st, _, body = http(svc.hport, "/trace?status=replayed&limit=100")
        assert st == 200 and len(json.loads(body)) == 6, (st, body[:300])
    finally:
        svc.p.terminate()
        svc.p.wait(timeout=30)


@cases.run
def remove_replayed_empties_only_a_fully_replayed_file():
    d, _ = failed_once()
    m, log = run(d, fixed(d, remove_replayed=True), "remove")
    assert read(os.path.join(d, "dead.jsonl")) == b"", read(os.path.join(d, "dead.jsonl"))
    with open(os.path.join(d, "dead.jsonl.offset")) as f:
        assert json.load(f)["offset"] == 0
    done = [r for r in log if r.get("event") == "dead_letter_replayed"]
    assert done[0]["removed"] is True and done[0]["records"] == 3, done
    assert m["sinks"]["raw"]["lines"] == 3
    # A file with an invalid record keeps everything (the valid ones are committed).
    d2, _ = failed_once()
    dead = os.path.join(d2, "dead.jsonl")
    with open(dead, "ab") as f:
        f.write(b"this is not a record\n")
    before = read(dead)
    m, log = run(d2, fixed(d2, remove_replayed=True), "keep")
    assert read(dead) == before
    src = m["sources"]["replay"]
    assert (src["lines"], src["records_read"], src["records_invalid"], src["errors"], src["records_replayed"]) == (3, 4, 1, 1, 4), src
    invalid = [r for r in log if r.get("event") == "dead_letter_record_invalid"]
    assert len(invalid) == 1 and invalid[0]["record"] == 4 and invalid[0]["error"].startswith("not JSON"), invalid
    done = [r for r in log if r.get("event") == "dead_letter_replayed"]
    assert done[0]["removed"] is False and done[0]["kept_because"] == "it holds invalid records", done


@cases.run
def a_new_file_under_the_same_name_starts_over():
    d, _ = failed_once()
    run(d, fixed(d), "first")
    dead = os.path.join(d, "dead.jsonl")
    data = read(dead)
    os.rename(dead, dead + ".old")
    with open(dead, "wb") as f:
        f.write(data[: data.index(b"\n") + 1])  # another inode: its one record replays
    m, log = run(d, fixed(d), "second")
    assert m["sources"]["replay"]["lines"] == 1, m["sources"]["replay"]
    assert any(r.get("event") == "replay_restarted" for r in log), log


@cases.run
def replaying_the_own_dead_letter_is_refused():
    d = tempfile.mkdtemp(prefix="sl-replay-")
    cfg = fixed(d)
    cfg["dead_letter"]["path"] = cfg["sources"][0]["path"]
    path = os.path.join(d, "loop.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    p = subprocess.run([EXE, "--check", "--config", path], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "sources[0].path: is this pipeline's own dead letter" in p.stderr + p.stdout, (p.stdout, p.stderr)
    missing = fixed(d)
    with open(path, "w") as f:
        json.dump(missing, f)
    p = subprocess.run([EXE, "--config", path, "--no-dashboard"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "cannot read dead-letter file " + missing["sources"][0]["path"] in p.stderr, p.stderr


sys.exit(cases.finish())
