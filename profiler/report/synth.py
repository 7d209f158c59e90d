"""Synthetic run directories with known truth, for the report's tests and benchmark.

Written through :class:`profiler.rundir.RunWriter` (requests rows and hlog interval lines), so the
files follow docs/run-directory.md exactly. Every model replays the same prompt sequence; per-prompt
base token counts and a shared per-(prompt, occurrence) difficulty make the pairing meaningful.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from profiler import metrics
from profiler.rundir import CALIBRATION, SCORES, RunWriter

T0 = 1_795_000_000.0  # fixed run origin (epoch seconds) for reproducible files


@dataclass
class SynthModel:
    ttft_median_ms: float = 400.0
    ttft_sigma: float = 0.5  # lognormal shape
    itl_ms: float = 20.0
    verbosity: float = 1.0  # completion tokens = round(prompt's base length * verbosity)
    success: float = 0.85  # P(task pass | ok)
    error_5xx: float = 0.01
    timeout: float = 0.005  # read_timeout
    retry: float = 0.05  # share of requests with one 429 + backoff before success
    backoff_ms: float = 500.0
    price: dict[str, float] = field(default_factory=lambda: {"input_per_1m": 2.5, "output_per_1m": 10.0})
    response_text: str | None = None  # override every response text (e.g. to test escaping)
    error_text: str = "synthetic failure"  # error message of failed requests


@dataclass
class SynthTruth:
    path: Path
    rows: dict[str, dict[str, np.ndarray]]  # model -> column arrays of the measured rows


def make_run(
    path: str | Path,
    models: dict[str, SynthModel],
    *,
    n_per_model: int = 2000,
    n_prompts: int = 200,
    tasks: tuple[str, ...] = ("extraction", "ts_codegen"),
    rate_per_s: float = 20.0,
    warmup: int = 20,
    seed: int = 7,
    scored: bool = True,
    judge: dict[str, float] | None = None,  # {"tpr": .9, "fpr": .1} writes judge rows + calibration
    status: str = "complete",
    slo: dict[str, Any] | None = None,
    verdict: dict[str, Any] | None = None,
    shared_difficulty: float = 1.0,  # 1 = task pass decided by one shared uniform per (prompt, occurrence)
    judge_model: str | None = None,  # a model key that is the scenario's judge (loaded, not a candidate)
) -> SynthTruth:
    """Write a run directory at ``path`` (must not exist). The first model is the baseline."""
    path = Path(path)
    rng = np.random.default_rng(seed)
    keys = list(models)
    base_len = rng.integers(40, 400, size=n_prompts)
    prompt_len = rng.integers(100, 2000, size=n_prompts)
    prompt_task = np.arange(n_prompts) % len(tasks)
    n_total = warmup + n_per_model
    order = rng.integers(0, n_prompts, size=n_total)  # replay sequence, same for every model
    occurrence = np.zeros(n_total, dtype=np.int64)
    seen: dict[int, int] = {}
    for i, p in enumerate(order):
        occurrence[i] = seen.get(int(p), 0)
        seen[int(p)] = occurrence[i] + 1
    shared_u = rng.random(n_total)
    scenario = {
        "name": "synth",
        "baseline": keys[0],
        "models": {k: {"model": k, "price": m.price} for k, m in models.items()},
        "slo": slo if slo is not None else {"ttft_p99_ms": 2000, "error_rate_max": 0.05},
        "verdict": verdict
        or {
            "weights": {"quality": 0.5, "cost": 0.3, "latency": 0.2},
            "min_success_gain_pt": 0.0,
            "max_cost_increase_pct": 10.0,
            "max_latency_increase_pct": 20.0,
        },
    }
    if judge_model is not None:
        scenario["judge"] = {"model": judge_model}
    manifest = {
        "t0_epoch": T0,
        "scenario_path": "scenarios/synth.yaml",
        "scenario": scenario,
        "baseline": keys[0],
        "models": keys,
        "tasks": list(tasks),
        "load": {
            "mode": "open",
            "rate_per_s": rate_per_s,
            "duration_s": n_total / rate_per_s,
            "warmup_s": warmup / rate_per_s,
        },
        "capture": "full",
    }
    w = RunWriter(path, manifest)
    truth: dict[str, dict[str, np.ndarray]] = {}
    score_lines: list[str] = []
    for mi, (key, m) in enumerate(models.items()):
        mr = np.random.default_rng(seed * 1000 + mi + 1)
        t_int = T0 + np.arange(n_total) / rate_per_s
        u = mr.random(n_total)
        outcome = np.full(n_total, "ok", dtype=object)
        outcome[u < m.error_5xx] = "http_5xx"
        outcome[(u >= m.error_5xx) & (u < m.error_5xx + m.timeout)] = "read_timeout"
        ok = outcome == "ok"
        retried = mr.random(n_total) < m.retry
        attempts = np.where(retried, 2, 1) + np.where(outcome == "http_5xx", 2, 0)
        backoff = np.where(attempts > 1, (attempts - 1) * m.backoff_ms * 1000, 0).astype(np.int64)
        ttft = (np.exp(np.log(m.ttft_median_ms * 1000) + m.ttft_sigma * mr.standard_normal(n_total))).astype(
            np.int64
        ) + backoff
        ctoks = np.maximum(1, np.round(base_len[order] * m.verbosity)).astype(np.int64)
        ctoks = np.where(ok, ctoks, 0)
        e2e = ttft + (np.maximum(ctoks - 1, 0) * m.itl_ms * 1000).astype(np.int64)
        e2e = np.where(outcome == "read_timeout", ttft + 60_000_000, e2e)
        ptoks = prompt_len[order]
        cached = (ptoks // 4) * (mr.random(n_total) < 0.3)
        lag = mr.integers(0, 2000, size=n_total)
        pool = mr.integers(0, 500, size=n_total)
        if shared_difficulty >= 1.0:
            us = shared_u
        else:
            us = np.where(mr.random(n_total) < shared_difficulty, shared_u, mr.random(n_total))
        passed = ok & (us < m.success)
        rows = []
        intervals: dict[tuple[int, str], list[int]] = {}
        for i in range(n_total):
            p = int(order[i])
            task = tasks[prompt_task[p]]
            phase = "warmup" if i < warmup else "measure"
            is_ok = bool(ok[i])
            e2e_i = int(e2e[i])
            ttft_i = int(ttft[i]) if is_ok else None
            ct = int(ctoks[i])
            resp = m.response_text if m.response_text is not None else f"answer {key} {p} {'x' * 8}"
            row = {
                "rid": f"w0-{key}-{i}",
                "model": key,
                "task": task,
                "prompt_id": f"{task}/p{p:05d}",
                "seq": i,
                "phase": phase,
                "t_intended": round(float(t_int[i]), 6),
                "schedule_lag_us": int(lag[i]),
                "pool_wait_us": int(pool[i]),
                "connect_us": None,
                "ttfb_us": int(ttft[i]) - 1000 if is_ok else None,
                "ttft_us": ttft_i,
                "ttft_attempt_us": ttft_i - int(backoff[i]) if is_ok else None,
                "ttfa_us": ttft_i,
                "e2e_us": e2e_i,
                "tpot_us": metrics.tpot_us(e2e_i, ttft_i, ct) if is_ok else None,
                "itl_n": max(ct - 1, 0),
                "itl_mean_us": int(m.itl_ms * 1000) if ct > 1 else None,
                "itl_max_us": int(m.itl_ms * 1000) if ct > 1 else None,
                "chunks": ct,
                "attempts": int(attempts[i]),
                "retries": int(attempts[i]) - 1,
                "backoff_us": int(backoff[i]),
                "attempt_outcomes": ["http_429"] * (int(attempts[i]) - 1) + [str(outcome[i])],
                "outcome": str(outcome[i]),
                "http_status": 200 if is_ok else (500 if outcome[i] == "http_5xx" else 200),
                "error": None if is_ok else f"{outcome[i]}: {m.error_text}",
                "prompt_tokens": int(ptoks[i]),
                "completion_tokens": ct,
                "reasoning_tokens": 0,
                "cached_tokens": int(cached[i]),
                "tokens_estimated": False,
                "cost_usd": round(metrics.cost_usd(m.price, int(ptoks[i]), ct, int(cached[i]), 0), 10),
                "finish_reason": "stop" if is_ok else None,
                "response": resp if is_ok else None,
                "reasoning": None,
                "tool_calls": None,
                "new_connection": False,
                "worker": 0,
            }
            rows.append(row)
            if phase != "measure":
                continue
            k = int((t_int[i] + e2e_i / 1e6) // metrics.INTERVAL_S)
            vals = {
                "schedule_lag": row["schedule_lag_us"],
                "pool_wait": row["pool_wait_us"],
                "e2e_all": e2e_i,
            }
            if row["backoff_us"]:
                vals["backoff"] = row["backoff_us"]
            if is_ok:
                vals.update(
                    ttft=ttft_i,
                    ttfb=row["ttfb_us"],
                    ttfa=ttft_i,
                    e2e=e2e_i,
                    ttft_attempt=row["ttft_attempt_us"],
                )
                if row["tpot_us"] is not None:
                    vals["tpot"] = row["tpot_us"]
                    vals["itl"] = int(m.itl_ms * 1000)
            for metric, v in vals.items():
                intervals.setdefault((k, metrics.tag(metric, key, task)), []).append(int(v))
            if scored:
                status_ = "pass" if passed[i] else "fail"
                score_lines.append(
                    json.dumps({"rid": row["rid"], "model": key, "task": task, "prompt_id": row["prompt_id"],
                                "scorer": "task", "kind": "task", "status": status_, "score": 1.0 if passed[i] else 0.0,
                                "reason": "synthetic"})
                )  # fmt: skip
                if is_ok and task == tasks[0]:
                    score_lines.append(
                        json.dumps({"rid": row["rid"], "model": key, "task": task, "prompt_id": row["prompt_id"],
                                    "scorer": "json#0", "kind": "json", "status": "pass" if us[i] < 0.97 else "fail",
                                    "score": 1.0, "reason": "synthetic"})
                    )  # fmt: skip
                if judge is not None and is_ok:
                    jr = mr.random()
                    jp = jr < judge["tpr"] if passed[i] else jr < judge["fpr"]
                    score_lines.append(
                        json.dumps({"rid": row["rid"], "model": key, "task": task, "prompt_id": row["prompt_id"],
                                    "scorer": "judge", "kind": "judge", "status": "pass" if jp else "fail",
                                    "score": 1.0 if jp else 0.0, "reason": "synthetic",
                                    "judge_usage": {"prompt_tokens": 100, "completion_tokens": 20, "cost_usd": 0.0001}})
                    )  # fmt: skip
            if len(rows) >= 20000:
                w.write_rows(rows)
                rows = []
        w.write_rows(rows)
        blobs = []
        for (k, tg), values in sorted(intervals.items()):
            h = metrics.new_histogram()
            vals_u, counts = np.unique(np.asarray(values, dtype=np.int64), return_counts=True)
            for v, c in zip(vals_u.tolist(), counts.tolist(), strict=True):
                h.record_value(min(max(v, metrics.HDR_LOWEST), metrics.HDR_HIGHEST), c)
            blobs.append((k * metrics.INTERVAL_S, metrics.INTERVAL_S, tg, h.encode()))
        w.write_intervals(blobs)
        meas = slice(warmup, n_total)
        truth[key] = {
            "outcome": outcome[meas],
            "ttft_us": ttft[meas],
            "e2e_us": e2e[meas],
            "completion_tokens": ctoks[meas],
            "prompt": order[meas],
            "occurrence": occurrence[meas],
            "passed": passed[meas],
            "attempts": attempts[meas],
            "backoff_us": backoff[meas],
        }
    if scored:
        (path / SCORES).write_text("\n".join(score_lines) + "\n", encoding="utf-8")
        if judge is not None:
            cal = {"judge_model": "judge", "n": 200, "agreement": 0.9, "kappa": 0.78, "tpr": judge["tpr"],
                   "fpr": judge["fpr"], "confusion": {"tp": 90, "fp": 10, "tn": 90, "fn": 10},
                   "trustworthy": True, "min_kappa": 0.6, "per_task": {}}  # fmt: skip
            (path / CALIBRATION).write_text(json.dumps(cal), encoding="utf-8")
    w.update_manifest(
        achieved={k: {"requests": n_total, "measured": n_per_model} for k in keys},
    )
    w.close(status)
    return SynthTruth(path=path, rows=truth)
