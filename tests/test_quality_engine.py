"""`swapbench score` on synthetic run directories: rows, task rows, failed/warm-up/hash rows, resume, bad input."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_quality_fixtures import request_row, synthetic_rows, write_run, write_scenario

from profiler.cli import main as swapbench
from profiler.errors import UserError
from profiler.quality.engine import score_run
from profiler.rundir import RunDir


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SWAPBENCH_CACHE_DIR", str(tmp_path / "cache"))


def rows_of(run: Path) -> list[dict]:
    return list(RunDir(run).iter_scores())


def keyed(rows):
    return Counter((r["rid"], r["scorer"]) for r in rows)


def test_no_judge_rows_tasks_failed_and_warmup(tmp_path):
    sc = write_scenario(tmp_path)
    reqs = synthetic_rows()
    run = write_run(tmp_path / "run", sc, reqs)
    res = score_run(run, use_judge=False)
    rows = rows_of(run)
    assert max(keyed(rows).values()) == 1  # one row per (request, scorer)
    measured = [r for r in reqs if r["phase"] == "measure"]
    warm = {r["rid"] for r in reqs if r["phase"] == "warmup"}
    tasks = [r for r in rows if r["scorer"] == "task"]
    assert {r["rid"] for r in tasks} == {r["rid"] for r in measured}
    assert not warm & {r["rid"] for r in rows}
    # per model and task: right, right, wrong, malformed, right, right -> 4/6 pass
    for m in ("base", "cand"):
        for t in ("extraction", "agent"):
            st = Counter(r["status"] for r in tasks if r["model"] == m and r["task"] == t)
            assert st == {"pass": 4, "fail": 2}, (m, t, st)
        st = Counter(r["status"] for r in tasks if r["model"] == m and r["task"] == "classify")
        assert st == {"pass": 4, "fail": 3}  # + the read_timeout
    failed_rid = next(r["rid"] for r in measured if r["outcome"] != "ok")
    frows = {r["scorer"]: r for r in rows if r["rid"] == failed_rid}
    assert frows["task"]["status"] == "fail" and frows["task"]["reason"] == "request failed: read_timeout"
    assert (
        frows["label#0"]["status"] == "unscored"
        and frows["label#0"]["reason"] == "request failed: read_timeout"
    )
    assert frows["judge"]["status"] == "unscored"  # written even without the judge: nothing to judge
    # judge pairs of answered requests stay pending under --no-judge
    assert not [r for r in rows if r["kind"] == "judge" and r["status"] != "unscored"]
    assert res.pending_judge == 0  # the judges here are not required
    # row shape (docs/run-directory.md)
    r = next(r for r in rows if r["scorer"] == "json#0" and r["status"] == "fail")
    assert set(r) >= {
        "rid",
        "model",
        "task",
        "prompt_id",
        "scorer",
        "kind",
        "status",
        "score",
        "reason",
        "details",
    }
    assert r["kind"] == "json"


def test_capture_hash_and_off_are_unscored(tmp_path):
    sc = write_scenario(tmp_path)
    reqs = synthetic_rows(n_per=2)
    for r in reqs:
        if r["response"] is not None:
            r["response"] = "sha256:" + "0" * 64
    run = write_run(tmp_path / "run", sc, reqs, capture="hash")
    score_run(run, use_judge=False)
    rows = rows_of(run)
    ok_rids = {r["rid"] for r in reqs if r["outcome"] == "ok" and r["phase"] == "measure"}
    for r in rows:
        if r["rid"] in ok_rids:
            assert r["status"] == "unscored", r
            if r["scorer"] != "task":
                assert r["reason"] == "response captured as a hash only (capture: hash)"
    run2 = write_run(tmp_path / "run2", sc, synthetic_rows(n_per=1), capture="off")
    score_run(run2, use_judge=False)
    reasons = {r["reason"] for r in rows_of(run2) if r["scorer"] == "label#0"}
    assert "response not captured (capture: off)" in reasons


def test_required_judge_waits_under_no_judge(tmp_path):
    sc = write_scenario(tmp_path)
    text = sc.read_text().replace("        - {type: judge, required: false}\n", "        - {type: judge}\n")
    sc.write_text(text)
    run = write_run(tmp_path / "run", sc, synthetic_rows(n_per=2))
    res = score_run(run, use_judge=False)
    rows = rows_of(run)
    ex = [r for r in rows if r["task"] == "extraction" and r["scorer"] == "task"]
    assert ex == [] and res.pending_judge == 4  # 2 prompts x 2 models wait for the judge
    # now with the judge (simulated): the pending pairs and their task rows are added, nothing duplicated
    res = score_run(run)
    rows = rows_of(run)
    assert max(keyed(rows).values()) == 1
    ex = [r for r in rows if r["task"] == "extraction" and r["scorer"] == "task"]
    assert len(ex) == 4 and res.pending_judge == 0


def _slow_scenario(tmp_path: Path) -> Path:
    sc = write_scenario(tmp_path)
    slow = f"        - {{type: command, id: slow, command: [{json.dumps(sys.executable)}, '-c', 'import time; time.sleep(0.15)']}}\n"
    sc.write_text(sc.read_text().replace("        - {type: label}\n", "        - {type: label}\n" + slow))
    return sc


@pytest.mark.slow
def test_resume_after_kill_no_duplicates_nothing_lost(tmp_path):
    sc = _slow_scenario(tmp_path)
    reqs = synthetic_rows(n_per=8)
    run = write_run(tmp_path / "run", sc, reqs)
    # the reference: a clean, uninterrupted scoring of a copy
    ref_run = write_run(tmp_path / "ref", sc, reqs)
    score_run(ref_run, use_judge=False, concurrency=2)
    want = keyed(rows_of(ref_run))
    env = {**os.environ, "SWAPBENCH_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [
        sys.executable,
        "-m",
        "profiler.cli",
        "score",
        str(run),
        "--no-judge",
        "--quiet",
        "--concurrency",
        "1",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    scores = run / "scores.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if scores.exists() and len(scores.read_text().splitlines()) > 40:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = keyed(rows_of(run))
    assert 0 < sum(partial.values()) < sum(want.values()), "kill came too late to test resume"
    assert max(partial.values()) == 1
    # a torn last line (crash mid-write) must not break the resume either
    with open(scores, "a") as f:
        f.write('{"rid": "w0-1", "scor')
    res = score_run(run, use_judge=False, concurrency=2)
    got = keyed(rows_of(run))
    assert got == want  # every pair exactly once
    assert res.skipped_existing > 0

    # identical statuses to the uninterrupted reference
    def st(rows):
        return {(r["rid"], r["scorer"]): r["status"] for r in rows}

    assert st(rows_of(run)) == st(rows_of(ref_run))
    # a third run has nothing left to do
    assert score_run(run, use_judge=False).new_rows == 0


def test_ctrl_c_keeps_rows_and_rescore_starts_over(tmp_path):
    sc = write_scenario(tmp_path)
    run = write_run(tmp_path / "run", sc, synthetic_rows(n_per=4))
    calls = {"n": 0}

    def progress(event, n):
        if event == "advance":
            calls["n"] += 1
            if calls["n"] == 10:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_run(run, use_judge=False, progress=progress)
    first = keyed(rows_of(run))
    assert sum(first.values()) >= 10  # what was scored before Ctrl-C is on disk
    score_run(run, use_judge=False)
    full = keyed(rows_of(run))
    assert max(full.values()) == 1 and set(first) <= set(full)
    res = score_run(run, use_judge=False, rescore=True)
    assert res.skipped_existing == 0 and keyed(rows_of(run)) == full


# ------------------------------------------------------------------------------------- bad input


def cli(argv, capsys):
    code = swapbench(["score", *argv])
    err = capsys.readouterr().err
    return code, err


def test_bad_input_missing_run_dir(tmp_path, capsys):
    code, err = cli([str(tmp_path / "nope"), "--quiet"], capsys)
    assert code == 2 and "run directory not found" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_input_corrupt_requests_row(tmp_path, capsys):
    sc = write_scenario(tmp_path)
    run = write_run(tmp_path / "run", sc, synthetic_rows(n_per=1))
    lines = (run / "requests.jsonl").read_text().splitlines()
    lines[2] = lines[2][:20]
    (run / "requests.jsonl").write_text("\n".join(lines) + "\n")
    code, err = cli([str(run), "--quiet", "--no-judge"], capsys)
    assert code == 2 and "requests.jsonl:3: not valid JSON" in err and "Traceback" not in err


def test_bad_input_corrupt_scores_row(tmp_path, capsys):
    sc = write_scenario(tmp_path)
    run = write_run(tmp_path / "run", sc, synthetic_rows(n_per=1))
    (run / "scores.jsonl").write_text('{"rid": 1}\nnot json\n{"rid": 2}\n')
    code, err = cli([str(run), "--quiet", "--no-judge"], capsys)
    assert code == 2 and "scores.jsonl:2: not valid JSON" in err


def test_bad_input_missing_schema_and_unknown_scorer(tmp_path, capsys):
    sc = write_scenario(tmp_path)
    run = write_run(tmp_path / "run", sc, synthetic_rows(n_per=1))
    (tmp_path / "schemas" / "invoice.json").unlink()
    code, err = cli([str(run), "--quiet", "--no-judge"], capsys)
    assert code == 2 and "prompt_mix.tasks.extraction.scorers[0].schema" in err and "not found" in err
    write_scenario(tmp_path)
    sc.write_text(sc.read_text().replace("{type: label}", "{type: lable}"))
    code, err = cli([str(run), "--quiet", "--no-judge"], capsys)
    assert code == 2 and "scorers[0].type: expected one of" in err and "did you mean 'label'" in err


def test_bad_input_scenario_missing(tmp_path, capsys):
    sc = write_scenario(tmp_path)
    run = write_run(tmp_path / "run", sc, synthetic_rows(n_per=1))
    code, err = cli([str(run), "--scenario", str(tmp_path / "other.yaml"), "--quiet"], capsys)
    assert code == 2 and "scenario file not found" in err
    sc.rename(tmp_path / "moved.yaml")
    code, err = cli([str(run), "--quiet"], capsys)
    assert code == 2 and "scenario_path" in err and "--scenario" in err
    code, err = cli([str(run), "--quiet", "--no-judge", "--scenario", str(tmp_path / "moved.yaml")], capsys)
    assert code == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _endpoint_judge(sc: Path, port: int) -> None:
    text = sc.read_text().replace(
        "  judge:\n    simulator:",
        f"  judge:\n    endpoint: {{base_url: 'http://127.0.0.1:{port}/v1', api_key_env: QJUDGE_KEY}}\n    simulator:",
    )
    sc.write_text(text)


def test_bad_input_judge_unreachable(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("QJUDGE_KEY", "k")
    sc = write_scenario(tmp_path)
    _endpoint_judge(sc, _free_port())
    run = write_run(tmp_path / "run", sc, synthetic_rows(n_per=1))
    code, err = cli([str(run), "--quiet"], capsys)
    assert code == 2 and "judge judge at http://127.0.0.1:" in err and "unreachable" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


class _NonJsonJudge(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        n = int(self.headers.get("content-length", 0))
        self.rfile.read(n)
        body = {"id": "x", "object": "chat.completion", "created": 0, "model": "judge",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": "I think this answer is fine!"}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 7, "total_tokens": 107}}  # fmt: skip
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


def test_judge_non_json_is_unscored_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setenv("QJUDGE_KEY", "k")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _NonJsonJudge)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        sc = write_scenario(tmp_path, n_labels=4)
        _endpoint_judge(sc, srv.server_address[1])
        run = write_run(tmp_path / "run", sc, synthetic_rows(n_per=2))
        res = score_run(run)
    finally:
        srv.shutdown()
    jrows = [r for r in rows_of(run) if r["kind"] == "judge" and r["details"].get("raw")]
    assert jrows and all(r["status"] == "unscored" for r in jrows)
    assert jrows[0]["reason"] == "judge returned non-JSON: I think this answer is fine!"
    assert jrows[0]["judge_usage"]["prompt_tokens"] == 100
    assert jrows[0]["judge_usage"]["cost_usd"] == pytest.approx((100 * 0.5 + 7 * 2.0) / 1e6)
    cal = res.calibration
    assert cal["n"] == 0 and cal["labels_unscored"] == 4 and cal["trustworthy"] is False
    # the non-JSON verdicts are not cached: nothing to replay
    assert res.judge_usage["cache_hits"] == 0


def test_failed_requests_with_no_scorers_task(tmp_path):
    sc = write_scenario(tmp_path)
    reqs = [request_row("w0-0", "base", "ghost", "ghost/x", response="hi"),
            request_row("w0-1", "base", "ghost", "ghost/x", outcome="http_5xx"),
            request_row("w0-2", "base", "classify", "classify/nope", response="bug")]  # fmt: skip
    run = write_run(tmp_path / "run", sc, reqs)
    score_run(run, use_judge=False)
    rows = {(r["rid"], r["scorer"]): r for r in rows_of(run)}
    assert (
        rows[("w0-0", "task")]["status"] == "unscored"
        and "not in the scenario" in rows[("w0-0", "task")]["reason"]
    )
    assert rows[("w0-1", "task")]["status"] == "fail"
    assert (
        rows[("w0-2", "label#0")]["status"] == "unscored"
        and "not found" in rows[("w0-2", "label#0")]["reason"]
    )
    assert rows[("w0-2", "task")]["status"] == "unscored"


def test_concurrency_argument_checked(tmp_path, capsys):
    code, err = cli([str(tmp_path), "--concurrency", "0"], capsys)
    assert code == 2 and "--concurrency" in err


def test_user_error_type():
    assert issubclass(UserError, Exception)


def test_bad_input_labels_file(tmp_path, capsys):
    sc = write_scenario(tmp_path)
    run = write_run(tmp_path / "run", sc, synthetic_rows(n_per=1))
    labels = tmp_path / "labels" / "human.jsonl"
    good = labels.read_text().splitlines()
    labels.write_text(
        "\n".join([good[0], good[1].replace('"pass"', '"maybe"').replace('"fail"', '"maybe"')]) + "\n"
    )
    code, err = cli([str(run), "--quiet"], capsys)
    assert code == 2 and "human.jsonl:2: verdict: expected 'pass' or 'fail', got 'maybe'" in err
    labels.write_text(good[0].replace("ex-000", "ex-999") + "\n")
    code, err = cli([str(run), "--quiet"], capsys)
    assert code == 2 and "human.jsonl:1: prompt_id: expected a prompt of the scenario's datasets" in err


def test_never_imports_locust():
    code = (
        "import sys; import profiler.quality.cli, profiler.quality.engine, profiler.quality.summary; "
        "print('locust' in sys.modules or 'gevent' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_cancelled_requests_are_unscored_not_failed(tmp_path):
    """In flight when the load run stopped: neither a success nor a model failure."""
    sc = write_scenario(tmp_path)
    reqs = synthetic_rows()
    victim = next(r for r in reqs if r["phase"] == "measure" and r["outcome"] == "ok")
    victim.update(outcome="cancelled", response=None, tool_calls=None, error="in flight when the run stopped")
    run = write_run(tmp_path / "run", sc, reqs)
    score_run(run, use_judge=False)
    rows = [r for r in rows_of(run) if r["rid"] == victim["rid"]]
    assert rows and all(r["status"] == "unscored" for r in rows)
    task = next(r for r in rows if r["scorer"] == "task")
    assert "cancelled" in task["reason"]
