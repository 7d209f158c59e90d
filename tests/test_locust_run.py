"""The main job end to end: real `locust -f locustfiles/compare.py` subprocesses against the simulator."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from test_locust_support import env, locust_cmd, locust_counts, rows, run_dir, run_locust, write_scenario

from profiler import metrics
from profiler.rundir import RunDir

pytestmark = pytest.mark.slow


def _check_counts(path: Path, tmp: Path) -> list[dict]:
    """Rows == Locust's requests per (model, task); histogram counts == measured rows."""
    rs = rows(path)
    per = Counter((r["model"], r["task"]) for r in rs)
    assert per == Counter(locust_counts(tmp))
    run = RunDir(path)
    for model in run.models:
        measured = [r for r in rs if r["model"] == model and r["phase"] == "measure"]
        ok = [r for r in measured if r["outcome"] == "ok"]
        assert run.histogram("ttft", model).get_total_count() == sum(r["ttft_us"] is not None for r in ok)
        assert run.histogram("e2e", model).get_total_count() == len(ok)
        assert run.histogram("e2e_all", model).get_total_count() == sum(
            r["e2e_us"] is not None for r in measured if r["outcome"] != "cancelled"
        )
    return rs


def _check_clean(proc: subprocess.CompletedProcess) -> None:
    """A complete run exits 0 whatever its outcomes (failed requests are measurements, not test
    failures); exceptions in swapbench code would show a traceback."""
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]


def _check_prefix(rs: list[dict], slack: int) -> None:
    """Every model replays (a prefix of) the same sequence: same prompt at the same index."""
    by_model: dict[str, list[int]] = defaultdict(list)
    prompt_at: dict[int, str] = {}
    for r in rs:
        by_model[r["model"]].append(r["seq"])
        assert prompt_at.setdefault(r["seq"], r["prompt_id"]) == r["prompt_id"]
    for model, seqs in by_model.items():
        assert len(seqs) == len(set(seqs)), f"{model}: an index was sent twice"
        missing = max(seqs) + 1 - len(seqs)
        assert missing <= slack, f"{model}: {missing} indices skipped"


