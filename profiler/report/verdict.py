"""SLO gates and the weighted verdict ("swap justified", "not yet", "inconclusive") with plain reasons.

The decision rule is documented in docs/report.md ("How the verdict is decided"); keep the two in step.
"""

from __future__ import annotations

from typing import Any

from profiler.report import stats

SWAP = "swap justified"
NOT_YET = "not yet"
INCONCLUSIVE = "inconclusive"
RANK = {NOT_YET: 0, INCONCLUSIVE: 1, SWAP: 2}  # higher is better
SWAP_MIN_SCORE = 0.25  # weighted score needed for "swap justified" (one lone small win is not enough)
RELIABILITY_MARGIN = 0.01  # error-rate increase (fraction) that blocks when the intervals do not overlap
MIN_IMPROVEMENT_PCT = 5.0  # latency/cost improvements smaller than this do not count as a win
CODES = {SWAP: "swap_justified", NOT_YET: "not_yet", INCONCLUSIVE: "inconclusive"}

DEFAULT_VERDICT = {
    "weights": {"quality": 0.5, "cost": 0.3, "latency": 0.2},
    "min_success_gain_pt": 0.0,
    "max_cost_increase_pct": 10.0,
    "max_latency_increase_pct": 20.0,
}


def _pct(x: float | None, digits: int = 0) -> str:
    if x is None:
        return "n/a"
    if abs(x) < 10:
        digits = max(digits, 1)
    return f"{x:+.{digits}f} %"


def _ci_pct(d: dict[str, Any]) -> str:
    lo, hi = d.get("ci_low_pct"), d.get("ci_high_pct")
    if lo is None or hi is None:
        return ""
    digits = 1 if abs(hi - lo) < 4 or min(abs(lo), abs(hi)) < 1 else 0
    return f" (95 % CI {lo:+.{digits}f}..{hi:+.{digits}f} %)"


def _ms(v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v / 1000:.3g} s" if v >= 1000 else f"{v:.0f} ms"


def verdict_config(scenario: dict[str, Any]) -> dict[str, Any]:
    cfg = dict(DEFAULT_VERDICT)
    given = scenario.get("verdict") if isinstance(scenario, dict) else None
    if isinstance(given, dict):
        cfg.update({k: v for k, v in given.items() if v is not None})
        cfg["weights"] = {**DEFAULT_VERDICT["weights"], **(given.get("weights") or {})}
    return cfg


def slo_gates(run: dict[str, Any], model: str, scenario: dict[str, Any]) -> list[dict[str, Any]]:
    """Pass/fail of each SLO in the scenario for one model, with the measured value and its 95 % CI."""
    slo = scenario.get("slo") if isinstance(scenario, dict) else None
    if not isinstance(slo, dict):
        return []
    g = run["groups"][model]["overall"]
    rel = g["reliability"]
    n = g["requests"]
    cmp_ = run["comparisons"].get(model) or next(iter(run["comparisons"].values()), None)
    out = []

    def lat_ci(metric: str) -> list[float | None] | None:
        if cmp_ is None:
            return None
        d = cmp_["latency"].get(f"{metric}_p99", {})
        return d.get("candidate_ci_ms" if model != run["baseline"] else "baseline_ci_ms")

    for key, metric, label in (("ttft_p99_ms", "ttft", "p99 TTFT"), ("e2e_p99_ms", "e2e", "p99 E2E")):
        if slo.get(key) is None:
            continue
        v = g["latency"][metric]["p99_ms"]
        thr = float(slo[key])
        out.append(_gate(key, label, thr, v, lat_ci(metric), "max", unit="ms"))
    for key, label, count in (
        ("error_rate_max", "error rate", n - rel["ok"]),
        ("timeout_rate_max", "timeout rate", round((rel["timeout_rate"] or 0) * n)),
    ):
        if slo.get(key) is None:
            continue
        w = stats.wilson(int(count), n)
        out.append(_gate(key, label, float(slo[key]), w.value, [w.low, w.high], "max", unit="ratio"))
    if slo.get("success_rate_min") is not None:
        q = g["quality"]
        if not q.get("scored"):
            out.append(
                {
                    "gate": "success_rate_min",
                    "label": "task success",
                    "threshold": float(slo["success_rate_min"]),
                    "value": None,
                    "ci": None,
                    "pass": None,
                    "borderline": False,
                    "unit": "ratio",
                    "note": "not scored",
                }
            )
        else:
            ts = q["task_success"]
            out.append(
                _gate(
                    "success_rate_min",
                    "task success",
                    float(slo["success_rate_min"]),
                    ts["value"],
                    [ts["ci_low"], ts["ci_high"]],
                    "min",
                    unit="ratio",
                )
            )
    return out


