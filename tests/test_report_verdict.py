"""Verdict cases on synthetic runs: clear win, clear loss, below noise, SLO failure, CI exit codes."""

from __future__ import annotations

import json

import pytest

from profiler.report.build import build_report
from profiler.report.cli import main
from profiler.report.synth import SynthModel, make_run

CHEAP = {"input_per_1m": 1.0, "output_per_1m": 4.0}
PRICEY = {"input_per_1m": 5.0, "output_per_1m": 20.0}
STD = {"input_per_1m": 2.5, "output_per_1m": 10.0}


def _verdict(path, models, **kw):
    make_run(path, models, n_per_model=kw.pop("n", 1200), n_prompts=120, **kw)
    doc, _ = build_report([path], resamples=800)
    run = doc["runs"][0]
    return run, run["verdicts"]["cand"]


def test_clear_win(tmp_path):
    run, v = _verdict(
        tmp_path / "win",
        {
            "base": SynthModel(ttft_median_ms=600, success=0.75, price=STD),
            "cand": SynthModel(ttft_median_ms=350, success=0.90, price=CHEAP),
        },
    )
    assert v["verdict"] == "swap justified", v["reasons"]
    assert v["dimensions"] == {"quality": 1, "cost": 1, "latency": 1}
    text = " ".join(v["reasons"])
    assert "significant (McNemar p=" in text and "p99 TTFT -" in text and "cost per successful task -" in text


def test_clear_loss(tmp_path):
    run, v = _verdict(
        tmp_path / "loss",
        {
            "base": SynthModel(ttft_median_ms=350, success=0.90, price=STD),
            "cand": SynthModel(ttft_median_ms=700, success=0.78, verbosity=1.25, price=PRICEY),
        },
    )
    assert v["verdict"] == "not yet", v["reasons"]
    assert v["dimensions"] == {"quality": -1, "cost": -1, "latency": -1}
    assert "quality" in v["blockers"]
    assert any(r.startswith("output tokens +25 %") for r in v["reasons"])


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_below_noise_is_inconclusive(tmp_path, seed):
    # tiny true differences (success +0.5 pt, TTFT +1 %, same prices): nothing to act on
    run, v = _verdict(
        tmp_path / "same",
        {"base": SynthModel(price=STD), "cand": SynthModel(price=STD, success=0.855, ttft_median_ms=404)},
        shared_difficulty=0.9,
        seed=seed,
    )
    assert v["verdict"] == "inconclusive", v["reasons"]
    assert v["dimensions"]["quality"] == 0 and v["dimensions"]["cost"] == 0
    assert v["dimensions"]["latency"] in (0, 1)  # a lone noisy latency win is not enough to swap
    assert any("not significant" in r for r in v["reasons"])
    if all(d == 0 for d in v["dimensions"].values()):
        assert any("below the noise" in r for r in v["reasons"])


def test_slo_failure_blocks_and_is_explained(tmp_path):
    run, v = _verdict(
        tmp_path / "slo",
        {
            "base": SynthModel(ttft_median_ms=300, ttft_sigma=0.3, price=STD),
            "cand": SynthModel(ttft_median_ms=900, ttft_sigma=0.6, success=0.9, price=CHEAP),
        },
        slo={"ttft_p99_ms": 2000, "success_rate_min": 0.5},
    )
    gates = {g["gate"]: g for g in run["slo"]["cand"]}
    assert gates["ttft_p99_ms"]["pass"] is False
    assert gates["ttft_p99_ms"]["value"] > 2000
    assert gates["success_rate_min"]["pass"] is True
    assert v["verdict"] == "not yet"
    assert "slo:ttft_p99_ms" in v["blockers"]
    assert any(
        "fails the 2 s SLO" in r and r.startswith("p99 TTFT +") and "95 % CI" in r for r in v["reasons"]
    )


def test_small_success_loss_within_tolerance_does_not_block(tmp_path):
    run, v = _verdict(
        tmp_path / "tol",
        {
            "base": SynthModel(success=0.90, price=STD),
            "cand": SynthModel(success=0.87, price=CHEAP),
        },
        n=3000,
        verdict={"weights": {"quality": 0.5, "cost": 0.3, "latency": 0.2}, "min_success_gain_pt": 5.0},
    )
    assert run["comparisons"]["cand"]["success"]["significant"]
    assert v["dimensions"]["quality"] == 0
    assert v["verdict"] == "swap justified", v["reasons"]  # cheaper, quality loss tolerated


def _run_for_exit(tmp_path, name, cand):
    make_run(tmp_path / name, {"base": SynthModel(price=STD), "cand": cand}, n_per_model=600, n_prompts=80)
    return str(tmp_path / name)


@pytest.mark.parametrize(
    "cand,fail_on,code",
    [
        (SynthModel(ttft_median_ms=900, success=0.7, price=PRICEY), "not-yet", 1),
        (SynthModel(price=STD), "not-yet", 0),
        (SynthModel(price=STD), "inconclusive", 1),
        (SynthModel(ttft_median_ms=250, success=0.95, price=CHEAP), "inconclusive", 0),
    ],
)
def test_fail_on_exit_codes(tmp_path, capsys, cand, fail_on, code):
    run = _run_for_exit(tmp_path, "r", cand)
    assert main([run, "--format", "json", "--fail-on", fail_on, "--resamples", "300"]) == code
    doc = json.loads((tmp_path / "r" / "report.json").read_text())
    assert doc["schema_version"] == 1
    worst = doc["verdict"]["worst"]
    assert (worst in ("not yet",) if fail_on == "not-yet" else worst in ("not yet", "inconclusive")) == (
        code == 1
    )


def test_failing_candidate_is_blocked_on_reliability(tmp_path):
    run, v = _verdict(
        tmp_path / "err",
        {"base": SynthModel(price=STD), "cand": SynthModel(error_5xx=0.2, price=CHEAP)},
        n=600,
        scored=False,
        slo={},
    )
    assert v["verdict"] == "not yet" and "reliability" in v["blockers"], v["reasons"]
    assert any(r.startswith("error rate 2") and "for the baseline" in r for r in v["reasons"])


def test_degenerate_runs_still_report(tmp_path, capsys):
    make_run(tmp_path / "single", {"base": SynthModel()}, n_per_model=100, n_prompts=20)
    assert main([str(tmp_path / "single"), "--format", "terminal,json,html", "--resamples", "200",
                 "--fail-on", "inconclusive"]) == 0  # fmt: skip
    doc = json.loads((tmp_path / "single" / "report.json").read_text())
    assert doc["runs"][0]["comparisons"] == {} and doc["verdict"]["worst"] is None

    make_run(
        tmp_path / "empty", {"base": SynthModel(), "cand": SynthModel()}, n_per_model=0, n_prompts=5, warmup=3
    )
    assert main([str(tmp_path / "empty"), "--format", "md,json,csv,html", "--resamples", "200"]) == 0
    doc = json.loads((tmp_path / "empty" / "report.json").read_text())
    v = doc["runs"][0]["verdicts"]["cand"]
    assert v["verdict"] == "inconclusive" and "not enough data for any comparison" in v["reasons"]
