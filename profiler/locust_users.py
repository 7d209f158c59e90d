"""Locust user classes and the per-process load engine (closed and open loop).

One :class:`LoadEngine` lives in every load-generating process (the local runner, or each worker). It
holds what the users of that process share: the run's :class:`LoadSettings`, one transport per model
(built after Locust forks, at ``test_start``), the per-model prompt counters, the open-loop pools and the
:class:`profiler.metrics.Recorder`. A request goes: next prompt index -> ``transport.execute`` ->
``metrics.build_row`` -> exactly one Locust ``request`` event -> ``recorder.record``.

Prompt pairing: every model walks the same :class:`~profiler.prompts.PromptMix` sequence from index 0.
A local run keeps one counter per model. In distributed mode the master owns the per-model counters and
grants each worker blocks of consecutive indices on request (custom messages ``swapbench_seq`` /
``swapbench_seq_grant``; a block lasts about a second, the next one is asked for when half of it is
used). So whatever Locust's dispatcher puts on which worker, each model is sent a prefix of the same
sequence (up to the unused tail of the last blocks, at most a second of requests per worker and model).
The plain ``i = worker_index + k * n_workers`` split would break pairing: with two models on two workers
Locust places all users of one model on one worker, so one model would get only the even indices.

Closed loop: each Locust user sends its next request as soon as the previous one ended (plus the
scenario's think time); latency is "at concurrency N" and ``t_intended`` is the start of the request.
Open loop (field notes 1.11): each user is an arrival process (Poisson or constant) at
``rate / users_of_that_model``; every arrival is spawned into a per-model pool of ``max_in_flight``
greenlets and timed from its *intended* arrival time (no coordinated omission); arrivals that find the pool
full become rows with outcome ``dropped``.
"""

from __future__ import annotations

import collections
import itertools
import random
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

import gevent
import gevent.event
import gevent.pool
from locust import User, task

from profiler import metrics
from profiler.prompts import Prompt, PromptMix, request_body

LAG_PROBE_S = 0.01
PROMPT_ID_HEADER = "x-swapbench-prompt-id"
RID_HEADER = "x-swapbench-rid"


@dataclass
class LoadSettings:
    """What one run needs in every load-generating process (travels master -> workers as a dict)."""

    mode: str = "closed"  # closed | open
    rate_per_s: float | None = None  # open loop: arrivals per second per model (all processes together)
    process: str = "poisson"  # poisson | constant
    think_time_s: float = 0.0
    max_in_flight: int = 256  # open loop: per model per process
    warmup_s: float = 0.0
    capture: str = "full"
    transport: str = "fast"
    max_requests: int = 0  # per model, 0 = unlimited
    t0_epoch: float = 0.0  # test start on the master (warm-up is measured from it)
    users_per_model: int = 1
    n_workers: int = 1  # workers at test start (informational)
    sim_url: str | None = None
    run_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadSettings:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @property
    def warmup_end_epoch(self) -> float:
        return self.t0_epoch + self.warmup_s


def cancelled(t_intended: float) -> dict[str, Any]:
    """The outcome of a request still running when the run stopped; e2e is how long it had run."""
    return {
        "outcome": metrics.CANCELLED,
        "error": "in flight when the run stopped",
        "e2e_us": max(int((time.perf_counter() - t_intended) * 1e6), 0),
        "attempts": 1,
    }


class RequestFailure(Exception):
    """Base of the exceptions given to Locust's request event; the subclass is named after the outcome."""


FAILURES: dict[str, type[RequestFailure]] = {
    o: type(o, (RequestFailure,), {"__module__": "swapbench"}) for o in metrics.OUTCOMES if o != "ok"
}


FAILURE_MESSAGE_CHARS = 80  # Locust groups failures by message: keep it short and stable


def failure_for(outcome: str, error: str | None) -> RequestFailure:
    """``http_429('HTTP 429: rate_limit_exceeded: ...')``: the exception class names the outcome; the
    message is the start of the error (the full one is in requests.jsonl)."""
    cls = FAILURES.get(outcome) or FAILURES["client_error"]
    msg = " ".join((error or outcome).split())
    if len(msg) > FAILURE_MESSAGE_CHARS:
        msg = msg[: FAILURE_MESSAGE_CHARS - 3] + "..."
    return cls(msg)


