"""Hand-checked numbers of `swapbench report` on small synthetic run directories with known truth."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats as sps

from profiler import metrics
from profiler.errors import UserError
from profiler.report import hdr, stats
from profiler.report.build import build_report
from profiler.report.compare import token_inflation
from profiler.report.data import load_run
from profiler.report.synth import SynthModel, make_run

BASE = SynthModel(price={"input_per_1m": 2.5, "output_per_1m": 10.0, "cached_input_per_1m": 1.25})
CAND = SynthModel(
    ttft_median_ms=600,
    verbosity=1.2,
    success=0.80,
    price={"input_per_1m": 1.25, "output_per_1m": 10.0},
)


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "run"
    truth = make_run(
        path,
        {"base": BASE, "cand": CAND},
        n_per_model=1500,
        n_prompts=150,
        judge={"tpr": 0.9, "fpr": 0.1},
        shared_difficulty=0.7,
    )
    doc, datas = build_report([path], resamples=1000)
    return truth, doc, datas[0]


def nearest_rank(values: np.ndarray, q: float) -> float:
    v = np.sort(values)
    k = max(int(q * v.size + 0.5), 1)  # hdrh's target count rule
    return float(v[k - 1])


def test_percentiles_match_numpy_within_hdr_precision(synth):
    truth, doc, _ = synth
    run = doc["runs"][0]
    for model in ("base", "cand"):
        t = truth.rows[model]
        ok = t["outcome"] == "ok"
        for metric, col in (("ttft", "ttft_us"), ("e2e", "e2e_us")):
            values = t[col][ok].astype(float)
            lat = run["groups"][model]["overall"]["latency"][metric]
            assert lat["count"] == values.size
            assert lat["mean_ms"] == pytest.approx(values.mean() / 1000, rel=1e-3)
            for q, key in ((0.5, "p50_ms"), (0.9, "p90_ms"), (0.99, "p99_ms"), (0.999, "p99_9_ms")):
                exact = nearest_rank(values, q) / 1000
                assert lat[key] == pytest.approx(exact, rel=1.5e-3), (model, metric, key)
            assert np.percentile(values, 99) / 1000 == pytest.approx(lat["p99_ms"], rel=0.03)


def test_hdr_summary_matches_hdrh_itself(synth):
    _, _, data = synth
    for metric in ("ttft", "e2e", "backoff", "schedule_lag", "tpot"):
        h = data.histogram(metric, "cand")
        assert hdr.summary(h) == metrics.percentile_summary(h)


def test_reliability_counts(synth):
    truth, doc, _ = synth
    g = doc["runs"][0]["groups"]["base"]["overall"]
    t = truth.rows["base"]
    n = t["outcome"].size
    assert g["requests"] == n
    assert g["reliability"]["ok"] == int((t["outcome"] == "ok").sum())
    assert g["reliability"]["timeout_rate"] == pytest.approx((t["outcome"] == "read_timeout").mean())
    assert g["reliability"]["error_rate"] == pytest.approx((t["outcome"] != "ok").mean())
    assert g["reliability"]["attempts_per_request"] == pytest.approx(t["attempts"].mean())
    assert g["reliability"]["retry_rate"] == pytest.approx((t["attempts"] > 1).mean())
    assert g["reliability"]["backoff_s_total"] == pytest.approx(t["backoff_us"].sum() / 1e6)
    assert g["latency"]["backoff"]["count"] == int((t["backoff_us"] > 0).sum())


def test_costs_by_hand(synth):
    truth, doc, data = synth
    run = doc["runs"][0]
    rows = [json.loads(line) for line in (data.path / "requests.jsonl").read_text().splitlines()]
    rows = [r for r in rows if r["phase"] == "measure"]
    for model, spec in (("base", BASE), ("cand", CAND)):
        mine = [r for r in rows if r["model"] == model]
        total = sum(
            metrics.cost_usd(spec.price, r["prompt_tokens"], r["completion_tokens"], r["cached_tokens"], 0)
            for r in mine
        )
        tokens = sum(r["prompt_tokens"] + r["completion_tokens"] for r in mine)
        passes = int(truth.rows[model]["passed"].sum())
        c = run["groups"][model]["overall"]["cost"]
        assert c["total_usd"] == pytest.approx(total, rel=1e-6)
        assert c["per_request_usd"] == pytest.approx(total / len(mine), rel=1e-6)
        assert c["per_1k_tokens_usd"] == pytest.approx(total / tokens * 1000, rel=1e-6)
        assert c["successes"] == passes
        assert c["per_success_usd"] == pytest.approx(total / passes, rel=1e-6)
    cps = run["comparisons"]["cand"]["cost_per_success"]
    truth_change = (
        run["groups"]["cand"]["overall"]["cost"]["per_success_usd"]
        / (run["groups"]["base"]["overall"]["cost"]["per_success_usd"])
        - 1
    )
    assert cps["change_pct"] == pytest.approx(truth_change * 100)
    assert cps["ci_low_pct"] < cps["change_pct"] < cps["ci_high_pct"]


def test_token_inflation_is_the_configured_verbosity(synth):
    truth, doc, data = synth
    inf = doc["runs"][0]["comparisons"]["cand"]["token_inflation"]
    # by hand: per prompt mean completion tokens over ok requests, prompts both models answered
    per = {}
    for model in ("base", "cand"):
        t = truth.rows[model]
        d: dict[int, list[int]] = {}
        for p, ok, ct in zip(t["prompt"], t["outcome"] == "ok", t["completion_tokens"], strict=True):
            if ok:
                d.setdefault(int(p), []).append(int(ct))
        per[model] = {p: sum(v) / len(v) for p, v in d.items()}
    both = sorted(set(per["base"]) & set(per["cand"]))
    ratio = sum(per["cand"][p] for p in both) / sum(per["base"][p] for p in both)
    assert inf["n_prompts"] == len(both)
    assert inf["ratio"] == pytest.approx(ratio, rel=1e-9)
    assert inf["change_pct"] == pytest.approx(20.0, abs=0.5)  # verbosity 1.2, integer rounding
    assert inf["ci_low_pct"] <= (ratio - 1) * 100 <= inf["ci_high_pct"]
    assert inf["significant"]
    # the convenience entry point takes a path
    again = token_inflation(data.path, "cand")
    assert again["ratio"] == pytest.approx(ratio)


def test_mcnemar_pairs_and_p_value_match_scipy(synth):
    truth, doc, _ = synth
    s = doc["runs"][0]["comparisons"]["cand"]["success"]
    tb, tc = truth.rows["base"], truth.rows["cand"]
    kb = {
        (int(p), int(o)): bool(x)
        for p, o, x in zip(tb["prompt"], tb["occurrence"], tb["passed"], strict=True)
    }
    kc = {
        (int(p), int(o)): bool(x)
        for p, o, x in zip(tc["prompt"], tc["occurrence"], tc["passed"], strict=True)
    }
    common = set(kb) & set(kc)
    b = sum(1 for k in common if kb[k] and not kc[k])
    c = sum(1 for k in common if not kb[k] and kc[k])
    assert s["n_pairs"] == len(common)
    assert (s["baseline_only"], s["candidate_only"]) == (b, c)
    assert s["method"] == "chi2-cc"
    assert s["p_value"] == pytest.approx(sps.chi2.sf((abs(b - c) - 1) ** 2 / (b + c), 1))
    assert s["diff_pt"] == pytest.approx((c - b) / len(common) * 100)


@pytest.mark.parametrize("b,c", [(0, 0), (3, 9), (1, 0), (12, 13), (0, 7)])
def test_exact_mcnemar_equals_binomtest(b, c):
    base = np.array([True] * b + [False] * c + [True] * 40 + [False] * 10)
    cand = np.array([False] * b + [True] * c + [True] * 40 + [False] * 10)
    r = stats.mcnemar(base, cand)
    assert r.method == "exact"
    expected = 1.0 if b + c == 0 else sps.binomtest(min(b, c), b + c, 0.5).pvalue
    assert r.p_value == pytest.approx(expected)
    assert (r.b, r.c, r.n_pairs) == (b, c, b + c + 50)


def test_wilson_known_values():
    w = stats.wilson(8, 10)
    assert (round(w.low, 4), round(w.high, 4)) == (0.4902, 0.9433)
    assert stats.wilson(0, 0).value is None


def test_bootstrap_quantile_matches_brute_force_resampling():
    rng = np.random.default_rng(1)
    x = np.sort(rng.lognormal(6, 0.6, size=400))
    fast = stats.bootstrap_quantile(x, 0.9, np.random.default_rng(2), 4000)
    brute = np.array([nearest_rank(rng.choice(x, size=x.size, replace=True), 0.9) for _ in range(4000)])
    for q in (0.05, 0.5, 0.95):
        assert np.quantile(fast, q) == pytest.approx(np.quantile(brute, q), rel=0.03)


def test_bootstrap_cis_contain_the_truth_at_the_nominal_rate():
    # p50 of a lognormal (true median e^6) and a ratio of means, 200 simulated data sets each
    rng = np.random.default_rng(3)
    hits_q = hits_r = 0
    trials = 200
    for _ in range(trials):
        x = np.sort(rng.lognormal(6, 0.5, size=300))
        lo, hi = stats.percentile_interval(stats.bootstrap_quantile(x, 0.5, rng, 1000))
        hits_q += lo <= math.exp(6) <= hi
        a = rng.gamma(4, 50, size=120)  # per-prompt means, true ratio 1.2
        b = a * 1.2 * rng.lognormal(0, 0.1, size=120) / math.exp(0.005)
        lo, hi = stats.percentile_interval(stats.bootstrap_ratio_of_sums(b, a, rng, 500)[:, 0])
        hits_r += lo <= 1.2 <= hi
    assert 0.88 <= hits_q / trials <= 0.99
    assert 0.88 <= hits_r / trials <= 0.99


def test_latency_difference_ci_contains_truth(synth):
    _, doc, _ = synth
    lat = doc["runs"][0]["comparisons"]["cand"]["latency"]["ttft_p50"]
    # medians 400 ms vs 600 ms + backoff tails: true change close to +50 %
    assert lat["ci_low_pct"] < 50 < lat["ci_high_pct"]
    assert lat["significant"]


def test_judge_rate_is_calibrated(synth):
    truth, doc, _ = synth
    q = doc["runs"][0]["groups"]["cand"]["overall"]["quality"]
    t = truth.rows["cand"]
    ok = t["outcome"] == "ok"
    true_rate = t["passed"][ok].mean()
    j = q["judge"]
    raw = j["raw"]["value"]
    cal = j["calibrated"]
    assert cal["value"] == pytest.approx((raw - 0.1) / 0.8)
    assert cal["ci_low"] <= true_rate <= cal["ci_high"]
    assert abs(raw - true_rate) > abs(cal["value"] - true_rate)
    ts = q["task_success"]
    assert ts["value"] == pytest.approx(t["passed"].mean())
    assert q["schema_compliance"]["n"] > 0


def test_task_rows_per_task_add_up(synth):
    _, doc, _ = synth
    g = doc["runs"][0]["groups"]["base"]
    assert sum(t["requests"] for t in g["tasks"].values()) == g["overall"]["requests"]
    assert (
        sum(t["latency"]["ttft"]["count"] for t in g["tasks"].values())
        == g["overall"]["latency"]["ttft"]["count"]
    )


def test_unscored_run(tmp_path):
    make_run(
        tmp_path / "r",
        {"base": SynthModel(), "cand": SynthModel()},
        n_per_model=300,
        n_prompts=50,
        scored=False,
    )
    doc, _ = build_report([tmp_path / "r"], resamples=200)
    run = doc["runs"][0]
    assert run["scored"] is False
    assert run["groups"]["cand"]["overall"]["quality"] == {"scored": False}
    assert run["comparisons"]["cand"]["success"] is None
    assert run["groups"]["cand"]["overall"]["cost"]["success_basis"].startswith("ok response")
    assert any("quality not scored" in r for r in run["verdicts"]["cand"]["reasons"])
    assert any("not scored" in w for w in run["warnings"])


def test_interrupted_run_is_flagged_and_torn_line_skipped(tmp_path):
    make_run(
        tmp_path / "r",
        {"base": SynthModel(), "cand": SynthModel()},
        n_per_model=200,
        n_prompts=40,
        status="interrupted",
    )
    with open(tmp_path / "r" / "requests.jsonl", "a") as f:
        f.write('{"rid": "w0-torn", "model": "ba')  # the load stage died mid-write
    doc, _ = build_report([tmp_path / "r"], resamples=200)
    run = doc["runs"][0]
    assert run["interrupted"] and doc["verdict"]["interrupted"]
    assert run["warnings"][0].startswith("run interrupted")
    assert any("torn" in w for w in run["warnings"])
    assert any("partial data" in r for r in run["verdicts"]["cand"]["reasons"])


def test_missing_and_corrupt_inputs_are_one_line_errors(tmp_path, capsys):
    from profiler.cli import main

    assert main(["report", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "run directory not found" in err and err.count("\n") == 1

    make_run(
        tmp_path / "r",
        {"base": SynthModel(), "cand": SynthModel()},
        n_per_model=50,
        n_prompts=10,
        scored=False,
    )
    req = tmp_path / "r" / "requests.jsonl"
    lines = req.read_text().splitlines()
    lines[10] = lines[10][:30]
    req.write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError, match=r"requests.jsonl:11: not valid JSON"):
        load_run(tmp_path / "r")
    assert main(["report", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "requests.jsonl:11" in err and err.count("\n") == 1 and "Traceback" not in err

    make_run(tmp_path / "s", {"base": SynthModel()}, n_per_model=20, n_prompts=5, scored=False)
    (tmp_path / "s" / "latency.hlog").unlink()
    assert main(["report", str(tmp_path / "s"), "--format", "json"]) == 2
    assert "latency.hlog: missing" in capsys.readouterr().err

    make_run(tmp_path / "t", {"base": SynthModel()}, n_per_model=20, n_prompts=5, scored=False)
    (tmp_path / "t" / "run.json").write_text("{not json")
    assert main(["report", str(tmp_path / "t")]) == 2
    assert "run.json: not valid JSON" in capsys.readouterr().err


def test_scoring_stage_correction_is_used_when_present(tmp_path):
    make_run(tmp_path / "r", {"base": SynthModel(), "cand": SynthModel()}, n_per_model=200, n_prompts=30,
             judge={"tpr": 0.9, "fpr": 0.1})  # fmt: skip
    cal_path = tmp_path / "r" / "judge_calibration.json"
    cal = json.loads(cal_path.read_text())
    entry = {"corrected": 0.777, "corrected_ci": [0.6, 0.9], "trustworthy": True}
    cal["models"] = {"cand": {"overall": entry, "per_task": {"extraction": {**entry, "corrected": 0.5}}}}
    cal_path.write_text(json.dumps(cal))
    doc, _ = build_report([tmp_path / "r"], resamples=200)
    g = doc["runs"][0]["groups"]
    c = g["cand"]["overall"]["quality"]["judge"]["calibrated"]
    assert (c["value"], c["ci_low"], c["ci_high"], c["source"]) == (0.777, 0.6, 0.9, "judge_calibration.json")
    assert g["cand"]["tasks"]["extraction"]["quality"]["judge"]["calibrated"]["value"] == 0.5
    b = g["base"]["overall"]["quality"]["judge"]["calibrated"]  # no entry: corrected by the report itself
    assert b["source"] == "report (TPR/FPR)"
    assert b["value"] == pytest.approx((g["base"]["overall"]["quality"]["judge"]["raw"]["value"] - 0.1) / 0.8)


def test_cancelled_rows_are_counted_but_not_compared(tmp_path):
    """Requests in flight when the run stopped are rows (nothing started is lost) but their e2e is only a
    lower bound and the model is not to blame: no rate, percentile or task counts them."""
    from profiler.rundir import RunWriter

    w = RunWriter.create(tmp_path, "x", {"models": ["a"], "baseline": "a", "tasks": ["t"]})
    rec = metrics.Recorder()
    price = {"input_per_1m": 1.0, "output_per_1m": 1.0}
    for i in range(20):
        o = {"outcome": "ok", "ttft_us": 1000, "e2e_us": 5000, "completion_tokens": 5, "attempts": 1}
        if i >= 17:
            o = {"outcome": "cancelled", "e2e_us": 99_000, "attempts": 1, "error": "in flight"}
        rec.record(metrics.build_row(o, rid=f"w0-{i}", model="a", task="t", prompt_id=f"t/{i}", seq=i,
                                     phase="measure", t_intended=1e9 + i, worker=0, price=price))  # fmt: skip
    w.write_drained(rec.drain(final=True))
    w.close()
    run = load_run(w.path)
    assert run.cancelled == 3
    doc, _ = build_report([w.path], resamples=50)
    r = doc["runs"][0]
    assert any("3 request(s) were in flight when the run stopped" in x for x in r["warnings"])
    assert r["measured_requests"] == 17
    text = json.dumps(r["groups"])
    assert '"cancelled"' not in text and '"requests": 17' in text
