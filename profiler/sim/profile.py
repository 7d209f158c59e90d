"""Per-model latency and capacity model, built from the scenario's ``simulator`` section.

Latency of one request (all samples drawn from the request's own seeded ``random.Random``):

- queue-free TTFT: lognormal with the configured median and p99
  (``mu = ln(median)``, ``sigma = (ln(p99) - mu) / z_0.99``), plus ``prefill_ms_per_1k_tokens`` for each 1k
  *uncached* prompt tokens, plus the hidden reasoning tokens decoded at the mean decode rate;
- decode: one gap per SSE chunk, ``tokens_per_chunk * itl_ms.mean`` with lognormal jitter whose coefficient
  of variation is ``itl_ms.jitter``;
- capacity: ``slots`` requests are served at once (prefill through the last token); later ones wait in a
  FIFO queue of at most ``queue`` requests (a full queue answers 429), so delivered TTFT = queue wait +
  the sampled TTFT, and a real saturation knee appears at ``slots / mean service time`` requests/s.
"""

from __future__ import annotations

import asyncio
import collections
import math
import random
from dataclasses import dataclass, field
from typing import Any

Z99 = 2.3263478740408408  # standard normal quantile at 0.99


def _get(obj: Any, name: str, default: Any) -> Any:
    value = getattr(obj, name, default) if obj is not None else default
    return default if value is None else value


def lognormal_from_mean_cv(rng: random.Random, mean: float, cv: float) -> float:
    """A lognormal sample with the given mean and coefficient of variation (``mean`` when cv <= 0)."""
    if mean <= 0:
        return 0.0
    if cv <= 0:
        return mean
    s2 = math.log1p(cv * cv)
    return rng.lognormvariate(math.log(mean) - s2 / 2, math.sqrt(s2))


@dataclass
class Faults:
    http_5xx: float = 0.0
    disconnect: float = 0.0
    error_event: float = 0.0
    stall: float = 0.0
    stall_ms: float = 5000.0


