"""The numbers of the comparison: per model (overall and per task) and candidate vs baseline.

Input is a :class:`profiler.report.data.RunData`; output is plain JSON-able dicts (the ``runs[i]`` part
of the report JSON, docs/report.md). Latency percentiles come from the HDR histograms; the paired
statistics (McNemar, bootstrap CIs) come from the request rows.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from profiler import metrics
from profiler.report import hdr, stats
from profiler.report.data import FAIL, JUDGE_KINDS, PASS, SCHEMA_KINDS, UNSCORED, RunData, load_run

PERCENTILES = (50, 90, 99, 99.9)
LATENCY_METRICS = ("ttft", "e2e", "itl", "tpot", "ttfb", "schedule_lag", "pool_wait", "backoff", "e2e_all")
MIN_LATENCY_SAMPLES = 30  # fewer ok requests than this: no latency comparison
MIN_PAIRS = 20  # fewer paired prompts/requests than this: no paired comparison


def _f(x: Any) -> float | None:
    """A JSON-safe float (None for NaN/inf/None)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _div(a: float, b: float) -> float | None:
    return _f(a / b) if b else None


def latency_summary(h: Any) -> dict[str, Any]:
    """count, mean, p50/p90/p99/p99.9 and max of an HDR histogram (µs) in milliseconds."""
    s = hdr.summary(h, PERCENTILES)
    out: dict[str, Any] = {"count": int(s["count"])}
    for key in ("mean", "p50", "p90", "p99", "p99_9", "max"):
        v = s.get(key)
        out[f"{key}_ms"] = None if v is None else round(float(v) / 1000.0, 3)
    return out


def measured_window_s(run: RunData) -> float | None:
    """Length of the measured window: first intended start to the last end, over all models."""
    t = run.cols["t_intended"]
    if t.size == 0:
        return None
    end = t + np.nan_to_num(run.cols["e2e_us"], nan=0.0) / 1e6
    w = float(np.nanmax(end) - np.nanmin(t))
    return w if w > 0 else None


def success_mask(run: RunData) -> tuple[np.ndarray, str]:
    """Which requests count as a successful task: scored pass, or (not scored) an ok response."""
    if run.scored:
        return run.task_status == PASS, "task pass (scores.jsonl)"
    return run.ok, "ok response (not scored)"


def _calibrate(p: float | None, cal: dict[str, Any] | None) -> float | None:
    """Rogan-Gladen correction of an observed judge pass rate with the judge's TPR/FPR."""
    if p is None or not cal:
        return None
    tpr, fpr = cal.get("tpr"), cal.get("fpr")
    if not isinstance(tpr, (int, float)) or not isinstance(fpr, (int, float)) or tpr - fpr <= 0.05:
        return None
    return min(1.0, max(0.0, (p - fpr) / (tpr - fpr)))


def _given_correction(cal: dict[str, Any] | None, model: str, task: str | None) -> dict[str, Any] | None:
    """The corrected judge rate written by ``swapbench score`` (``models.MODEL.overall|per_task.TASK``)."""
    if not cal or not isinstance(cal.get("models"), dict):
        return None
    m = cal["models"].get(model)
    if not isinstance(m, dict):
        return None
    e = m.get("overall") if task is None else (m.get("per_task") or {}).get(task)
    if not isinstance(e, dict) or not isinstance(e.get("corrected"), (int, float)):
        return None
    ci = e.get("corrected_ci") or [None, None]
    return {
        "value": float(e["corrected"]),
        "ci_low": _f(ci[0]) if ci[0] is not None else None,
        "ci_high": _f(ci[1]) if ci[1] is not None else None,
        "tpr": cal.get("tpr"),
        "fpr": cal.get("fpr"),
        "trustworthy": bool(e.get("trustworthy", cal.get("trustworthy", False))),
        "source": "judge_calibration.json",
    }