def _gate(key, label, thr, value, ci, kind, unit) -> dict[str, Any]:
    if value is None:
        ok = None
    else:
        ok = value <= thr if kind == "max" else value >= thr
    borderline = bool(ci and ci[0] is not None and ci[1] is not None and ci[0] <= thr <= ci[1])
    return {
        "gate": key,
        "label": label,
        "threshold": thr,
        "value": value,
        "ci": ci,
        "pass": ok,
        "borderline": borderline,
        "unit": unit,
    }


def _fmt_gate_value(g: dict[str, Any], v: float | None) -> str:
    if v is None:
        return "n/a"
    return _ms(v) if g["unit"] == "ms" else f"{v * 100:.1f} %"


def gate_text(g: dict[str, Any]) -> str:
    word = "max" if g["gate"].endswith("_max") or g["gate"].endswith("_ms") else "min"
    return f"{g['label']} {word} {_fmt_gate_value(g, g['threshold'])}"


def decide(run: dict[str, Any], candidate: str, scenario: dict[str, Any]) -> dict[str, Any]:
    """The verdict for one candidate vs the run's baseline (see docs/report.md for the rule)."""
    cfg = verdict_config(scenario)
    weights = {k: float(v) for k, v in cfg["weights"].items()}
    c = run["comparisons"][candidate]
    base = run["baseline"]
    reasons: list[str] = []
    blockers: list[str] = []
    dims: dict[str, int | None] = {"quality": None, "cost": None, "latency": None}

    # latency: p99 TTFT
    lat = c["latency"]["ttft_p99"]
    gates_c = {g["gate"]: g for g in run["slo"].get(candidate, [])}
    gates_b = {g["gate"]: g for g in run["slo"].get(base, [])}
    ttft_gate = gates_c.get("ttft_p99_ms")
    if lat["change_pct"] is not None and lat["ci_low_pct"] is not None:
        s = _score_increase(lat, float(cfg["max_latency_increase_pct"]))
        dims["latency"] = s
        text = f"p99 TTFT {_pct(lat['change_pct'])}{_ci_pct(lat)}"
        if ttft_gate and ttft_gate["pass"] is False:
            text += f" fails the {_ms(ttft_gate['threshold'])} SLO"
        elif not lat["significant"]:
            text += ", not significant"
        elif s < 0:
            text += f", above the {cfg['max_latency_increase_pct']:g} % tolerance"
        reasons.append(text)
    else:
        reasons.append("p99 TTFT: too few ok requests to compare")

    # quality: task success, McNemar
    suc = c.get("success")
    if suc is None:
        reasons.append("quality not scored: verdict on latency and cost only")
    elif not suc.get("enough_pairs"):
        reasons.append(f"success: only {suc['n_pairs']} paired requests, too few to compare")
    else:
        diff = suc["diff_pt"]
        p = suc["p_value"]
        tol = float(cfg["min_success_gain_pt"])
        if suc["significant"] and diff > 0:
            dims["quality"] = 1
            reasons.append(f"success {diff:+.1f} pt, significant (McNemar p={p:.2g})")
        elif suc["significant"] and diff < -tol:
            dims["quality"] = -1
            reasons.append(f"success {diff:+.1f} pt, significantly worse (McNemar p={p:.2g})")
            blockers.append("quality")
        else:
            dims["quality"] = 0
            extra = " (within tolerance)" if suc["significant"] else ", not significant"
            reasons.append(f"success {diff:+.1f} pt{extra} (McNemar p={p:.2g})")

    # cost per successful task
    cps = c["cost_per_success"]
    label = "cost per successful task" if run["scored"] else "cost per ok response"
    if cps["change_pct"] is not None and cps["ci_low_pct"] is not None:
        s = _score_increase(cps, float(cfg["max_cost_increase_pct"]))
        dims["cost"] = s
        text = f"{label} {_pct(cps['change_pct'])}{_ci_pct(cps)}"
        if not cps["significant"]:
            text += ", not significant"
        elif s < 0:
            text += f", above the {cfg['max_cost_increase_pct']:g} % tolerance"
        reasons.append(text)
    else:
        reasons.append(f"{label}: not enough data to compare")

    # reliability: a candidate that fails clearly more often is not a swap, whatever its ok requests show
    gb, gc_ = run["groups"][base]["overall"], run["groups"][candidate]["overall"]
    nb, nc = gb["requests"], gc_["requests"]
    if nb and nc:
        eb = stats.wilson(nb - gb["reliability"]["ok"], nb)
        ec = stats.wilson(nc - gc_["reliability"]["ok"], nc)
        if ec.low > eb.high and ec.value - eb.value > RELIABILITY_MARGIN:
            blockers.append("reliability")
            reasons.append(
                f"error rate {ec.value * 100:.1f} % vs {eb.value * 100:.1f} % for the baseline "
                f"(95 % CIs {ec.low * 100:.1f}..{ec.high * 100:.1f} and {eb.low * 100:.1f}..{eb.high * 100:.1f} %)"
            )

    inf = c["token_inflation"]
    if inf.get("change_pct") is not None:
        sig = "" if inf["significant"] else ", not significant"
        reasons.append(f"output tokens {_pct(inf['change_pct'])} on the same prompts{_ci_pct(inf)}{sig}")

    # SLO gates: a gate the candidate fails and the baseline passes blocks the swap; passes whose CI
    # spans the limit are listed once at the end (with a few hundred requests most 1-2 % limits are)
    borderline: list[str] = []
    for key, g in gates_c.items():
        if g["pass"] is False:
            b = gates_b.get(key)
            if b is not None and b["pass"] is False:
                reasons.append(f"both models fail the {gate_text(g)} SLO (not held against the candidate)")
            else:
                blockers.append(f"slo:{key}")
                if key != "ttft_p99_ms" or dims["latency"] is None:
                    reasons.append(f"fails the {gate_text(g)} SLO ({_fmt_gate_value(g, g['value'])})")

        elif g["pass"] and g["borderline"]:
            borderline.append(f"{g['label']} {_fmt_gate_value(g, g['value'])}")
    if borderline:
        reasons.append("borderline SLO passes (95 % CI spans the limit): " + ", ".join(borderline))

    avail = {k: v for k, v in dims.items() if v is not None and weights.get(k, 0) > 0}
    wsum = sum(weights[k] for k in avail)
    score = sum(weights[k] * v for k, v in avail.items()) / wsum if wsum else None
    if blockers:
        verdict = NOT_YET
    elif score is None:
        verdict = INCONCLUSIVE
        reasons.insert(0, "not enough data for any comparison")
    elif score >= SWAP_MIN_SCORE:
        verdict = SWAP
    elif score < 0:
        verdict = NOT_YET
    else:
        verdict = INCONCLUSIVE
        if all(v == 0 for v in avail.values()):
            reasons.append("every difference is below the noise or within tolerance")
        else:
            reasons.append(
                f"weighted score {score:+.2f} is below the {SWAP_MIN_SCORE:g} needed to justify a swap"
            )
    if run.get("interrupted"):
        reasons.append(f"run {run['status']}: based on partial data")
    return {
        "candidate": candidate,
        "baseline": base,
        "verdict": verdict,
        "code": CODES[verdict],
        "score": score,
        "dimensions": dims,
        "weights": weights,
        "blockers": blockers,
        "reasons": reasons,
        "summary": f"{candidate} vs {base}: {verdict}: " + "; ".join(reasons),
    }


def _score_increase(d: dict[str, Any], tolerance_pct: float) -> int:
    """+1 significantly lower, -1 significantly higher beyond the tolerance, 0 otherwise."""
    if not d["significant"]:
        return 0
    if d["ci_high_pct"] is not None and d["ci_high_pct"] < 0:
        return 1 if d["change_pct"] is not None and d["change_pct"] <= -MIN_IMPROVEMENT_PCT else 0
    if d["change_pct"] is not None and d["change_pct"] > tolerance_pct:
        return -1
    return 0


def add_verdicts(run: dict[str, Any], scenario: dict[str, Any]) -> dict[str, Any]:
    """Fill ``run["slo"]`` and ``run["verdicts"]`` in place (and return the run)."""
    run["slo"] = {m: slo_gates(run, m, scenario) for m in run["models"] if m != run.get("judge_model")}
    run["verdict_config"] = verdict_config(scenario)
    run["verdicts"] = {c: decide(run, c, scenario) for c in run["comparisons"]}
    return run


def worst(verdicts: list[str]) -> str | None:
    return min(verdicts, key=lambda v: RANK[v]) if verdicts else None