@dataclass
class ModelProfile:
    """Everything the simulator needs to know about one model (see docs/scenario.md ``simulator``)."""

    key: str
    name: str
    ttft_median_ms: float = 350.0
    ttft_p99_ms: float = 1200.0
    prefill_ms_per_1k: float = 15.0
    itl_mean_ms: float = 20.0
    itl_jitter: float = 0.25
    tokens_per_chunk: int = 1
    reasoning_mean: float = 0.0
    reasoning_cv: float = 0.5
    verbosity: float = 1.0
    slots: int = 64
    queue: int = 1024
    rpm: float = 0.0
    tpm: float = 0.0
    faults: Faults = field(default_factory=Faults)
    accuracy_default: float = 0.85
    accuracy_tasks: dict[str, float] = field(default_factory=dict)
    wrong_mix: dict[str, float] = field(
        default_factory=lambda: {"wrong": 0.6, "malformed": 0.2, "prose": 0.2}
    )
    judge_agreement: float = 0.9
    cache_hit_rate: float = 0.0

    @classmethod
    def from_spec(cls, key: str, name: str, sim: Any) -> ModelProfile:
        """Build from a scenario ``SimulatorSpec`` (any object with the documented attribute names)."""
        d = cls(key=key, name=name)
        ttft, itl, rt = (
            _get(sim, "ttft_ms", None),
            _get(sim, "itl_ms", None),
            _get(sim, "reasoning_tokens", None),
        )
        rl, fl = _get(sim, "rate_limit", None), _get(sim, "faults", None)
        acc, mix = _get(sim, "accuracy", None), _get(sim, "wrong_mix", None)
        return cls(
            key=key,
            name=name,
            ttft_median_ms=float(_get(ttft, "median", d.ttft_median_ms)),
            ttft_p99_ms=float(_get(ttft, "p99", d.ttft_p99_ms)),
            prefill_ms_per_1k=float(_get(sim, "prefill_ms_per_1k_tokens", d.prefill_ms_per_1k)),
            itl_mean_ms=float(_get(itl, "mean", d.itl_mean_ms)),
            itl_jitter=float(_get(itl, "jitter", d.itl_jitter)),
            tokens_per_chunk=max(1, int(_get(sim, "tokens_per_chunk", d.tokens_per_chunk))),
            reasoning_mean=float(_get(rt, "mean", d.reasoning_mean)),
            reasoning_cv=float(_get(rt, "cv", d.reasoning_cv)),
            verbosity=float(_get(sim, "verbosity", d.verbosity)),
            slots=max(1, int(_get(sim, "slots", d.slots))),
            queue=max(0, int(_get(sim, "queue", d.queue))),
            rpm=float(_get(rl, "rpm", 0)),
            tpm=float(_get(rl, "tpm", 0)),
            faults=Faults(
                http_5xx=float(_get(fl, "http_5xx", 0.0)),
                disconnect=float(_get(fl, "disconnect", 0.0)),
                error_event=float(_get(fl, "error_event", 0.0)),
                stall=float(_get(fl, "stall", 0.0)),
                stall_ms=float(_get(fl, "stall_ms", 5000.0)),
            ),
            accuracy_default=float(_get(acc, "default", d.accuracy_default)),
            accuracy_tasks={str(k): float(v) for k, v in dict(_get(acc, "tasks", {})).items()},
            wrong_mix={
                "wrong": float(_get(mix, "wrong", 0.6)),
                "malformed": float(_get(mix, "malformed", 0.2)),
                "prose": float(_get(mix, "prose", 0.2)),
            },
            judge_agreement=float(_get(sim, "judge_agreement", d.judge_agreement)),
            cache_hit_rate=float(_get(sim, "cache_hit_rate", d.cache_hit_rate)),
        )

    # -- sampling -------------------------------------------------------------------------------------------
    def sample_ttft_ms(self, rng: random.Random, uncached_prompt_tokens: int) -> float:
        """Queue-free TTFT without reasoning: lognormal prefill + per-1k-token prefill."""
        base = 0.0
        if self.ttft_median_ms > 0:
            mu = math.log(self.ttft_median_ms)
            sigma = max(0.0, (math.log(max(self.ttft_p99_ms, self.ttft_median_ms)) - mu) / Z99)
            base = rng.lognormvariate(mu, sigma) if sigma > 0 else self.ttft_median_ms
        return base + self.prefill_ms_per_1k * uncached_prompt_tokens / 1000.0

    def sample_reasoning_tokens(self, rng: random.Random) -> int:
        return int(round(lognormal_from_mean_cv(rng, self.reasoning_mean, self.reasoning_cv)))

    def sample_gaps_s(self, rng: random.Random, sizes: list[int]) -> list[float]:
        """Decode times (seconds) of chunks of ``sizes`` tokens: lognormal, mean ``size * itl_ms.mean``,
        coefficient of variation ``itl_ms.jitter``."""
        mean = self.itl_mean_ms / 1000.0
        if mean <= 0:
            return [0.0] * len(sizes)
        if self.itl_jitter <= 0:
            return [n * mean for n in sizes]
        s2 = math.log1p(self.itl_jitter * self.itl_jitter)
        sigma, shift = math.sqrt(s2), math.log(mean) - s2 / 2
        exp, gauss, log = math.exp, rng.gauss, math.log
        return [exp(shift + log(n) + sigma * gauss(0.0, 1.0)) for n in sizes]

    def accuracy(self, task: str) -> float:
        return self.accuracy_tasks.get(task, self.accuracy_default)


class QueueFull(Exception):
    """The model's waiting queue is full."""


class Capacity:
    """``slots`` concurrent requests, then a bounded FIFO queue."""

    __slots__ = ("slots", "queue_limit", "active", "waiters", "served")

    def __init__(self, slots: int, queue_limit: int) -> None:
        self.slots = slots
        self.queue_limit = queue_limit
        self.active = 0
        self.waiters: collections.deque[asyncio.Future] = collections.deque()
        self.served = 0

    @property
    def queued(self) -> int:
        return len(self.waiters)

    def try_acquire(self) -> asyncio.Future | None:
        """None when a slot was taken at once; else a future resolved when the slot is handed over.

        Raises :class:`QueueFull` when the queue is full. Cancel the future to leave the queue."""
        if self.active < self.slots and not self.waiters:
            self.active += 1
            return None
        if len(self.waiters) >= self.queue_limit:
            raise QueueFull
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        return fut

    def release(self) -> None:
        self.served += 1
        while self.waiters:
            fut = self.waiters.popleft()
            if not fut.done():
                fut.set_result(None)  # the slot passes to the next waiter, `active` unchanged
                return
        self.active -= 1

    def leave(self, fut: asyncio.Future) -> None:
        """A queued request went away (client disconnected)."""
        if fut.done() and not fut.cancelled():
            self.release()  # it had already been handed the slot
            self.served -= 1
        else:
            try:
                self.waiters.remove(fut)
            except ValueError:
                pass
