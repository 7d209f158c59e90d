"""Load one run directory into compact columns (through :mod:`profiler.rundir`, the only reader).

Requests become numpy arrays of the few keys the report needs; strings (model, task, prompt, outcome)
become integer codes. Scores are folded on the fly: one task status per request (int8) plus pass/fail
counters per (model, task, scorer kind), so 1,000,000 requests never live as 1,000,000 dicts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from hdrh.histogram import HdrHistogram

from profiler import metrics
from profiler.errors import UserError
from profiler.rundir import RunDir

REQUEST_KEYS: tuple[str, ...] = (
    "rid",
    "model",
    "task",
    "prompt_id",
    "seq",
    "t_intended",
    "e2e_us",
    "ttft_us",
    "attempts",
    "retries",
    "backoff_us",
    "outcome",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "cached_tokens",
    "cost_usd",
    "tokens_estimated",
)

# task status codes in RunData.task_status
NO_SCORE, FAIL, PASS, UNSCORED = -1, 0, 1, 2
_STATUS = {"fail": FAIL, "pass": PASS, "unscored": UNSCORED}
SCHEMA_KINDS = frozenset({"json", "json_schema", "schema", "jsonschema"})
JUDGE_KINDS = frozenset({"judge"})


def _codes(values: np.ndarray, order: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Integer codes for an object array of strings; ``order`` fixes the first codes."""
    table: dict[Any, int] = {}
    names: list[str] = []
    for name in order or ():
        table[name] = len(names)
        names.append(name)
    out = np.empty(values.shape[0], dtype=np.int32)
    get = table.get
    for i, v in enumerate(values):
        c = get(v)
        if c is None:
            c = table[v] = len(names)
            names.append(str(v))
        out[i] = c
    return out, names


@dataclass
class ScoreCounts:
    """pass/fail/unscored counts per (model, task, kind) from scores.jsonl (task rows excluded)."""

    counts: Counter = field(default_factory=Counter)  # (model, task, kind, status) -> n
    judge_cost_usd: float = 0.0
    rows: int = 0


@dataclass
class RunData:
    """One run, ready for the comparison (measured rows only)."""

    rd: RunDir
    path: Path
    run_id: str
    manifest: dict[str, Any]
    status: str
    interrupted: bool
    truncated_rows: int
    baseline: str
    models: list[str]
    tasks: list[str]
    prompts: list[str]
    outcomes: list[str]
    model: np.ndarray  # int32 codes into models
    task: np.ndarray  # int32 codes into tasks
    prompt: np.ndarray  # int32 codes into prompts
    outcome: np.ndarray  # int32 codes into outcomes
    cols: dict[str, np.ndarray]  # float64 columns (NaN = null)
    rids: np.ndarray  # object array of request ids
    task_status: np.ndarray  # int8: NO_SCORE/FAIL/PASS/UNSCORED
    scored: bool
    scores: ScoreCounts
    calibration: dict[str, Any] | None
    _hists: dict[tuple[str, str, str], HdrHistogram] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.model.shape[0])

    @property
    def scenario(self) -> dict[str, Any]:
        sc = self.manifest.get("scenario")
        return sc if isinstance(sc, dict) else {}

    @property
    def ok(self) -> np.ndarray:
        return self.outcome == self.outcomes.index("ok")

    def histogram(self, metric: str, model: str, task: str | None = None) -> HdrHistogram:
        """Merged HDR histogram of one metric for a model (all tasks when ``task`` is None)."""
        if task is not None:
            key = (metric, model, task)
            h = self._hists.get(key)
            if h is None:
                h = self._hists[key] = self.rd.histogram(metric, model, task)
            return h
        total = metrics.new_histogram()
        for t in self.hist_tasks(model):
            part = self.histogram(metric, model, t)
            if part.get_total_count():
                total.add(part)
        return total

    def hist_tasks(self, model: str) -> list[str]:
        tasks = set(self.tasks)
        for tg in self.rd.tags():
            _, mo, ta = metrics.parse_tag(tg)
            if mo == model:
                tasks.add(ta)
        return sorted(tasks)

    def intervals(self, metric: str, model: str) -> list[tuple[float, float, HdrHistogram]]:
        return self.rd.intervals(metric, model)