def test_headless_run_writes_a_consistent_run_directory(tmp_path: Path) -> None:
    sc = write_scenario(tmp_path)
    proc = run_locust(tmp_path, sc)  # no -t / -u: load.duration_s and load.users x models
    _check_clean(proc)
    path = run_dir(tmp_path)
    assert f"run directory {path.relative_to(tmp_path)}" in proc.stdout + proc.stderr
    run = RunDir(path)
    m = run.manifest
    assert m["status"] == "complete"
    assert m["models"] == ["base", "cand"]
    assert m["load"]["users"] == 4 and m["load"]["users_per_model"] == 2  # load.users x models
    assert m["load"]["mode"] == "closed" and m["capture"] == "full" and m["load"]["duration_s"] == 6
    assert m["simulator"]["ground_truth"] == "sim_truth.jsonl"
    assert set(m["achieved"]) == {"base", "cand"} and m["achieved"]["base"]["rps"] > 0
    assert m["client_loop_lag"]["local"]["n"] > 100  # a 10 ms probe ran through the whole run
    rs = _check_counts(path, tmp_path)
    assert {r["phase"] for r in rs} == {"warmup", "measure"}
    assert sum(r["outcome"] == "ok" for r in rs) >= 0.98 * len(rs)
    assert all(r["response"] for r in rs if r["outcome"] == "ok")  # capture full
    _check_prefix(rs, slack=0)  # requests in flight at the stop are rows too (outcome cancelled)
    # HDR percentiles agree with exact percentiles from the rows (3 significant digits)
    for model in run.models:
        h = run.histogram("ttft", model)
        vals = [
            r["ttft_us"]
            for r in rs
            if r["model"] == model and r["phase"] == "measure" and r["outcome"] == "ok"
        ]
        assert len(vals) > 50
        for p in (50, 90, 99):
            exact = metrics.exact_percentile(vals, p)
            hdr = h.get_value_at_percentile(p)
            assert exact <= hdr <= exact * 1.001 + 1, (model, p, exact, hdr)
    # the slower simulated model is slower, as configured (20 ms vs 40 ms median TTFT)
    assert run.histogram("ttft", "cand").get_value_at_percentile(50) > run.histogram(
        "ttft", "base"
    ).get_value_at_percentile(50)
    # measured TTFT agrees with the simulator's ground truth (joined on rid)
    truth = {}
    with open(path / "sim_truth.jsonl", encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            truth[t["rid"]] = t
    # every request the simulator saw is in the results (in flight at the stop: outcome cancelled)
    assert set(truth) <= {r["rid"] for r in rs}, set(truth) - {r["rid"] for r in rs}
    assert all(r["phase"] == "measure" for r in rs if r["outcome"] == "cancelled")
    diffs = []
    for r in (r for r in rs if r["outcome"] == "ok"):
        t = truth[r["rid"]]
        assert (t["model"], t["prompt_id"]) == (r["model"], r["prompt_id"])
        diffs.append(r["ttft_attempt_us"] - t["injected_ttft_us"])
    assert len(diffs) >= 0.98 * len(rs)
    diffs.sort()
    # the client cannot see a token before it is written (the simulator stamps its write a little
    # late when its process is descheduled, hence the small negative allowance) ...
    assert diffs[len(diffs) // 20] > -1000, diffs[:10]
    # ... and sees it within loopback transit time (2 shared cores: a generous bound)
    assert -500 < statistics.median(diffs) < 3000, statistics.median(diffs)
    assert sum(abs(d) < 5000 for d in diffs) >= 0.8 * len(diffs)


def test_processes_two_merge_into_one_run_directory(tmp_path: Path) -> None:
    sc = write_scenario(tmp_path)
    proc = run_locust(
        tmp_path,
        sc,
        "-t",
        "6s",
        "-u",
        "3",
        "--processes",
        "2",
        "--no-report",
        "--capture",
        "hash",
        "--warmup",
        "0",
    )
    _check_clean(proc)
    path = run_dir(tmp_path)
    m = RunDir(path).manifest
    assert m["status"] == "complete" and m["load"]["distributed"] and m["load"]["workers"] == 2
    assert set(m["client_loop_lag"]) == {"worker0", "worker1"}  # client health of every load process
    assert m["load"]["users"] == 4 and m["load"]["warmup_s"] == 0  # -u rounded up to equal users per model
    rs = _check_counts(path, tmp_path)
    assert len({r["rid"] for r in rs}) == len(rs)
    assert len({r["worker"] for r in rs}) == 2
    assert sum(r["outcome"] == "ok" for r in rs) >= 0.98 * len(rs)
    assert m["capture"] == "hash" and all(
        r["response"].startswith("sha256:") for r in rs if r["outcome"] == "ok"
    )
    assert all(r["phase"] == "measure" for r in rs)
    # blocks granted by the master: unused tails of the last blocks are the only gaps
    _check_prefix(rs, slack=60)
    truth = (path / "sim_truth.jsonl").read_text().count("\n")
    assert truth >= len(rs)  # one simulator served both workers


def test_pool_exhaustion_gives_pool_timeouts_and_a_pool_wait_tail(tmp_path: Path) -> None:
    slow = {"ttft_ms": {"median": 400, "p99": 600}, "itl_ms": {"mean": 1, "jitter": 0.1}}
    models = {
        "base": {"simulator": slow, "price": {"input_per_1m": 1, "output_per_1m": 1}},
        "cand": {"simulator": slow, "price": {"input_per_1m": 1, "output_per_1m": 1}},
    }
    client = {"max_connections": 2, "max_keepalive": 2, "pool_timeout_s": 0.25, "max_retries": 0}
    sc = write_scenario(tmp_path, models=models, client=client, load={"users": 8, "warmup_s": 0.5})
    proc = run_locust(tmp_path, sc, "-t", "5s", "--no-report")
    assert proc.returncode == 0, proc.stderr[-3000:]  # pool timeouts are results, not a failed run
    path = run_dir(tmp_path)
    rs = _check_counts(path, tmp_path)
    outcomes = Counter(r["outcome"] for r in rs if r["phase"] == "measure")
    assert outcomes["pool_timeout"] > 10, outcomes
    assert outcomes["ok"] > 0, outcomes
    waits = [r["pool_wait_us"] for r in rs if r["outcome"] == "pool_timeout"]
    assert all(w is not None and w >= 200_000 for w in waits), waits[:5]
    run = RunDir(path)
    pw = run.histogram("pool_wait", "base")
    assert pw.get_value_at_percentile(99) >= 200_000  # the tail: waits up to the pool timeout
    ok_waits = [r["pool_wait_us"] for r in rs if r["outcome"] == "ok" and r["model"] == "base"]
    assert ok_waits and min(ok_waits) < 250_000  # the ok ones got a connection within the timeout
    assert pw.get_total_count() == sum(
        1 for r in rs if r["model"] == "base" and r["phase"] == "measure" and r["outcome"] != "cancelled"
    )


def test_retry_storm_shows_429s_attempts_and_backoff(tmp_path: Path) -> None:
    limited = {
        "ttft_ms": {"median": 10, "p99": 20},
        "itl_ms": {"mean": 1, "jitter": 0.1},
        "rate_limit": {"rpm": 120},
    }
    models = {
        "base": {"simulator": limited, "price": {"input_per_1m": 1, "output_per_1m": 1}},
        "cand": {"simulator": limited, "price": {"input_per_1m": 1, "output_per_1m": 1}},
    }
    client = {"max_retries": 2, "backoff": {"initial_s": 0.05, "max_s": 0.2, "max_retry_after_s": 0.5}}
    sc = write_scenario(tmp_path, models=models, client=client, load={"warmup_s": 0.5})
    proc = run_locust(tmp_path, sc, "-t", "6s", "--no-report", "--csv", str(tmp_path / "lc"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    path = run_dir(tmp_path)
    rs = _check_counts(path, tmp_path)
    measured = [r for r in rs if r["phase"] == "measure"]
    assert sum(r["attempts"] for r in measured) > len(measured)  # retry amplification
    assert any(r["outcome"] == "http_429" for r in measured)
    assert any("http_429" in r["attempt_outcomes"] for r in measured if r["outcome"] == "ok") or any(
        r["retries"] for r in measured
    )
    assert sum(r["backoff_us"] for r in measured) > 0
    run = RunDir(path)
    assert run.histogram("backoff").get_total_count() == sum(1 for r in measured if r["backoff_us"])
    # Locust's failures table names the outcome class
    failures = (tmp_path / "lc_failures.csv").read_text()
    assert "http_429(" in failures


def _post(url: str, data: dict) -> dict:
    import urllib.request

    req = urllib.request.Request(url, data=json.dumps(data).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def _run_with_stall(tmp: Path, sc: Path, sim_url: str, sim_base: str, *args: str) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    cmd = locust_cmd(
        sc, "--headless", "--only-summary", "--no-report", "--sim-url", sim_url, "-t", "7s", *args
    )
    proc = subprocess.Popen(
        cmd, cwd=tmp, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.time() + 30
        while not (tmp / "reports").is_dir() and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(3.0)
        _post(f"{sim_base}/sim/stall", {"ms": 1500})
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode in (0, 1), err[-3000:]
    return run_dir(tmp)


def test_open_loop_shows_a_stall_that_closed_loop_hides(tmp_path: Path) -> None:
    from profiler.sim.server import start_subprocess

    sc = write_scenario(tmp_path, load={"users": 2, "warmup_s": 0.5, "arrival": {"rate_per_s": 20}})
    with start_subprocess(sc) as sim:
        open_dir = _run_with_stall(tmp_path / "open", sc, sim.url, sim.base, "--mode", "open")
        closed_dir = _run_with_stall(tmp_path / "closed", sc, sim.url, sim.base, "--mode", "closed")
    o_rows = [r for r in rows(open_dir) if r["phase"] == "measure" and r["model"] == "base"]
    c_rows = [r for r in rows(closed_dir) if r["phase"] == "measure" and r["model"] == "base"]
    assert RunDir(open_dir).manifest["load"]["mode"] == "open"
    assert RunDir(open_dir).manifest["achieved"]["base"]["target_rps"] == 20
    o_slow = sum(1 for r in o_rows if (r["ttft_us"] or 0) > 700_000)
    c_slow = sum(1 for r in c_rows if (r["ttft_us"] or 0) > 700_000)
    # open loop: every arrival during the 1.5 s stall waits (about 20/s x 1.5 s = 30 of them);
    # closed loop: only the requests in flight when it began (one per user) see it
    assert o_slow >= 10, (o_slow, len(o_rows))
    assert c_slow <= 4, c_slow
    o_p99 = RunDir(open_dir).histogram("ttft", "base").get_value_at_percentile(99)
    c_p99 = RunDir(closed_dir).histogram("ttft", "base").get_value_at_percentile(99)
    assert o_p99 > 700_000 > c_p99, (o_p99, c_p99)
    # latency is measured from the intended arrival time, lag is recorded (for every request that got
    # to start; one still running at the stop is a "cancelled" row)
    assert all(r["schedule_lag_us"] is not None for r in o_rows if r["outcome"] != "cancelled")
    assert len(o_rows) >= 0.7 * 20 * 6  # the arrival rate held through the stall


@pytest.mark.parametrize("extra", [[], ["--processes", "2"]], ids=["local", "processes2"])
def test_sigterm_mid_run_leaves_a_readable_interrupted_run(tmp_path: Path, extra: list[str]) -> None:
    sc = write_scenario(tmp_path)
    cmd = locust_cmd(sc, "--headless", "--only-summary", "--no-report", "-t", "60s", *extra)
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.time() + 30
        while not (tmp_path / "reports").is_dir() and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(3.5)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err[-2000:]  # an interrupted run is not a complete one
    path = run_dir(tmp_path)
    run = RunDir(path)
    assert run.status == "interrupted" and run.manifest["ended_at"]
    rs = list(run.iter_requests(None))
    assert len(rs) > 20, err[-2000:]
    measured = [r for r in rs if r["phase"] == "measure" and r["outcome"] == "ok"]
    assert run.histogram("e2e").get_total_count() == len(measured)  # everything measured was flushed
    pid = run.manifest["simulator"]["pid"]
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the simulator was stopped


def test_bad_scenario_is_one_line(tmp_path: Path) -> None:
    proc = run_locust(tmp_path, tmp_path / "missing.yaml", "-t", "2s")
    assert proc.returncode == 2
    assert "swapbench: error:" in proc.stderr and "missing.yaml" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_open_loop_arrivals_beyond_max_in_flight_are_dropped_rows(tmp_path: Path) -> None:
    slow = {"ttft_ms": {"median": 300, "p99": 400}, "itl_ms": {"mean": 1, "jitter": 0.1}}
    models = {
        "base": {"simulator": slow, "price": {"input_per_1m": 1, "output_per_1m": 1}},
        "cand": {"simulator": slow, "price": {"input_per_1m": 1, "output_per_1m": 1}},
    }
    load = {"mode": "open", "arrival": {"rate_per_s": 30, "process": "constant"}, "max_in_flight": 3,
            "warmup_s": 0.5}  # fmt: skip
    sc = write_scenario(tmp_path, models=models, load=load)
    proc = run_locust(tmp_path, sc, "-t", "5s", "--no-report")
    assert proc.returncode == 0, proc.stderr[-3000:]
    path = run_dir(tmp_path)
    rs = _check_counts(path, tmp_path)  # dropped arrivals are Locust requests (failures) and rows too
    run = RunDir(path)
    for model in ("base", "cand"):
        measured = [r for r in rs if r["model"] == model and r["phase"] == "measure"]
        out = Counter(r["outcome"] for r in measured)
        # 3 in flight x ~0.3 s each = ~10/s served of the 30/s arriving: about 2/3 dropped
        assert out["dropped"] > out["ok"] > 0, out
        assert run.manifest["achieved"][model]["dropped"] == out["dropped"]
        assert all(r["attempts"] == 0 and r["e2e_us"] is None for r in measured if r["outcome"] == "dropped")
        # the arrival process kept its rate although most arrivals found no free slot
        assert len(measured) >= 0.7 * 30 * 4.5
    assert any("dropped" in w for w in run.manifest["warnings"])


def test_sdk_transport_runs_the_same_job(tmp_path: Path) -> None:
    sc = write_scenario(tmp_path, load={"warmup_s": 0.5})
    proc = run_locust(tmp_path, sc, "-t", "4s", "--transport", "sdk", "--no-report")
    _check_clean(proc)
    path = run_dir(tmp_path)
    run = RunDir(path)
    assert run.manifest["load"]["transport"] == "sdk"
    rs = _check_counts(path, tmp_path)
    assert len(rs) > 20 and sum(r["outcome"] == "ok" for r in rs) >= 0.98 * len(rs)
    truth = {json.loads(line)["rid"] for line in (path / "sim_truth.jsonl").read_text().splitlines()}
    assert {r["rid"] for r in rs} <= truth  # the SDK path sends the rid / prompt-id headers too


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "open"], "load.arrival.rate_per_s: open loop needs an arrival rate"),
        (["--mode", "open", "--rate", "0"], "--rate: expected arrivals per second per model > 0, got 0"),
        (["--rate", "abc"], "--rate: expected a number, got 'abc'"),
        (["--warmup", "-3"], "--warmup: expected seconds >= 0, got -3"),
    ],
)
def test_bad_options_are_one_line_before_any_user_starts(
    tmp_path: Path, args: list[str], message: str
) -> None:
    sc = write_scenario(tmp_path)  # closed loop, no load.arrival
    proc = run_locust(tmp_path, sc, "-t", "3s", *args)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert not (tmp_path / "reports").exists()  # nothing started


def test_an_unreachable_endpoint_is_called_out(tmp_path: Path) -> None:
    sc = write_scenario(tmp_path)
    proc = run_locust(tmp_path, sc, "-t", "3s", "--no-report", "--sim-url", "http://127.0.0.1:9/v1")
    assert proc.returncode == 1, proc.stderr[-2000:]  # a broken experiment is not a complete run
    warnings = RunDir(run_dir(tmp_path)).manifest["warnings"]
    assert any("every request failed" in w and "Connection refused" in w for w in warnings), warnings
