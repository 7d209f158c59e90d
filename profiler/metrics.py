"""Metric definitions: the one place that says what each number means, and the HDR recorder.

Every report uses exactly these definitions (see DESIGN.md "Metric definitions"):

- times are integer microseconds taken with a monotonic clock, measured from ``t_intended``
  (``ttft_attempt`` from the start of the final attempt);
- ``tpot = (e2e - ttft) / (completion_tokens - 1)``;
- cost comes from the scenario's price table (:func:`cost_usd`);
- percentiles come from HDR histograms (1 µs to 1 h, 3 significant digits), reported with their count.

The :class:`Recorder` lives in every load-generating process. It turns one finished request into one
``requests.jsonl`` row and records its timings into per-interval *delta* histograms keyed by
``metric:model:task``. :meth:`Recorder.drain` hands over finished rows and encoded interval histograms,
so a local run writes them straight into the run directory and a distributed worker ships them to the
master unchanged (rows as batches, histograms as deltas). This module never imports locust.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

HDR_LOWEST = 1
HDR_HIGHEST = 3_600_000_000  # 1 hour in µs
HDR_SIGFIGS = 3
INTERVAL_S = 5.0

OUTCOMES: tuple[str, ...] = (
    "ok",
    "http_4xx",
    "http_429",
    "http_5xx",
    "connect_timeout",
    "read_timeout",
    "total_timeout",
    "pool_timeout",
    "stream_dropped",
    "stream_error_event",
    "no_done",
    "client_error",
    "dropped",
    "cancelled",
)
# In flight when the run stopped: a row (every started request is accounted for), but its e2e is only a
# lower bound and the model is not to blame, so it feeds no histogram, rate or task score.
CANCELLED = "cancelled"
TIMEOUT_OUTCOMES = frozenset({"connect_timeout", "read_timeout", "total_timeout", "pool_timeout"})

# metric name -> requests.jsonl key it is recorded from ("itl" is the per-chunk list)
ROW_METRICS: dict[str, str] = {
    "ttft": "ttft_us",
    "ttft_attempt": "ttft_attempt_us",
    "ttfa": "ttfa_us",
    "ttfb": "ttfb_us",
    "tpot": "tpot_us",
    "e2e": "e2e_us",
}
OK_ONLY = frozenset(ROW_METRICS) | {"itl"}
ALL_OUTCOME_METRICS: dict[str, str] = {
    "e2e_all": "e2e_us",
    "schedule_lag": "schedule_lag_us",
    "pool_wait": "pool_wait_us",
    "connect": "connect_us",
    "backoff": "backoff_us",
}
METRICS: tuple[str, ...] = (*ROW_METRICS, "itl", *ALL_OUTCOME_METRICS)

# Keys of a requests.jsonl row, in the order written (docs/run-directory.md).
ROW_KEYS: tuple[str, ...] = (
    "rid", "model", "task", "prompt_id", "seq", "phase", "t_intended", "schedule_lag_us",
    "pool_wait_us", "connect_us", "ttfb_us", "ttft_us", "ttft_attempt_us", "ttfa_us", "e2e_us",
    "tpot_us", "itl_n", "itl_mean_us", "itl_max_us", "chunks", "attempts", "retries", "backoff_us",
    "attempt_outcomes", "outcome", "http_status", "error", "prompt_tokens", "completion_tokens",
    "reasoning_tokens", "cached_tokens", "tokens_estimated", "cost_usd", "finish_reason", "response",
    "reasoning", "tool_calls", "new_connection", "worker",
)  # fmt: skip


_OUTCOME_FIELDS = (*ROW_KEYS, "itl_us")


def new_histogram() -> HdrHistogram:
    """An empty histogram with the project's layout (all histograms share it, so merging is cheap)."""
    return HdrHistogram(HDR_LOWEST, HDR_HIGHEST, HDR_SIGFIGS)


def tag(metric: str, model: str, task: str) -> str:
    """The hlog tag of one series. Model and task keys are restricted to [A-Za-z0-9_.-]."""
    return f"{metric}:{model}:{task}"


def parse_tag(value: str) -> tuple[str, str, str]:
    """Inverse of :func:`tag`: ``(metric, model, task)``."""
    metric, model, task = value.split(":", 2)
    return metric, model, task


def tpot_us(e2e_us: int | None, ttft_us: int | None, completion_tokens: int | None) -> int | None:
    """Time per output token after the first: ``(e2e - ttft) / (completion_tokens - 1)``."""
    if e2e_us is None or ttft_us is None or not completion_tokens or completion_tokens < 2:
        return None
    return int(round((e2e_us - ttft_us) / (completion_tokens - 1)))