def load_run(path: str | Path) -> RunData:
    """Read a run directory; raises :class:`UserError` (one line) for missing or corrupt inputs."""
    rd = RunDir(path)
    man = rd.manifest
    models_declared = [str(m) for m in (man.get("models") or [])]
    baseline = man.get("baseline") or (models_declared[0] if models_declared else None)
    try:
        raw = rd.columns(REQUEST_KEYS)
    except (KeyError, TypeError, ValueError) as e:
        raise UserError(f"{rd.requests_path}: unexpected row content ({e})") from None
    n = len(raw["model"]) if "model" in raw else 0
    for key in ("model", "task", "prompt_id", "outcome"):
        col = raw[key]
        if n and (col.dtype != object or any(v is None for v in col[:1000])):
            raise UserError(f"{rd.requests_path}: {key}: expected a string in every row")
    model, models = _codes(raw["model"], models_declared)
    if baseline is None:
        if not models:
            raise UserError(f"{rd.path}: run.json: baseline: expected a model key, got none")
        baseline = models[0]
    if baseline not in models:
        raise UserError(f"{rd.path / 'run.json'}: baseline: expected one of {models}, got {baseline!r}")
    # baseline first, then the others in manifest order
    order = [baseline] + [m for m in models if m != baseline]
    remap = np.array([order.index(m) for m in models], dtype=np.int32)
    model = remap[model] if n else model
    models = order
    task, tasks = _codes(raw["task"], [str(t) for t in (man.get("tasks") or [])])
    prompt, prompts = _codes(raw["prompt_id"])
    outcome, outcomes = _codes(raw["outcome"], list(metrics.OUTCOMES))
    unknown = [o for o in outcomes if o not in metrics.OUTCOMES]
    if unknown:
        raise UserError(
            f"{rd.requests_path}: outcome: expected one of {', '.join(metrics.OUTCOMES)}, got {unknown[0]!r}"
        )
    cols: dict[str, np.ndarray] = {}
    for key in REQUEST_KEYS:
        if key in ("rid", "model", "task", "prompt_id", "outcome"):
            continue
        col = raw.pop(key)
        if col.dtype == object:
            if key == "tokens_estimated":
                col = np.array([bool(v) for v in col], dtype=bool)
            else:
                try:
                    col = np.array([np.nan if v is None else float(v) for v in col], dtype=np.float64)
                except (TypeError, ValueError):
                    raise UserError(
                        f"{rd.requests_path}: {key}: expected a number or null in every row"
                    ) from None
        if key == "tokens_estimated" and col.dtype != bool:
            col = np.nan_to_num(col.astype(np.float64)) > 0
        cols[key] = col if col.dtype == bool else col.astype(np.float64, copy=False)
    rids = raw.pop("rid")
    del raw
    truncated = rd.truncated_rows
    task_status = np.full(n, NO_SCORE, dtype=np.int8)
    scores = ScoreCounts()
    scored = rd.has_scores()
    if scored:
        index = {r: i for i, r in enumerate(rids)}
        counts = scores.counts
        for row in rd.iter_scores():
            scores.rows += 1
            status = row.get("status")
            scorer = row.get("scorer")
            if scorer == "task":
                i = index.get(row.get("rid"))
                if i is not None and status in _STATUS:
                    task_status[i] = _STATUS[status]
                continue
            counts[(row.get("model"), row.get("task"), str(row.get("kind") or scorer), str(status))] += 1
            usage = row.get("judge_usage")
            if isinstance(usage, dict):
                c = usage.get("cost_usd")
                if isinstance(c, (int, float)):
                    scores.judge_cost_usd += float(c)
        del index
        scored = bool(np.any(task_status != NO_SCORE))
    return RunData(
        rd=rd,
        path=rd.path,
        run_id=rd.run_id,
        manifest=man,
        status=rd.status,
        interrupted=rd.interrupted,
        truncated_rows=truncated,
        baseline=baseline,
        models=models,
        tasks=tasks,
        prompts=prompts,
        outcomes=outcomes,
        model=model,
        task=task,
        prompt=prompt,
        outcome=outcome,
        cols=cols,
        rids=rids,
        task_status=task_status,
        scored=scored,
        scores=scores,
        calibration=rd.calibration,
    )
