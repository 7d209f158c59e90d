"""Assemble the report document (the JSON schema in docs/report.md) from one or more run directories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from profiler.report import stats
from profiler.report.compare import analyse_run
from profiler.report.data import RunData, load_run
from profiler.report.verdict import add_verdicts, worst

SCHEMA_VERSION = 1


def headline(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The field report's table: avg latency, cost per 1k tokens, task success, timeout/retry rate,
    output token efficiency (tokens per ok request and the change vs the baseline on the same prompts)."""
    rows = []
    for model in run["models"]:
        g = run["groups"][model]["overall"]
        cmp_ = run["comparisons"].get(model)
        q = g["quality"]
        ts = q.get("task_success") if q.get("scored") else None
        rows.append(
            {
                "model": model,
                "role": "baseline"
                if model == run["baseline"]
                else ("judge" if model == run.get("judge_model") else "candidate"),
                "requests": g["requests"],
                "avg_latency_ms": g["latency"]["e2e"]["mean_ms"],
                "avg_ttft_ms": g["latency"]["ttft"]["mean_ms"],
                "ttft_p99_ms": g["latency"]["ttft"]["p99_ms"],
                "cost_per_1k_tokens_usd": g["cost"]["per_1k_tokens_usd"],
                "cost_per_success_usd": g["cost"]["per_success_usd"],
                "task_success_rate": ts["value"] if ts else None,
                "task_success_ci": [ts["ci_low"], ts["ci_high"]] if ts else None,
                "timeout_rate": g["reliability"]["timeout_rate"],
                "retry_rate": g["reliability"]["retry_rate"],
                "error_rate": g["reliability"]["error_rate"],
                "output_tokens_per_request": g["tokens"]["completion_per_request"],
                "output_token_change_pct": cmp_["token_inflation"]["change_pct"] if cmp_ else None,
                "verdict": run["verdicts"][model]["verdict"] if model in run.get("verdicts", {}) else None,
            }
        )
    return rows


def side_by_side(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Key rows per run per model, for comparing runs (e.g. yesterday vs today, concurrency levels)."""
    out = []
    for r in runs:
        load = r.get("load") or {}
        for h in r["headline"]:
            g = r["groups"][h["model"]]["overall"]
            out.append(
                {
                    "run_id": r["run_id"],
                    "status": r["status"],
                    "load": _load_label(load),
                    "model": h["model"],
                    "role": h["role"],
                    "requests": h["requests"],
                    "requests_per_s": g["throughput"]["requests_per_s"],
                    "ttft_p50_ms": g["latency"]["ttft"]["p50_ms"],
                    "ttft_p99_ms": g["latency"]["ttft"]["p99_ms"],
                    "e2e_p99_ms": g["latency"]["e2e"]["p99_ms"],
                    "error_rate": h["error_rate"],
                    "timeout_rate": h["timeout_rate"],
                    "retry_rate": h["retry_rate"],
                    "task_success_rate": h["task_success_rate"],
                    "cost_per_1k_tokens_usd": h["cost_per_1k_tokens_usd"],
                    "cost_per_success_usd": h["cost_per_success_usd"],
                    "output_token_change_pct": h["output_token_change_pct"],
                    "verdict": h["verdict"],
                }
            )
    return out


def _load_label(load: dict[str, Any]) -> str:
    if not load:
        return ""
    if load.get("mode") == "open":
        return f"open {load.get('rate_per_s')}/s"
    if load.get("users") is not None:
        return f"closed {load.get('users')} users"
    return str(load.get("mode") or "")


def analyse(
    data: RunData, *, resamples: int = stats.DEFAULT_RESAMPLES, seed: int = stats.DEFAULT_SEED
) -> dict[str, Any]:
    run = analyse_run(data, resamples=resamples, seed=seed)
    add_verdicts(run, data.scenario)
    run["headline"] = headline(run)
    return run


def build_report(
    paths: list[str | Path],
    *,
    resamples: int = stats.DEFAULT_RESAMPLES,
    seed: int = stats.DEFAULT_SEED,
    keep_data: bool = True,
) -> tuple[dict[str, Any], list[RunData]]:
    """The report document for the given run directories, plus the loaded runs (for plots)."""
    from profiler import __version__

    runs, datas = [], []
    for p in paths:
        data = load_run(p)
        runs.append(analyse(data, resamples=resamples, seed=seed))
        if keep_data:
            datas.append(data)
    verdicts = [v["verdict"] for r in runs for v in r["verdicts"].values()]
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": "swapbench",
        "tool_version": __version__,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "bootstrap": {"resamples": resamples, "seed": seed, "confidence": 1 - stats.ALPHA},
        "runs": runs,
        "side_by_side": side_by_side(runs),
        "verdict": {
            "worst": worst(verdicts),
            "by_run": {r["run_id"]: {c: v["verdict"] for c, v in r["verdicts"].items()} for r in runs},
            "interrupted": any(r["interrupted"] for r in runs),
        },
    }
    return doc, datas