def cost_usd(
    price: Any,
    prompt_tokens: int | None,
    completion_tokens: int | None,
    cached_tokens: int | None = 0,
    reasoning_tokens: int | None = 0,
) -> float:
    """Cost of one request from a price table (``input_per_1m``, ``output_per_1m``, optional
    ``cached_input_per_1m`` and ``reasoning_per_1m``; an object or a mapping).

    Cached prompt tokens are billed at the cached rate, the rest of the prompt at the input rate.
    Reasoning tokens are part of ``completion_tokens`` (as in OpenAI's usage) and billed at the
    reasoning rate, which defaults to the output rate.
    """
    get = price.get if isinstance(price, Mapping) else lambda k, d=None: getattr(price, k, d)
    p_in = float(get("input_per_1m", 0.0) or 0.0)
    p_out = float(get("output_per_1m", 0.0) or 0.0)
    p_cached = get("cached_input_per_1m", None)
    p_cached = p_in if p_cached is None else float(p_cached)
    p_reason = get("reasoning_per_1m", None)
    p_reason = p_out if p_reason is None else float(p_reason)
    prompt = int(prompt_tokens or 0)
    completion = int(completion_tokens or 0)
    cached = min(int(cached_tokens or 0), prompt)
    reasoning = min(int(reasoning_tokens or 0), completion)
    total = (
        (prompt - cached) * p_in + cached * p_cached + (completion - reasoning) * p_out + reasoning * p_reason
    )
    return total / 1_000_000


def build_row(
    outcome: Any,
    *,
    rid: str,
    model: str,
    task: str,
    prompt_id: str,
    seq: int,
    phase: str,
    t_intended: float,
    worker: int,
    price: Any,
) -> dict[str, Any]:
    """One ``requests.jsonl`` row from a client outcome (an ``Outcome`` or a mapping of row keys).

    Derived metrics (``tpot_us``, ITL summary, ``retries``, ``cost_usd``) are computed here and only here.
    """
    if isinstance(outcome, Mapping):
        src: Mapping[str, Any] = outcome
    else:  # an Outcome (a slotted dataclass): read each field once
        src = {k: getattr(outcome, k, None) for k in _OUTCOME_FIELDS}
    get = src.get
    row: dict[str, Any] = {k: get(k) for k in ROW_KEYS}
    itl = list(get("itl_us") or ())
    attempts = int(get("attempts") or 0)
    row.update(
        rid=rid,
        model=model,
        task=task,
        prompt_id=prompt_id,
        seq=seq,
        phase=phase,
        t_intended=round(t_intended, 6),
        worker=worker,
        attempts=attempts,
        retries=max(attempts - 1, 0),
        itl_n=len(itl),
        itl_mean_us=int(round(sum(itl) / len(itl))) if itl else None,
        itl_max_us=max(itl) if itl else None,
        backoff_us=int(get("backoff_us") or 0),
        http_status=int(get("http_status") or 0),
        tokens_estimated=bool(get("tokens_estimated")),
        new_connection=bool(get("new_connection")),
        attempt_outcomes=list(get("attempt_outcomes") or ()),
    )
    for k in ("prompt_tokens", "completion_tokens", "reasoning_tokens", "cached_tokens", "chunks"):
        row[k] = int(row[k] or 0)
    if row["outcome"] not in OUTCOMES:
        row["error"] = f"unknown outcome {row['outcome']!r}: {row['error'] or ''}".strip()
        row["outcome"] = "client_error"
    row["tpot_us"] = tpot_us(row["e2e_us"], row["ttft_us"], row["completion_tokens"])
    row["cost_usd"] = round(
        cost_usd(
            price,
            row["prompt_tokens"],
            row["completion_tokens"],
            row["cached_tokens"],
            row["reasoning_tokens"],
        ),
        10,
    )
    row["_itl_us"] = itl  # consumed by Recorder.record, never written
    return row