class LoadEngine:
    """Per-process request machinery shared by all users of the process."""

    def __init__(self, sc: Any, mix: PromptMix, transport_factory: Callable[..., Any] | None = None) -> None:
        self.sc = sc
        self.mix = mix
        self.model_keys: list[str] = list(sc.model_keys)  # baseline first, no judge-only model
        self.models = {k: sc.models[k] for k in self.model_keys}
        self.transport_factory = transport_factory
        self.settings = LoadSettings()
        self.worker_index = 0
        self.recorder = metrics.Recorder()
        self.environment: Any = None
        self.transports: dict[str, Any] = {}
        self.pools: dict[str, gevent.pool.Pool] = {}
        self.seq_source: SeqSource = LocalSeq(self.model_keys)
        self._rids = itertools.count()
        self._user_ordinals: dict[str, itertools.count] = {k: itertools.count() for k in self.model_keys}
        self._bodies: dict[tuple[str, str], dict] = {}
        self._clock_offset = time.time() - time.perf_counter()
        self.exhausted: set[str] = set()
        self.active = False
        self.loop_lag = metrics.new_histogram()
        self._lag_monitor: Any = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def begin(
        self,
        settings: LoadSettings,
        environment: Any,
        worker_index: int = 0,
        seq_source: SeqSource | None = None,
    ) -> None:
        """Start of a run in this process (``test_start``): reset counters, build transports."""
        self.settings = settings
        self.environment = environment
        self.worker_index = max(0, int(worker_index))
        self.seq_source = seq_source or LocalSeq(self.model_keys)
        self._user_ordinals = {k: itertools.count() for k in self.model_keys}
        self._rids = itertools.count()
        self._clock_offset = time.time() - time.perf_counter()
        self.exhausted = set()
        self.kill_pools()
        self.pools = {k: gevent.pool.Pool(settings.max_in_flight) for k in self.model_keys}
        self.transports = {}
        for key, model in self.models.items():
            base = settings.sim_url if model.is_simulated else None
            self.transports[key] = self._make_transport(model, base)
            # build the pool / HTTP client and freeze the heap now, so the first request of the run
            # does not pay for it inside its TTFT (and gc pauses stay out of the measurements)
            prepare = getattr(self.transports[key], "prepare", None)
            if prepare is not None:
                prepare()
        self.active = True
        self.loop_lag = metrics.new_histogram()
        if self._lag_monitor is not None:
            self._lag_monitor.kill(block=False)
        self._lag_monitor = gevent.spawn(self._monitor_loop_lag)

    def _make_transport(self, model: Any, base_url: str | None) -> Any:
        if self.transport_factory is not None:
            return self.transport_factory(self.sc, model, base_url, kind=self.settings.transport)
        from profiler.client import make_transport

        return make_transport(self.sc, model, base_url, kind=self.settings.transport)

    def end(self) -> None:
        """End of a run in this process (``test_stop``): in-flight open-loop arrivals are cancelled."""
        self.active = False
        self.kill_pools()
        if self._lag_monitor is not None:
            self._lag_monitor.kill(block=False)
            self._lag_monitor = None

    def _monitor_loop_lag(self) -> None:
        """Client health: how late a 10 ms sleep wakes up. A busy event loop delays every read, so its
        lag is part of the measured latencies (a client-side hiding place for coordinated omission)."""
        while True:
            t = time.perf_counter()
            gevent.sleep(LAG_PROBE_S)
            lag = int((time.perf_counter() - t - LAG_PROBE_S) * 1e6)
            self.loop_lag.record_value(min(max(lag, 1), metrics.HDR_HIGHEST))

    def loop_lag_summary(self) -> dict[str, float | int]:
        h = self.loop_lag
        n = h.get_total_count()
        if not n:
            return {"n": 0}
        return {
            "n": n,
            "p50_ms": round(h.get_value_at_percentile(50) / 1000, 2),
            "p99_ms": round(h.get_value_at_percentile(99) / 1000, 2),
            "max_ms": round(h.get_max_value() / 1000, 2),
        }

    def kill_pools(self) -> None:
        for pool in self.pools.values():
            pool.kill(block=True, timeout=2)

    # -- one request -------------------------------------------------------------------------------
    def next_seq(self, model_key: str) -> int | None:
        """The next index of the replay sequence for this model (None when exhausted)."""
        i = self.seq_source.next(model_key)
        if i is None or (self.settings.max_requests and i >= self.settings.max_requests):
            self.exhausted.add(model_key)
            return None
        return i

    def body(self, model_key: str, prompt: Prompt) -> dict:
        key = (model_key, prompt.prompt_id)
        b = self._bodies.get(key)
        if b is None:
            b = self._bodies[key] = request_body(prompt, self.models[model_key])
        return b

    def headers(self, model_key: str, prompt: Prompt, rid: str) -> dict | None:
        if self.models[model_key].is_simulated:
            return {PROMPT_ID_HEADER: prompt.prompt_id, RID_HEADER: rid}
        return None

    def run_one(self, model_key: str, t_intended: float | None, seq: int | None = None) -> bool:
        """Send one logical request intended at ``t_intended`` (perf_counter s). False when exhausted.

        ``t_intended=None`` (closed loop): the request is intended when it starts, i.e. after the prompt
        index (a worker may wait for the master's next block) and the body are ready, so neither lands in
        its schedule lag, TTFT or e2e (DESIGN: closed loop ``t_intended = t_start``)."""
        if seq is None:
            seq = self.next_seq(model_key)
            if seq is None:
                return False
        prompt = self.mix.at(seq)
        rid = f"w{self.worker_index}-{next(self._rids)}"
        body = self.body(model_key, prompt)
        headers = self.headers(model_key, prompt, rid)
        if t_intended is None:
            t_intended = time.perf_counter()
        try:
            outcome = self.transports[model_key].execute(
                body,
                t_intended=t_intended,
                headers=headers,
                capture=self.settings.capture,
            )
        except gevent.GreenletExit:
            # the run stopped with this request in flight (Locust kills users, blocking until they are
            # gone, before test_stop): it still gets its row, as "cancelled", then the greenlet ends
            self.finish(model_key, prompt, seq, rid, t_intended, cancelled(t_intended))
            raise
        self.finish(model_key, prompt, seq, rid, t_intended, outcome)
        return True

    def dropped(self, model_key: str, seq: int, t_intended: float) -> None:
        """An open-loop arrival that found ``max_in_flight`` requests running: a row, never hidden."""
        prompt = self.mix.at(seq)
        rid = f"w{self.worker_index}-{next(self._rids)}"
        lag = int((time.perf_counter() - t_intended) * 1e6)
        outcome = {
            "outcome": "dropped",
            "error": f"max_in_flight ({self.settings.max_in_flight}) requests already running",
            "schedule_lag_us": max(lag, 0),
            "attempts": 0,
        }
        self.finish(model_key, prompt, seq, rid, t_intended, outcome)

    def finish(
        self, model_key: str, prompt: Prompt, seq: int, rid: str, t_intended: float, outcome: Any
    ) -> None:
        t_epoch = t_intended + self._clock_offset
        phase = "warmup" if t_epoch < self.settings.warmup_end_epoch else "measure"
        row = metrics.build_row(
            outcome,
            rid=rid,
            model=model_key,
            task=prompt.task,
            prompt_id=prompt.prompt_id,
            seq=seq,
            phase=phase,
            t_intended=t_epoch,
            worker=self.worker_index,
            price=self.models[model_key].price,
        )
        env = self.environment
        if env is not None:
            ok = row["outcome"] == "ok"
            env.events.request.fire(
                request_type=model_key,
                name=prompt.task,
                response_time=(row["e2e_us"] or 0) / 1000.0,
                response_length=row["completion_tokens"],
                exception=None if ok else failure_for(row["outcome"], row["error"]),
                context={"rid": rid, "phase": phase},
                start_time=t_epoch,
                url=None,
            )
        self.recorder.record(row)

    # -- open loop ---------------------------------------------------------------------------------
    def open_loop(self, model_key: str) -> None:
        """One user's arrival process; runs until the user is stopped or the sequence is exhausted."""
        s = self.settings
        if not s.rate_per_s or s.rate_per_s <= 0:
            raise ValueError("open loop needs a positive rate (load.arrival.rate_per_s or --rate)")
        ordinal = next(self._user_ordinals[model_key])
        users = max(1, s.users_per_model)
        rate = s.rate_per_s / users  # this user's share of the model's arrival rate
        g = ordinal * max(1, s.n_workers) + self.worker_index  # global user ordinal (approximate)
        rng = random.Random(f"{self.sc.seed}:{model_key}:{g}")
        pool = self.pools[model_key]
        next_t = time.perf_counter()
        if s.process == "constant":
            next_t += (g % users) / s.rate_per_s  # stagger users so arrivals are evenly spaced
        else:
            next_t += rng.expovariate(rate)
        while self.active:
            d = next_t - time.perf_counter()
            gevent.sleep(d if d > 0 else 0)  # behind schedule: catch up, but let the requests run
            seq = self.next_seq(model_key)
            if seq is None:
                return
            if pool.full():
                self.dropped(model_key, seq, next_t)
            else:
                pool.spawn(self.run_one, model_key, next_t, seq)
            next_t += rng.expovariate(rate) if s.process == "poisson" else 1.0 / rate


