"""End to end: a real Locust load run against the simulator, then `swapbench score`; the task success
rates must match the simulator's configured per-model accuracy within statistical error."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_quality_fixtures import write_scenario

from profiler.quality.summary import ALL, success_rates
from profiler.rundir import RunDir

REPO = Path(__file__).resolve().parents[1]
ACCURACY = {"base": 0.8, "cand": 0.5}
PER_MODEL = 300


@pytest.mark.slow
def test_load_run_then_score_matches_simulated_accuracy(tmp_path):
    sc = write_scenario(tmp_path / "sc", n=40, accuracy=ACCURACY)
    sc.write_text(
        sc.read_text().replace(
            "load: {mode: closed, users: 2, duration_s: 5, warmup_s: 0}",
            f"load: {{mode: closed, users: 2, duration_s: 60, warmup_s: 0, max_requests: {PER_MODEL}}}",
        )
    )
    env = {**os.environ, "SWAPBENCH_CACHE_DIR": str(tmp_path / "cache")}
    reports = tmp_path / "reports"
    load = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(REPO / "locustfiles" / "compare.py"), "--headless",
         "-u", "4", "-r", "4", "-t", "60s", "--scenario", str(sc), "--reports-dir", str(reports),
         "--run-id", "e2e", "--no-report"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    run = reports / "e2e"
    assert (run / "requests.jsonl").is_file(), load.stderr[-2000:]
    score = subprocess.run(
        [sys.executable, "-m", "profiler.cli", "score", str(run), "--quiet"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert score.returncode == 0, score.stderr[-2000:]
    rd = RunDir(run)
    rows = list(rd.iter_scores())
    measured = [r for r in rd.iter_requests() if r["model"] in ACCURACY]
    tasks = {(r["rid"]): r for r in rows if r["scorer"] == "task"}
    assert {r["rid"] for r in measured} <= set(tasks)
    rates = success_rates(rows)
    for model, acc in ACCURACY.items():
        s = rates[(model, ALL)]
        assert s["n"] >= 0.9 * PER_MODEL and s["unscored"] == 0
        se = math.sqrt(acc * (1 - acc) / s["n"])
        assert abs(s["rate"] - acc) < 4 * se, (model, s, acc)
        assert s["ci"][0] - 2 * se < acc < s["ci"][1] + 2 * se
        for task in ("extraction", "classify", "agent"):
            t = rates[(model, task)]
            se_t = math.sqrt(acc * (1 - acc) / t["n"])
            assert abs(t["rate"] - acc) < 4.5 * se_t, (model, task, t, acc)
    # the judge-based rate, corrected for the judge's error rates, estimates the same truth (looser: the
    # labels file is small)
    cal = json.loads((run / "judge_calibration.json").read_text())
    assert cal["n"] == 60 and cal["trustworthy"] is True
    for model, acc in ACCURACY.items():
        corrected = cal["models"][model]["overall"]["corrected"]
        assert corrected is not None and abs(corrected - acc) < 0.2, (model, corrected, acc)


@pytest.mark.slow
def test_shipped_quick_scenario_load_then_score(tmp_path):
    """The shipped scenario: deterministic tasks succeed at the simulator's accuracy times the share of
    requests that came back ok (a failed request is a failed task)."""
    from profiler.scenario import load_scenario

    scenario = REPO / "scenarios" / "quick.yaml"
    sc = load_scenario(scenario)
    env = {**os.environ, "SWAPBENCH_CACHE_DIR": str(tmp_path / "cache")}
    reports = tmp_path / "reports"
    load = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(REPO / "locustfiles" / "compare.py"), "--headless",
         "-t", "12s", "--scenario", str(scenario), "--reports-dir", str(reports), "--run-id", "quick",
         "--no-report"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    run = reports / "quick"
    assert (run / "requests.jsonl").is_file(), load.stderr[-2000:]
    score = subprocess.run(
        [sys.executable, "-m", "profiler.cli", "score", str(run), "--quiet"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert score.returncode == 0, score.stderr[-2000:]
    rd = RunDir(run)
    rows = list(rd.iter_scores())
    rates = success_rates(rows)
    reqs = list(rd.iter_requests())
    checked = 0
    for model in (sc.baseline, *[k for k in sc.model_keys if k != sc.baseline]):
        if sc.judge is not None and model == sc.judge.model:
            continue
        acc_spec = sc.models[model].simulator.accuracy
        for task, spec in sc.prompt_mix.tasks.items():
            kinds = {str(s.get("type")) for s in spec.scorers}
            if "judge" in kinds or "command" in kinds or (model, task) not in rates:
                continue  # judge-graded tasks depend on the judge's own error rate
            mine = [r for r in reqs if r["model"] == model and r["task"] == task]
            cancelled = sum(r["outcome"] == "cancelled" for r in mine)  # in flight at the stop: unscored
            mine = [r for r in mine if r["outcome"] != "cancelled"]
            ok_share = sum(r["outcome"] == "ok" for r in mine) / len(mine)
            acc = acc_spec.tasks.get(task, acc_spec.default) * ok_share
            t = rates[(model, task)]
            assert t["n"] >= 30 and t["unscored"] == cancelled, (model, task, t, cancelled)
            se = math.sqrt(acc * (1 - acc) / t["n"])
            assert abs(t["rate"] - acc) < 4.5 * se + 0.01, (model, task, t["rate"], acc)
            checked += 1
    assert checked >= 4
    cal = json.loads((run / "judge_calibration.json").read_text())
    assert cal["n"] > 0 and cal["kappa"] is not None