@dataclass
class Drained:
    """What a recorder hands over: finished rows and encoded interval histograms.

    ``intervals`` items are ``(start_epoch_s, length_s, tag, base64_blob)``. Both parts travel through
    msgpack (distributed mode) as plain lists, dicts, strings and bytes.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    intervals: list[tuple[float, float, str, bytes]] = field(default_factory=list)
    out_of_range: dict[str, int] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "intervals": [list(i) for i in self.intervals],
            "out_of_range": self.out_of_range,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Drained:
        return cls(
            rows=list(data.get("rows") or ()),
            intervals=[(float(a), float(b), str(c), bytes(d)) for a, b, c, d in data.get("intervals") or ()],
            out_of_range=dict(data.get("out_of_range") or {}),
        )


class Recorder:
    """Per-process collector: rows plus per-interval delta histograms.

    ``record(row)`` is called once per logical request, after it ended (so every histogram count
    matches a row). Only ``phase == "measure"`` rows feed histograms; every row is kept.
    Intervals are aligned to multiples of ``interval_s`` on the wall clock, so processes that never
    talk to each other still produce lines that add up per interval.
    """

    def __init__(self, interval_s: float = INTERVAL_S, clock: Any = time.time) -> None:
        self.interval_s = float(interval_s)
        self._clock = clock
        self._rows: list[dict[str, Any]] = []
        self._hists: dict[tuple[int, str], HdrHistogram] = {}
        self._out_of_range: dict[str, int] = {}

    def _hist(self, k: int, name: str) -> HdrHistogram:
        h = self._hists.get((k, name))
        if h is None:
            h = self._hists[(k, name)] = new_histogram()
        return h

    def _put(self, k: int, name: str, value: Any) -> None:
        if value is None:
            return
        v = int(value)
        if v < 0 or v > HDR_HIGHEST:
            self._out_of_range[name] = self._out_of_range.get(name, 0) + 1
            v = 0 if v < 0 else HDR_HIGHEST
        self._hist(k, name).record_value(v)

    def _put_many(self, k: int, name: str, values: Iterable[int]) -> None:
        h = None
        for value in values:
            v = int(value)
            if v < 0 or v > HDR_HIGHEST:
                self._out_of_range[name] = self._out_of_range.get(name, 0) + 1
                v = 0 if v < 0 else HDR_HIGHEST
            if h is None:
                h = self._hist(k, name)
            h.record_value(v)

    def record(self, row: dict[str, Any]) -> None:
        itl = row.pop("_itl_us", None) or ()
        self._rows.append(row)
        if row.get("phase") != "measure" or row.get("outcome") == CANCELLED:
            return
        k = int(self._clock() // self.interval_s)
        model, task = row["model"], row["task"]
        if row.get("outcome") == "ok":
            for metric, key in ROW_METRICS.items():
                self._put(k, tag(metric, model, task), row.get(key))
            if itl:
                self._put_many(k, tag("itl", model, task), itl)
        for metric, key in ALL_OUTCOME_METRICS.items():
            value = row.get(key)
            if metric == "backoff" and not value:
                continue  # only requests that actually backed off
            self._put(k, tag(metric, model, task), value)

    def drain(self, final: bool = False) -> Drained:
        """Hand over all rows, and the histograms of intervals that have ended (all of them if final)."""
        current = int(self._clock() // self.interval_s)
        out = Drained(rows=self._rows, out_of_range=self._out_of_range)
        self._rows = []
        self._out_of_range = {}
        for key in sorted(self._hists):
            k, name = key
            if final or k < current:
                h = self._hists.pop(key)
                if h.get_total_count():
                    out.intervals.append((k * self.interval_s, self.interval_s, name, h.encode()))
        return out

    def pending_rows(self) -> int:
        return len(self._rows)


def percentile_summary(h: HdrHistogram, percentiles: Iterable[float] = (50, 90, 99, 99.9)) -> dict[str, Any]:
    """``{count, mean, min, max, p50, ...}`` in µs; percentiles are None when the histogram is empty."""
    n = h.get_total_count()
    out: dict[str, Any] = {"count": n}
    if not n:
        out.update(mean=None, min=None, max=None, **{_pkey(p): None for p in percentiles})
        return out
    values = h.get_percentile_to_value_dict(list(percentiles))
    out.update(
        mean=h.get_mean_value(),
        min=h.get_min_value(),
        max=h.get_max_value(),
        **{_pkey(p): values[p] for p in percentiles},
    )
    return out


def exact_percentile(values: Any, p: float) -> float | None:
    """The sample HDR's percentile refers to: the ``max(1, int(p/100*n + 0.5))``-th smallest value.

    HDR then reports that sample's bucket's highest equivalent value (at most 0.1 % above it with 3
    significant figures), so ``exact <= hdr <= exact * 1.001 + 1``. Used to check HDR against raw rows.
    """
    import numpy as np

    arr = np.sort(np.asarray(values, dtype=np.float64))
    if not arr.size:
        return None
    rank = max(1, int(min(p, 100.0) * arr.size / 100 + 0.5))
    return float(arr[min(rank, arr.size) - 1])


def _pkey(p: float) -> str:
    return "p" + (str(int(p)) if float(p).is_integer() else str(p).replace(".", "_"))


def is_finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