class SeqSource:
    """Where a process gets the next prompt index of a model."""

    def next(self, model_key: str) -> int | None:
        raise NotImplementedError


class LocalSeq(SeqSource):
    """One process: a counter per model."""

    def __init__(self, model_keys: list[str]) -> None:
        self._counters = {k: itertools.count() for k in model_keys}

    def next(self, model_key: str) -> int | None:
        return next(self._counters[model_key])


class BlockSeq(SeqSource):
    """A worker: blocks of indices granted by the master (``request(model, n)`` sends the ask)."""

    MIN_BLOCK, MAX_BLOCK, TARGET_S, RETRY_S = 4, 4096, 1.0, 5.0

    def __init__(self, model_keys: list[str], request: Callable[[str, int], None]) -> None:
        self._request = request
        self._blocks: dict[str, collections.deque[range]] = {k: collections.deque() for k in model_keys}
        self._left = dict.fromkeys(model_keys, 0)
        self._size = dict.fromkeys(model_keys, self.MIN_BLOCK)
        self._asked: dict[str, float | None] = dict.fromkeys(model_keys)
        self._granted_at = dict.fromkeys(model_keys, 0.0)
        self._done = dict.fromkeys(model_keys, False)
        self._event = gevent.event.Event()

    def _ask(self, model_key: str) -> None:
        self._asked[model_key] = time.monotonic()
        self._request(model_key, self._size[model_key])

    def grant(self, model_key: str, start: int, n: int) -> None:
        """The master's answer: ``n`` indices from ``start`` (``n == 0``: the sequence is exhausted)."""
        if model_key not in self._blocks:
            return
        now = time.monotonic()
        self._asked[model_key] = None
        if n <= 0:
            self._done[model_key] = True
        else:
            self._blocks[model_key].append(range(start, start + n))
            self._left[model_key] += n
            # size the next block to last about TARGET_S
            last = self._granted_at[model_key]
            if last:
                took = now - last
                size = self._size[model_key]
                if took < self.TARGET_S / 2:
                    self._size[model_key] = min(size * 2, self.MAX_BLOCK)
                elif took > self.TARGET_S * 4:
                    self._size[model_key] = max(size // 2, self.MIN_BLOCK)
            self._granted_at[model_key] = now
        self._event.set()
        self._event = gevent.event.Event()

    def next(self, model_key: str) -> int | None:
        blocks = self._blocks[model_key]
        while not blocks:
            if self._done[model_key]:
                return None
            asked = self._asked[model_key]
            if asked is None or time.monotonic() - asked > self.RETRY_S:
                self._ask(model_key)
            self._event.wait(self.RETRY_S)
        r = blocks[0]
        i = r[0]
        if len(r) > 1:
            blocks[0] = r[1:]
        else:
            blocks.popleft()
        self._left[model_key] -= 1
        low = self._left[model_key] <= self._size[model_key] // 2
        if low and self._asked[model_key] is None and not self._done[model_key]:
            self._ask(model_key)
        return i


class SeqAllocator:
    """The master's per-model counters (one run)."""

    def __init__(self, model_keys: list[str], max_requests: int = 0) -> None:
        self.next_free = dict.fromkeys(model_keys, 0)
        self.max_requests = max_requests

    def allocate(self, model_key: str, n: int) -> tuple[int, int]:
        start = self.next_free.get(model_key)
        if start is None:
            return 0, 0
        n = max(0, int(n))
        if self.max_requests:
            n = max(0, min(n, self.max_requests - start))
        self.next_free[model_key] = start + n
        return start, n


class SwapbenchUser(User):
    """Base of the generated per-model user classes (one per scenario model, equal weights)."""

    abstract = True
    engine: LoadEngine
    model_key: str = ""
    weight = 1

    def wait_time(self) -> float:
        return self.engine.settings.think_time_s if self.engine.settings.mode == "closed" else 0.0

    @task
    def request(self) -> None:
        eng = self.engine
        if not eng.active:  # the run could not start (its error is logged) or is ending: send nothing
            self._idle()
        if eng.settings.mode == "open":
            eng.open_loop(self.model_key)
            self._idle()
        elif not eng.run_one(self.model_key, None):  # closed loop: intended = actual start
            self._idle()

    def _idle(self) -> None:
        # the sequence is exhausted (load.max_requests) or the run is ending: wait to be stopped
        while True:
            gevent.sleep(3600)


def class_name(model_key: str) -> str:
    """``gpt-4o`` -> ``Gpt4oUser``: the Locust user class of a model."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", model_key) if p]
    name = "".join(p[:1].upper() + p[1:] for p in parts) or "Model"
    if name[0].isdigit():
        name = "M" + name
    return name + "User"


def build_user_classes(engine: LoadEngine, module: str = "swapbench") -> dict[str, type[User]]:
    """One User class per model under comparison, all with weight 1 (so ``-u`` splits equally)."""
    out: dict[str, type[User]] = {}
    for key in engine.model_keys:
        name = base = class_name(key)
        n = 2
        while name in out:
            name = f"{base}{n}"
            n += 1
        out[name] = type(
            name,
            (SwapbenchUser,),
            {
                "abstract": False,
                "engine": engine,
                "model_key": key,
                "weight": 1,
                "__module__": module,
                "__doc__": f"Replays the scenario's prompt mix against model {key!r}.",
            },
        )
    return out