def _quality(run: RunData, mask: np.ndarray, model: str, task: str | None) -> dict[str, Any]:
    if not run.scored:
        return {"scored": False}
    st = run.task_status[mask]
    passes = int(np.count_nonzero(st == PASS))
    fails = int(np.count_nonzero(st == FAIL))
    unscored = int(np.count_nonzero(st == UNSCORED))
    missing = int(st.size - passes - fails - unscored)
    w = stats.wilson(passes, passes + fails)
    out: dict[str, Any] = {
        "scored": True,
        "task_success": {**w.as_dict(), "passes": passes, "n": passes + fails},
        "unscored": unscored,
        "missing_scores": missing,
    }
    kinds: dict[str, dict[str, int]] = {}
    for (mo, ta, kind, status), c in run.scores.counts.items():
        if mo != model or (task is not None and ta != task):
            continue
        d = kinds.setdefault(kind, {"pass": 0, "fail": 0, "unscored": 0})
        if status in d:
            d[status] += c
    by_kind = {}
    for kind, d in sorted(kinds.items()):
        iv = stats.wilson(d["pass"], d["pass"] + d["fail"])
        by_kind[kind] = {
            **iv.as_dict(),
            "passes": d["pass"],
            "n": d["pass"] + d["fail"],
            "unscored": d["unscored"],
        }
    out["by_kind"] = by_kind
    sp = sum(by_kind[k]["passes"] for k in by_kind if k in SCHEMA_KINDS)
    sn = sum(by_kind[k]["n"] for k in by_kind if k in SCHEMA_KINDS)
    out["schema_compliance"] = {**stats.wilson(sp, sn).as_dict(), "passes": sp, "n": sn} if sn else None
    jp = sum(by_kind[k]["passes"] for k in by_kind if k in JUDGE_KINDS)
    jn = sum(by_kind[k]["n"] for k in by_kind if k in JUDGE_KINDS)
    if jn:
        raw = stats.wilson(jp, jn)
        cal = run.calibration
        if cal and task is not None and isinstance(cal.get("per_task"), dict) and task in cal["per_task"]:
            cal = cal["per_task"][task]
        judge: dict[str, Any] = {"raw": {**raw.as_dict(), "passes": jp, "n": jn}, "calibrated": None}
        given = _given_correction(run.calibration, model, task)
        if given is not None:
            # the scoring stage already corrected it (its CI also carries the labels' uncertainty)
            judge["calibrated"] = given
        elif cal:
            c = _calibrate(raw.value, cal)
            if c is not None:
                judge["calibrated"] = {
                    "value": c,
                    "ci_low": _calibrate(raw.low, cal),
                    "ci_high": _calibrate(raw.high, cal),
                    "tpr": cal.get("tpr"),
                    "fpr": cal.get("fpr"),
                    "trustworthy": bool(cal.get("trustworthy", False)),
                    "source": "report (TPR/FPR)",
                }
        out["judge"] = judge
    else:
        out["judge"] = None
    return out


def group_stats(run: RunData, model: str, task: str | None, window_s: float | None) -> dict[str, Any]:
    """Every per-model number for one model, overall (``task=None``) or for one task."""
    mi = run.models.index(model)
    mask = run.model == mi
    if task is not None:
        mask &= run.task == (run.tasks.index(task) if task in run.tasks else -1)
    n = int(np.count_nonzero(mask))
    oc = np.bincount(run.outcome[mask], minlength=len(run.outcomes))
    outcomes = {name: int(oc[i]) for i, name in enumerate(run.outcomes) if oc[i]}
    ok_n = outcomes.get("ok", 0)
    timeouts = sum(outcomes.get(o, 0) for o in metrics.TIMEOUT_OUTCOMES)
    c = run.cols
    okm = mask & run.ok
    attempts = c["attempts"][mask]
    retries = c["retries"][mask]
    backoff = c["backoff_us"][mask]
    cost = float(np.nansum(c["cost_usd"][mask]))
    ptok = float(np.nansum(c["prompt_tokens"][mask]))
    ctok_all = float(np.nansum(c["completion_tokens"][mask]))
    succ, basis = success_mask(run)
    successes = int(np.count_nonzero(succ & mask))
    lat = {}
    for m in LATENCY_METRICS:
        lat[m] = latency_summary(run.histogram(m, model, task))

    def tok_mean(key: str) -> float | None:
        v = c[key][okm]
        return _f(np.nanmean(v)) if v.size and not np.all(np.isnan(v)) else None

    return {
        "requests": n,
        "latency": lat,
        "throughput": {
            "requests_per_s": _div(n, window_s or 0.0),
            "ok_per_s": _div(ok_n, window_s or 0.0),
            "output_tokens_per_s": _div(ctok_all, window_s or 0.0),
        },
        "reliability": {
            "ok": ok_n,
            "error_rate": _div(n - ok_n, n),
            "timeout_rate": _div(timeouts, n),
            "outcomes": outcomes,
            "retry_rate": _div(int(np.count_nonzero(retries > 0)), n),
            "attempts_per_request": _f(np.nanmean(attempts)) if n else None,
            "backoff_s_total": _f(np.nansum(backoff) / 1e6),
            "backoff_ms_per_request": _f(np.nanmean(backoff) / 1000.0) if n else None,
        },
        "tokens": {
            "basis": "ok requests",
            "prompt_per_request": tok_mean("prompt_tokens"),
            "completion_per_request": tok_mean("completion_tokens"),
            "reasoning_per_request": tok_mean("reasoning_tokens"),
            "cached_per_request": tok_mean("cached_tokens"),
            "estimated_share": _div(int(np.count_nonzero(c["tokens_estimated"][mask])), n),
        },
        "cost": {
            "total_usd": cost,
            "per_request_usd": _div(cost, n),
            "per_1k_tokens_usd": _div(cost * 1000.0, ptok + ctok_all),
            "per_success_usd": _div(cost, successes),
            "successes": successes,
            "success_basis": basis,
        },
        "quality": _quality(run, mask, model, task),
    }


