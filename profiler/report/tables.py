"""The report's tables as plain strings, shared by the terminal, Markdown and HTML renderers.

One place decides what each table shows and how numbers are formatted; renderers only lay them out
(and the HTML one escapes every cell).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from profiler.report.verdict import gate_text

NA = "–"
NOT_SCORED = "not scored"


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""


# -- number formatting ---------------------------------------------------------------------------
def ms(v: float | None) -> str:
    if v is None:
        return NA
    if v >= 10_000:
        return f"{v / 1000:.1f} s"
    if v >= 1000:
        return f"{v / 1000:.2f} s"
    if v >= 100:
        return f"{v:.0f} ms"
    if v >= 10:
        return f"{v:.1f} ms"
    return f"{v:.2f} ms"


def rate(v: float | None, digits: int = 1) -> str:
    return NA if v is None else f"{v * 100:.{digits}f} %"


def usd(v: float | None) -> str:
    if v is None:
        return NA
    if v == 0:
        return "$0"
    if abs(v) >= 100:
        return f"${v:,.0f}"
    if abs(v) >= 1:
        return f"${v:.2f}"
    return f"${v:.3g}"


def num(v: float | None, digits: int = 1) -> str:
    if v is None:
        return NA
    return f"{v:,.{digits}f}"


def pct_change(v: float | None) -> str:
    if v is None:
        return NA
    return f"{v:+.1f} %" if abs(v) < 10 else f"{v:+.0f} %"


def ci_pct(lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None:
        return ""
    d = 1 if abs(hi - lo) < 4 else 0
    return f"{lo:+.{d}f}..{hi:+.{d}f} %"


def with_ci(value: str, ci: str) -> str:
    return f"{value} ({ci})" if ci else value


def rate_ci(d: dict[str, Any] | None) -> str:
    if not d or d.get("value") is None:
        return NA
    lo, hi = d.get("ci_low"), d.get("ci_high")
    if lo is None or hi is None:
        return rate(d["value"])
    return f"{rate(d['value'])} ({lo * 100:.1f}–{hi * 100:.1f})"


def sig(flag: bool) -> str:
    return "yes" if flag else "no"


# -- tables --------------------------------------------------------------------------------------
def headline_table(run: dict[str, Any]) -> Table:
    t = Table(
        "headline",
        "Headline",
        [
            "model",
            "role",
            "avg latency (E2E)",
            "avg TTFT",
            "cost / 1k tokens",
            "task success (95 % CI)",
            "timeout rate",
            "retry rate",
            "output tokens / req",
            "output tokens vs baseline",
        ],
    )
    for h in run["headline"]:
        succ = NOT_SCORED
        if h["task_success_rate"] is not None:
            lo, hi = h["task_success_ci"]
            succ = f"{rate(h['task_success_rate'])} ({lo * 100:.1f}–{hi * 100:.1f})"
        t.rows.append(
            [
                h["model"],
                h["role"],
                ms(h["avg_latency_ms"]),
                ms(h["avg_ttft_ms"]),
                usd(h["cost_per_1k_tokens_usd"]),
                succ,
                rate(h["timeout_rate"], 2),
                rate(h["retry_rate"]),
                num(h["output_tokens_per_request"]),
                h["role"] if h["role"] != "candidate" else pct_change(h["output_token_change_pct"]),
            ]
        )
    t.note = "Latency means over ok requests (HDR); output tokens vs baseline are paired by prompt."
    return t


def verdict_table(run: dict[str, Any]) -> Table:
    t = Table("verdict", "Verdict", ["candidate", "vs", "verdict", "reasons"])
    for cand, v in run["verdicts"].items():
        t.rows.append([cand, v["baseline"], v["verdict"], "; ".join(v["reasons"])])
    return t


def slo_table(run: dict[str, Any]) -> Table:
    t = Table("slo", "SLO gates", ["model", "gate", "measured (95 % CI)", "result"])
    for model, gates in run["slo"].items():
        for g in gates:
            if g["unit"] == "ms":
                val = ms(g["value"])
                ci = f"{ms(g['ci'][0])}–{ms(g['ci'][1])}" if g["ci"] and g["ci"][0] is not None else ""
            else:
                val = rate(g["value"], 2)
                ci = (
                    f"{rate(g['ci'][0], 2)}–{rate(g['ci'][1], 2)}"
                    if g["ci"] and g["ci"][0] is not None
                    else ""
                )
            if g["pass"] is None:
                result = g.get("note") or NA
            else:
                result = "pass" if g["pass"] else "FAIL"
                if g["borderline"]:
                    result += " (borderline: CI spans the limit)"
            t.rows.append([model, gate_text(g), with_ci(val, ci), result])
    if not t.rows:
        t.note = "The scenario defines no SLO."
    return t


def comparison_table(run: dict[str, Any], cand: str) -> Table:
    c = run["comparisons"][cand]
    t = Table(
        f"compare-{cand}",
        f"{cand} vs {c['baseline']} (paired where possible)",
        ["metric", "baseline", "candidate", "change (95 % CI)", "significant"],
    )
    for key, label in (
        ("ttft_p50", "p50 TTFT"),
        ("ttft_p99", "p99 TTFT"),
        ("e2e_p50", "p50 E2E"),
        ("e2e_p99", "p99 E2E"),
    ):
        d = c["latency"][key]
        t.rows.append(
            [
                label,
                ms(d["baseline"]),
                ms(d["candidate"]),
                with_ci(pct_change(d["change_pct"]), ci_pct(d["ci_low_pct"], d["ci_high_pct"])),
                sig(d["significant"]),
            ]
        )
    s = c.get("success")
    if s is None:
        t.rows.append(["task success", NOT_SCORED, NOT_SCORED, NA, NA])
    else:
        diff = NA if s["diff_pt"] is None else f"{s['diff_pt']:+.1f} pt"
        ci = "" if s["ci_low_pt"] is None else f"{s['ci_low_pt']:+.1f}..{s['ci_high_pt']:+.1f} pt"
        p = NA if s["p_value"] is None else f"McNemar p={s['p_value']:.2g}, {s['n_pairs']} pairs"
        t.rows.append(
            [
                "task success (paired)",
                rate(s["baseline_rate"]),
                rate(s["candidate_rate"]),
                with_ci(diff, ci) + f"; {p}",
                sig(s["significant"]),
            ]
        )
    d = c["cost_per_success"]
    label = "cost per successful task" if run["scored"] else "cost per ok response"
    t.rows.append(
        [
            label,
            usd(d["baseline"]),
            usd(d["candidate"]),
            with_ci(pct_change(d["change_pct"]), ci_pct(d["ci_low_pct"], d["ci_high_pct"])),
            sig(d["significant"]),
        ]
    )
    d = c["token_inflation"]
    t.rows.append(
        [
            f"output tokens, same prompts ({d['n_prompts']})",
            num(d["baseline_mean"]),
            num(d["candidate_mean"]),
            with_ci(pct_change(d["change_pct"]), ci_pct(d["ci_low_pct"], d["ci_high_pct"])),
            sig(d["significant"]),
        ]
    )
    return t


LAT_LABELS = {
    "ttft": "TTFT",
    "e2e": "E2E (ok)",
    "itl": "ITL",
    "tpot": "TPOT",
    "ttfb": "TTFB",
    "schedule_lag": "schedule lag",
    "pool_wait": "pool wait",
    "backoff": "backoff",
    "e2e_all": "E2E (all outcomes)",
}


TASK_LAT = ("ttft", "e2e", "itl", "tpot")


def latency_table(run: dict[str, Any], task: str | None = None) -> Table:
    t = Table(
        "latency" if task is None else f"latency-{task}",
        "Latency (HDR histograms)" + ("" if task is None else f": {task}"),
        ["model", "metric", "count", "mean", "p50", "p90", "p99", "p99.9", "max"],
    )
    for model in run["models"]:
        g = run["groups"][model]["overall" if task is None else "tasks"]
        if task is not None:
            g = g.get(task)
            if g is None:
                continue
        for m, label in LAT_LABELS.items():
            if task is not None and m not in TASK_LAT:
                continue
            s = g["latency"][m]
            if not s["count"] and m in ("backoff", "ttfb", "schedule_lag", "pool_wait"):
                continue
            t.rows.append(
                [
                    model,
                    label,
                    f"{s['count']:,}",
                    ms(s["mean_ms"]),
                    ms(s["p50_ms"]),
                    ms(s["p90_ms"]),
                    ms(s["p99_ms"]),
                    ms(s["p99_9_ms"]),
                    ms(s["max_ms"]),
                ]
            )
    return t


def reliability_table(run: dict[str, Any]) -> Table:
    t = Table(
        "reliability",
        "Throughput and reliability",
        [
            "model",
            "requests",
            "req/s",
            "output tok/s",
            "error rate",
            "timeout rate",
            "retry rate",
            "attempts / req",
            "backoff total",
            "outcomes",
        ],
    )
    for model in run["models"]:
        g = run["groups"][model]["overall"]
        r = g["reliability"]
        outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(r["outcomes"].items(), key=lambda kv: -kv[1]))
        t.rows.append(
            [
                model,
                f"{g['requests']:,}",
                num(g["throughput"]["requests_per_s"], 2),
                num(g["throughput"]["output_tokens_per_s"], 0),
                rate(r["error_rate"], 2),
                rate(r["timeout_rate"], 2),
                rate(r["retry_rate"], 1),
                num(r["attempts_per_request"], 3),
                f"{r['backoff_s_total']:.1f} s" if r["backoff_s_total"] is not None else NA,
                outcomes,
            ]
        )
    w = run.get("window_s")
    t.note = f"Measured window {w:.1f} s." if w else ""
    return t


def cost_table(run: dict[str, Any]) -> Table:
    t = Table(
        "cost",
        "Tokens and cost",
        [
            "model",
            "prompt tok / req",
            "completion tok / req",
            "reasoning tok / req",
            "cached tok / req",
            "cost / request",
            "cost / 1k tokens",
            "cost / successful task",
            "total cost",
        ],
    )
    for model in run["models"]:
        g = run["groups"][model]["overall"]
        tk, c = g["tokens"], g["cost"]
        t.rows.append(
            [
                model,
                num(tk["prompt_per_request"]),
                num(tk["completion_per_request"]),
                num(tk["reasoning_per_request"]),
                num(tk["cached_per_request"]),
                usd(c["per_request_usd"]),
                usd(c["per_1k_tokens_usd"]),
                usd(c["per_success_usd"]),
                usd(c["total_usd"]),
            ]
        )
    basis = run["groups"][run["baseline"]]["overall"]["cost"]["success_basis"]
    t.note = (
        "Tokens per ok request. Cost per successful task = total cost of all measured requests / "
        f"successes ({basis})."
    )
    return t


def quality_table(run: dict[str, Any]) -> Table:
    t = Table(
        "quality",
        "Quality",
        [
            "model",
            "task success (95 % CI)",
            "schema compliance",
            "judge pass (raw)",
            "judge pass (calibrated)",
            "unscored",
        ],
    )
    for model in run["models"]:
        q = run["groups"][model]["overall"]["quality"]
        if not q.get("scored"):
            t.rows.append([model, NOT_SCORED, NOT_SCORED, NOT_SCORED, NOT_SCORED, NA])
            continue
        j = q.get("judge")
        cal = NA
        if j and j.get("calibrated"):
            cal = rate_ci(j["calibrated"])
            if not j["calibrated"].get("trustworthy"):
                cal += " (judge not trustworthy)"
        t.rows.append(
            [
                model,
                rate_ci(q["task_success"]),
                rate_ci(q.get("schema_compliance")),
                rate_ci(j["raw"]) if j else NA,
                cal,
                f"{q['unscored'] + q['missing_scores']:,}",
            ]
        )
    cal = run.get("judge_calibration")
    if cal:

        def f3(x: Any) -> str:
            return f"{x:.3f}" if isinstance(x, (int, float)) else str(x)

        trust = "" if cal.get("trustworthy", True) else " NOT trustworthy (kappa below min_kappa);"
        t.note = (
            f"Judge calibrated against {cal.get('n')} human labels: TPR {f3(cal.get('tpr'))}, "
            f"FPR {f3(cal.get('fpr'))}, kappa {f3(cal.get('kappa'))};{trust} "
            "calibrated rate = (raw - FPR) / (TPR - FPR)."
        )
    return t


def task_table(run: dict[str, Any]) -> Table:
    t = Table(
        "tasks",
        "Per task",
        [
            "task",
            "model",
            "requests",
            "p99 TTFT",
            "p99 E2E",
            "error rate",
            "task success",
            "cost / successful task",
            "output tokens vs baseline",
            "success vs baseline",
        ],
    )
    for task in run["tasks"]:
        for model in run["models"]:
            g = run["groups"][model]["tasks"].get(task)
            if g is None:
                continue
            cmp_ = run["comparisons"].get(model, {}).get("tasks", {}).get(task)
            q = g["quality"]
            inf = sdiff = "baseline" if model == run["baseline"] else NA
            if model == run.get("judge_model"):
                inf = sdiff = "judge"
            if cmp_:
                ti = cmp_["token_inflation"]
                inf = with_ci(pct_change(ti["change_pct"]), ci_pct(ti["ci_low_pct"], ti["ci_high_pct"]))
                s = cmp_.get("success")
                if s and s["diff_pt"] is not None:
                    sdiff = f"{s['diff_pt']:+.1f} pt (p={s['p_value']:.2g})"
            t.rows.append(
                [
                    task,
                    model,
                    f"{g['requests']:,}",
                    ms(g["latency"]["ttft"]["p99_ms"]),
                    ms(g["latency"]["e2e"]["p99_ms"]),
                    rate(g["reliability"]["error_rate"], 2),
                    rate_ci(q.get("task_success")) if q.get("scored") else NOT_SCORED,
                    usd(g["cost"]["per_success_usd"]),
                    inf,
                    sdiff,
                ]
            )
    return t


def side_by_side_table(doc: dict[str, Any]) -> Table:
    t = Table(
        "runs",
        "Runs side by side",
        [
            "run",
            "status",
            "load",
            "model",
            "req/s",
            "p50 TTFT",
            "p99 TTFT",
            "p99 E2E",
            "errors",
            "timeouts",
            "success",
            "cost / 1k tok",
            "cost / success",
            "tokens vs baseline",
            "verdict",
        ],
    )
    for r in doc["side_by_side"]:
        t.rows.append(
            [
                r["run_id"],
                r["status"],
                r["load"],
                r["model"],
                num(r["requests_per_s"], 2),
                ms(r["ttft_p50_ms"]),
                ms(r["ttft_p99_ms"]),
                ms(r["e2e_p99_ms"]),
                rate(r["error_rate"], 2),
                rate(r["timeout_rate"], 2),
                rate(r["task_success_rate"]) if r["task_success_rate"] is not None else NOT_SCORED,
                usd(r["cost_per_1k_tokens_usd"]),
                usd(r["cost_per_success_usd"]),
                r["role"] if r["role"] != "candidate" else pct_change(r["output_token_change_pct"]),
                r["verdict"] or "",
            ]
        )
    return t


def run_tables(run: dict[str, Any], *, detail: bool = True) -> list[Table]:
    """Every table of one run, in reading order (headline first)."""
    out = [headline_table(run), verdict_table(run), slo_table(run)]
    out += [comparison_table(run, c) for c in run["comparisons"]]
    if detail:
        out += [
            latency_table(run),
            reliability_table(run),
            cost_table(run),
            quality_table(run),
            task_table(run),
        ]
        out += [latency_table(run, t) for t in run["tasks"]]
    return out


def run_title(run: dict[str, Any]) -> str:
    flag = "" if not run["interrupted"] else f"  [{run['status'].upper()}: partial data]"
    return f"Run {run['run_id']} ({run.get('scenario') or 'scenario'}){flag}"
