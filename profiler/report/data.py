"""Load one run directory into compact columns (through :mod:`profiler.rundir`, the only reader).

Requests become numpy arrays of the few keys the report needs; strings (model, task, prompt, outcome)
become integer codes. Scores are folded on the fly: one task status per request (int8) plus pass/fail
counters per (model, task, scorer kind), so 1,000,000 requests never live as 1,000,000 dicts.
"""

from __future__ import annotations

import gc
import operator
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


@dataclass
class ScoreCounts:
    """pass/fail/unscored counts per (model, task, kind) from scores.jsonl (task rows excluded)."""

    counts: Counter = field(default_factory=Counter)  # (model, task, kind, status) -> n
    judge_cost_usd: float = 0.0
    rows: int = 0
    file_present: bool = False


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
    scored: bool  # at least one request has a task score
    scores: ScoreCounts
    calibration: dict[str, Any] | None
    cancelled: int = 0  # rows in flight when the run stopped (not part of any comparison)
    _hists: dict[tuple[str, str, str], HdrHistogram] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.model.shape[0])

    @property
    def scenario(self) -> dict[str, Any]:
        sc = self.manifest.get("scenario")
        return sc if isinstance(sc, dict) else {}

    @property
    def judge_model(self) -> str | None:
        """The scenario's judge model key when the run also loaded it (never a swap candidate)."""
        j = self.scenario.get("judge")
        key = j.get("model") if isinstance(j, dict) else None
        return key if key in self.models and key != self.baseline else None

    @property
    def candidates(self) -> list[str]:
        return [m for m in self.models if m not in (self.baseline, self.judge_model)]

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


STRING_KEYS = ("model", "task", "prompt_id", "outcome")
CHUNK = 65536


class _Coder:
    """Incremental string -> integer code table."""

    def __init__(self, first: list[str] | None = None) -> None:
        self.table: dict[Any, int] = {}
        self.names: list[str] = []
        for name in first or ():
            self.code(name)

    def code(self, v: Any) -> int:
        c = self.table.get(v)
        if c is None:
            c = self.table[v] = len(self.names)
            self.names.append(v)
        return c


def _read_columns(rd: RunDir, coders: dict[str, _Coder]) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
    """Stream measured rows into numpy columns, converting every CHUNK rows (bounded Python objects)."""
    num_keys = [k for k in REQUEST_KEYS if k not in STRING_KEYS and k != "rid"]
    parts: dict[str, list[np.ndarray]] = {k: [] for k in (*STRING_KEYS, *num_keys)}
    rid_parts: list[np.ndarray] = []
    path = rd.requests_path
    chunk: list[dict[str, Any]] = []

    keys = (*STRING_KEYS, *num_keys, "rid")
    getter = operator.itemgetter(*keys)

    def values(r: dict[str, Any]) -> tuple[Any, ...]:
        try:
            return getter(r)
        except KeyError:  # rows may omit keys (older writers): null
            return tuple(r.get(k) for k in keys)
        except TypeError:
            raise UserError(f"{path}: expected a JSON object per line") from None

    def flush() -> None:
        columns = list(zip(*map(values, chunk), strict=True))
        chunk.clear()
        for j, key in enumerate(keys):
            vals = columns[j]
            if key in STRING_KEYS:
                code = coders[key].code
                try:
                    parts[key].append(np.fromiter(map(code, vals), dtype=np.int32, count=len(vals)))
                except TypeError:
                    raise UserError(f"{path}: {key}: expected a string in every row") from None
            elif key == "rid":
                rids = np.empty(len(vals), dtype=object)
                rids[:] = vals
                rid_parts.append(rids)
            elif key == "tokens_estimated":
                parts[key].append(np.array([bool(v) for v in vals], dtype=bool))
            else:
                try:
                    parts[key].append(np.array(vals, dtype=np.float64))  # None -> nan
                except (TypeError, ValueError):
                    raise UserError(f"{path}: {key}: expected a number or null in every row") from None

    cancelled = 0
    for row in rd.iter_requests():
        if row.get("outcome") == metrics.CANCELLED:  # in flight at the stop: counted, not compared
            cancelled += 1
            continue
        chunk.append(row)
        if len(chunk) >= CHUNK:
            flush()
    if chunk:
        flush()
    cols = {
        k: (np.concatenate(v) if v else np.zeros(0, dtype=bool if k == "tokens_estimated" else np.float64))
        for k, v in parts.items()
    }
    rids = np.concatenate(rid_parts) if rid_parts else np.zeros(0, dtype=object)
    return cols, rids, cancelled


def load_run(path: str | Path) -> RunData:
    """Read a run directory; raises :class:`UserError` (one line) for missing or corrupt inputs."""
    # millions of short-lived dicts from json.loads: the cyclic GC would rescan every live object over
    # and over (it doubled the load time at 1M rows); nothing here creates reference cycles
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_run(path)
    finally:
        if enabled:
            gc.enable()


def _load_run(path: str | Path) -> RunData:
    rd = RunDir(path)
    man = rd.manifest
    models_declared = [str(m) for m in (man.get("models") or [])]
    baseline = man.get("baseline") or (models_declared[0] if models_declared else None)
    coders = {
        "model": _Coder(models_declared),
        "task": _Coder([str(t) for t in (man.get("tasks") or [])]),
        "prompt_id": _Coder(),
        "outcome": _Coder(list(metrics.OUTCOMES)),
    }
    cols, rids, cancelled = _read_columns(rd, coders)
    n = rids.shape[0]
    models = coders["model"].names
    model = cols.pop("model")
    if baseline is None:
        if not models:
            raise UserError(f"{rd.path / 'run.json'}: baseline: expected a model key, got none")
        baseline = models[0]
    if baseline not in models:
        raise UserError(f"{rd.path / 'run.json'}: baseline: expected one of {models}, got {baseline!r}")
    # baseline first, then the others in manifest order
    order = [baseline] + [m for m in models if m != baseline]
    remap = np.array([order.index(m) for m in models], dtype=np.int32)
    model = remap[model] if n else model.astype(np.int32)
    models = order
    task, tasks = cols.pop("task").astype(np.int32), coders["task"].names
    prompt, prompts = cols.pop("prompt_id").astype(np.int32), coders["prompt_id"].names
    outcome, outcomes = cols.pop("outcome").astype(np.int32), coders["outcome"].names
    unknown = [o for o in outcomes if o not in metrics.OUTCOMES]
    if unknown:
        raise UserError(
            f"{rd.requests_path}: outcome: expected one of {', '.join(metrics.OUTCOMES)}, got {unknown[0]!r}"
        )
    for k in ("model", "task", "prompt_id"):
        bad = [v for v in coders[k].names if not isinstance(v, str)]
        if bad:
            raise UserError(f"{rd.requests_path}: {k}: expected a string in every row, got {bad[0]!r}")
    truncated = rd.truncated_rows
    task_status = np.full(n, NO_SCORE, dtype=np.int8)
    scores = ScoreCounts()
    scores.file_present = rd.has_scores()
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
        cancelled=cancelled,
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