# -- paired comparison ---------------------------------------------------------------------------
def _rank_in_prompt(prompt: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Occurrence number of each row within its prompt, in replay order (0, 1, 2...)."""
    order = np.lexsort((seq, prompt))
    p_sorted = prompt[order]
    starts = np.r_[True, p_sorted[1:] != p_sorted[:-1]]
    idx = np.arange(p_sorted.size)
    first = np.maximum.accumulate(np.where(starts, idx, 0))
    rank = np.empty_like(idx)
    rank[order] = idx - first
    return rank


def _pair_keys(run: RunData, mask: np.ndarray) -> np.ndarray:
    prompt = run.prompt[mask].astype(np.int64)
    seq = np.nan_to_num(run.cols["seq"][mask], nan=0.0)
    return prompt * 1_000_000_000 + _rank_in_prompt(prompt, seq)


def _change(base: float | None, cand: float | None, boot_rel: np.ndarray | None) -> dict[str, Any]:
    rel = stats.relative_change(cand, base)
    lo, hi = stats.percentile_interval(boot_rel) if boot_rel is not None else (None, None)
    iv = stats.Interval(rel, lo, hi)
    return {
        "baseline": _f(base),
        "candidate": _f(cand),
        "change_pct": None if rel is None else rel * 100.0,
        "ci_low_pct": None if lo is None else lo * 100.0,
        "ci_high_pct": None if hi is None else hi * 100.0,
        "significant": iv.excludes_zero,
    }


def token_inflation(
    run: RunData | str | Path,
    candidate: str,
    baseline: str | None = None,
    task: str | None = None,
    *,
    resamples: int = stats.DEFAULT_RESAMPLES,
    seed: int = stats.DEFAULT_SEED,
) -> dict[str, Any]:
    """Output-token inflation of ``candidate`` vs the baseline on the same prompts.

    Over prompts that both models answered ``ok`` at least once: ratio of the mean (over prompts) of the
    per-prompt mean completion tokens, with a bootstrap CI resampling prompts. ``change_pct`` is
    ``(ratio - 1) * 100``. Accepts a run directory path for convenience.
    """
    if not isinstance(run, RunData):
        run = load_run(run)
    baseline = baseline or run.baseline
    if candidate not in run.models or baseline not in run.models:
        raise KeyError(f"model not in run: {candidate if candidate not in run.models else baseline}")
    rng = np.random.default_rng(seed)
    P = len(run.prompts)
    okm = run.ok
    if task is not None:
        okm = okm & (run.task == (run.tasks.index(task) if task in run.tasks else -1))
    ct = np.nan_to_num(run.cols["completion_tokens"], nan=0.0)
    means = []
    counts = []
    for name in (baseline, candidate):
        m = okm & (run.model == run.models.index(name))
        cnt = np.bincount(run.prompt[m], minlength=P)
        tot = np.bincount(run.prompt[m], weights=ct[m], minlength=P)
        counts.append(cnt)
        with np.errstate(divide="ignore", invalid="ignore"):
            means.append(tot / cnt)
    paired = (counts[0] > 0) & (counts[1] > 0)
    npairs = int(np.count_nonzero(paired))
    b, c = means[0][paired], means[1][paired]
    out: dict[str, Any] = {"n_prompts": npairs, "baseline_mean": None, "candidate_mean": None}
    if npairs == 0 or b.sum() == 0:
        out.update(ratio=None, change_pct=None, ci_low_pct=None, ci_high_pct=None, significant=False)
        return out
    ratio = float(c.sum() / b.sum())
    boot = stats.bootstrap_ratio_of_sums(c, b, rng, resamples)[:, 0] if npairs >= MIN_PAIRS else None
    lo, hi = stats.percentile_interval(boot) if boot is not None else (None, None)
    iv = stats.Interval(ratio - 1, None if lo is None else lo - 1, None if hi is None else hi - 1)
    out.update(
        baseline_mean=float(b.mean()),
        candidate_mean=float(c.mean()),
        ratio=ratio,
        change_pct=(ratio - 1) * 100.0,
        ci_low_pct=None if lo is None else (lo - 1) * 100.0,
        ci_high_pct=None if hi is None else (hi - 1) * 100.0,
        significant=iv.excludes_zero,
    )
    return out


def compare_pair(
    run: RunData,
    candidate: str,
    task: str | None = None,
    *,
    resamples: int = stats.DEFAULT_RESAMPLES,
    seed: int = stats.DEFAULT_SEED,
    base_stats: dict[str, Any] | None = None,
    cand_stats: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Candidate vs baseline (overall or one task): latency, success, cost per success, token inflation."""
    rng = np.random.default_rng(seed)
    baseline = run.baseline
    bi, ci = run.models.index(baseline), run.models.index(candidate)
    tmask = np.ones(run.n, dtype=bool)
    if task is not None:
        tmask = run.task == (run.tasks.index(task) if task in run.tasks else -1)
    mb = tmask & (run.model == bi)
    mc = tmask & (run.model == ci)
    base_stats = base_stats or group_stats(run, baseline, task, measured_window_s(run))
    cand_stats = cand_stats or group_stats(run, candidate, task, measured_window_s(run))
    out: dict[str, Any] = {"baseline": baseline, "candidate": candidate, "task": task}

    # latency: HDR point estimates, request-level bootstrap of the row percentiles for the CI
    latency: dict[str, Any] = {}
    for metric, col in (("ttft", "ttft_us"), ("e2e", "e2e_us")):
        vb = run.cols[col][mb & run.ok]
        vc = run.cols[col][mc & run.ok]
        vb = np.sort(vb[np.isfinite(vb)])
        vc = np.sort(vc[np.isfinite(vc)])
        enough = vb.size >= MIN_LATENCY_SAMPLES and vc.size >= MIN_LATENCY_SAMPLES
        for q, key in ((50, "p50"), (99, "p99")):
            pb = base_stats["latency"][metric][f"{key}_ms"]
            pc = cand_stats["latency"][metric][f"{key}_ms"]
            boot = None
            if enough:
                bb = stats.bootstrap_quantile(vb, q / 100, rng, resamples)
                bc = stats.bootstrap_quantile(vc, q / 100, rng, resamples)
                with np.errstate(divide="ignore", invalid="ignore"):
                    boot = bc / bb - 1.0
            d = _change(pb, pc, boot)
            d["n_baseline"], d["n_candidate"] = int(vb.size), int(vc.size)
            latency[f"{metric}_{key}"] = d
        # the candidate's own p99 interval (for SLO gates), in ms
        if vc.size >= MIN_LATENCY_SAMPLES:
            lo, hi = stats.percentile_interval(stats.bootstrap_quantile(vc, 0.99, rng, resamples))
            latency[f"{metric}_p99"]["candidate_ci_ms"] = [_f(lo / 1000), _f(hi / 1000)]
        if vb.size >= MIN_LATENCY_SAMPLES:
            lo, hi = stats.percentile_interval(stats.bootstrap_quantile(vb, 0.99, rng, resamples))
            latency[f"{metric}_p99"]["baseline_ci_ms"] = [_f(lo / 1000), _f(hi / 1000)]
    out["latency"] = latency

    # success: McNemar on requests paired by (prompt, occurrence)
    if run.scored:
        sb = mb & ((run.task_status == PASS) | (run.task_status == FAIL))
        sc = mc & ((run.task_status == PASS) | (run.task_status == FAIL))
        kb, kc = _pair_keys(run, sb), _pair_keys(run, sc)
        _, ib, ic = np.intersect1d(kb, kc, assume_unique=True, return_indices=True)
        pb_ = (run.task_status[sb] == PASS)[ib]
        pc_ = (run.task_status[sc] == PASS)[ic]
        mc_ = stats.mcnemar(pb_, pc_)
        d = mc_.as_dict()
        d["baseline_rate"] = _f(pb_.mean()) if pb_.size else None
        d["candidate_rate"] = _f(pc_.mean()) if pc_.size else None
        d["diff_pt"] = None if mc_.diff.value is None else mc_.diff.value * 100
        d["ci_low_pt"] = None if mc_.diff.low is None else mc_.diff.low * 100
        d["ci_high_pt"] = None if mc_.diff.high is None else mc_.diff.high * 100
        d["enough_pairs"] = mc_.n_pairs >= MIN_PAIRS
        out["success"] = d
    else:
        out["success"] = None

    # cost per successful task: cluster bootstrap over prompts (same draw for both models)
    succ, basis = success_mask(run)
    P = len(run.prompts)
    cost = np.nan_to_num(run.cols["cost_usd"], nan=0.0)
    num = np.stack(
        [np.bincount(run.prompt[m], weights=cost[m], minlength=P) for m in (mc, mb)],
        axis=1,
    )
    den = np.stack(
        [np.bincount(run.prompt[m], weights=succ[m].astype(float), minlength=P) for m in (mc, mb)],
        axis=1,
    )
    used = (num.sum(axis=1) > 0) | (den.sum(axis=1) > 0)
    num, den = num[used], den[used]
    cb = _div(float(num[:, 1].sum()), float(den[:, 1].sum()))
    cc = _div(float(num[:, 0].sum()), float(den[:, 0].sum()))
    boot = None
    if num.shape[0] >= MIN_PAIRS and cb is not None and cc is not None:
        r = stats.bootstrap_ratio_of_sums(num, den, rng, resamples)
        with np.errstate(divide="ignore", invalid="ignore"):
            boot = r[:, 0] / r[:, 1] - 1.0
    cps = _change(cb, cc, boot)
    cps["basis"] = basis
    cps["n_prompts"] = int(num.shape[0])
    out["cost_per_success"] = cps
    out["token_inflation"] = token_inflation(
        run, candidate, baseline, task, resamples=resamples, seed=seed + 1
    )
    return out


def analyse_run(
    run: RunData,
    *,
    resamples: int = stats.DEFAULT_RESAMPLES,
    seed: int = stats.DEFAULT_SEED,
) -> dict[str, Any]:
    """All numbers of one run (no verdict): per-model stats and candidate-vs-baseline comparisons."""
    window = measured_window_s(run)
    groups: dict[str, Any] = {}
    for model in run.models:
        overall = group_stats(run, model, None, window)
        per_task = {t: group_stats(run, model, t, window) for t in run.tasks}
        groups[model] = {"overall": overall, "tasks": per_task}
    comparisons: dict[str, Any] = {}
    for cand in run.candidates:
        overall = compare_pair(
            run,
            cand,
            None,
            resamples=resamples,
            seed=seed,
            base_stats=groups[run.baseline]["overall"],
            cand_stats=groups[cand]["overall"],
        )
        overall["tasks"] = {
            t: compare_pair(
                run,
                cand,
                t,
                resamples=resamples,
                seed=seed,
                base_stats=groups[run.baseline]["tasks"][t],
                cand_stats=groups[cand]["tasks"][t],
            )
            for t in run.tasks
        }
        comparisons[cand] = overall
    man = run.manifest
    warnings = list(man.get("warnings") or [])
    if run.interrupted:
        warnings.insert(0, f"run {run.status}: results cover only part of the planned run")
    if run.cancelled:
        warnings.append(
            f"{run.cancelled} request(s) were in flight when the run stopped (outcome cancelled): "
            "kept in requests.jsonl, left out of every rate and percentile"
        )
    if run.truncated_rows:
        warnings.append(f"requests.jsonl: {run.truncated_rows} torn last line skipped")
    oor = {k: v for k, v in (man.get("out_of_range") or {}).items() if v}
    if oor:
        warnings.append(
            f"values clamped into the HDR range: {sum(oor.values())} ({', '.join(sorted(oor)[:3])}...)"
        )
    if not run.scored:
        warnings.append(
            "not scored: run `swapbench score` for quality; the verdict uses latency and cost only"
        )
    return {
        "run_id": run.run_id,
        "path": str(run.path),
        "status": run.status,
        "interrupted": run.interrupted,
        "scenario": run.scenario.get("name"),
        "started_at": man.get("started_at"),
        "ended_at": man.get("ended_at"),
        "baseline": run.baseline,
        "judge_model": run.judge_model,
        "models": list(run.models),
        "tasks": list(run.tasks),
        "load": man.get("load"),
        "measured_requests": run.n,
        "window_s": window,
        "scored": run.scored,
        "judge_calibration": run.calibration,
        "judge_cost_usd": run.scores.judge_cost_usd if run.scored else None,
        "warnings": warnings,
        "groups": groups,
        "comparisons": comparisons,
    }
