"""The LLM judge through the official openai SDK against the simulator: calibration, cache, trust."""

from __future__ import annotations

import pytest
from test_quality_fixtures import synthetic_rows, write_run, write_scenario

from profiler.quality.engine import score_run
from profiler.rundir import RunDir


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SWAPBENCH_CACHE_DIR", str(tmp_path / "cache"))


def test_judge_calibration_matches_simulated_agreement_and_cache(tmp_path):
    sc = write_scenario(tmp_path, n=60, n_labels=120, judge_agreement=0.9, min_kappa=0.5)
    run = write_run(tmp_path / "run", sc, synthetic_rows(n_per=4))
    res = score_run(run, concurrency=4)
    cal = RunDir(run).calibration
    assert cal is not None and cal == res.calibration
    assert cal["judge_model"] == "judge" and cal["n"] == 120 and cal["labels_unscored"] == 0
    # the simulated judge agrees with the truth with probability 0.9: binomial SE ~0.027 at n=120
    assert abs(cal["agreement"] - 0.9) < 0.1
    c = cal["confusion"]
    assert c["tp"] + c["fn"] == 60 and c["fp"] + c["tn"] == 60  # the labels file is half pass, half fail
    assert cal["kappa"] > 0.6 and cal["trustworthy"] is True
    assert cal["tpr"] > 0.75 and cal["fpr"] < 0.25
    assert set(cal["per_task"]) == {"extraction", "classify"}
    # corrected rates per model (judge rows of classify and extraction: 4 answers each per model)
    m = cal["models"]["base"]
    assert m["overall"]["n"] == 8 and set(m["per_task"]) == {"classify", "extraction"}
    assert 0 <= m["overall"]["corrected"] <= 1 and m["overall"]["raw_ci"][0] <= m["overall"]["raw"]
    # judge rows carry their own usage, apart from the models under test
    jrows = [r for r in RunDir(run).iter_scores() if r["kind"] == "judge" and r["status"] != "unscored"]
    assert jrows and all(r["details"]["cached"] or r["judge_usage"]["prompt_tokens"] > 0 for r in jrows)
    assert any(r["judge_usage"]["prompt_tokens"] > 0 for r in jrows)
    usage = res.judge_usage
    assert usage["calls"] > 0 and usage["cost_usd"] > 0 and usage["prompt_tokens"] > 0
    # a full re-score is free: every verdict comes from the cache and is the same
    before = {(r["rid"], r["scorer"]): r["status"] for r in RunDir(run).iter_scores()}
    res2 = score_run(run, rescore=True, concurrency=4)
    assert res2.judge_usage["calls"] == 0 and res2.judge_usage["cost_usd"] == 0
    assert res2.judge_usage["base_url"] is None  # all from the cache: no simulator was even started
    assert usage["base_url"].startswith("http://127.0.0.1:")
    assert res2.judge_usage["cache_hits"] == usage["calls"] + usage["cache_hits"]
    after = {(r["rid"], r["scorer"]): r["status"] for r in RunDir(run).iter_scores()}
    assert after == before
    assert res2.calibration["agreement"] == cal["agreement"]


def test_untrustworthy_judge_is_said_plainly(tmp_path):
    from io import StringIO

    from rich.console import Console

    from profiler.quality.summary import render

    sc = write_scenario(tmp_path, n=60, n_labels=120, judge_agreement=0.55, min_kappa=0.6)
    run = write_run(tmp_path / "run", sc, synthetic_rows(n_per=2))
    res = score_run(run, concurrency=4)
    cal = res.calibration
    assert cal["kappa"] < 0.6 and cal["trustworthy"] is False
    assert "< min_kappa 0.6" in cal["untrustworthy_reason"]
    out = StringIO()
    render(res, Console(file=out, width=200), ["base", "cand"])
    text = out.getvalue()
    assert "The judge is not trustworthy overall" in text
    assert cal["models"]["base"]["overall"]["trustworthy"] is False
