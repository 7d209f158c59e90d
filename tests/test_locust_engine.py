"""The load engine's timing origins (closed and open loop) against a scripted transport that stamps when
``execute`` ran: the known truth is the schedule the engine was given.

``profiler.locust_users`` imports locust (which monkey-patches), so the engine runs in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from test_locust_support import env, write_scenario

ENGINE_SCRIPT = textwrap.dedent(
    """
    import json, sys, time, types
    import gevent
    from profiler.locust_users import LoadEngine, LoadSettings, LocalSeq, build_user_classes
    from profiler.outcome import Outcome
    from profiler.prompts import PromptMix
    from profiler.scenario import load_scenario

    spec = json.loads(sys.argv[1])

    class SlowSeq(LocalSeq):
        # a worker waiting for the master's next block of prompt indices (swapbench_seq_grant)
        def next(self, model_key):
            gevent.sleep(spec.get("seq_delay_s", 0.0))
            return super().next(model_key)

    starts = []

    class Scripted:
        def execute(self, body, *, t_intended, headers=None, capture="full"):
            t = time.perf_counter()
            starts.append(t)
            o = Outcome()
            o.outcome = "ok"
            o.attempts = 1
            o.attempt_outcomes = ["ok"]
            o.schedule_lag_us = int((t - t_intended) * 1e6)
            o.e2e_us = o.schedule_lag_us + 1000
            return o

    sc = load_scenario(spec["scenario"])
    eng = LoadEngine(sc, PromptMix(sc), transport_factory=lambda sc, model, base, kind: Scripted())
    settings = LoadSettings(**spec["settings"])
    eng.begin(settings, None, 0, SlowSeq(eng.model_keys))
    key = eng.model_keys[0]
    cls = next(c for c in build_user_classes(eng).values() if c.model_key == key)
    user = types.SimpleNamespace(engine=eng, model_key=key, _idle=lambda: None)
    t0 = time.perf_counter()
    if settings.mode == "closed":
        for _ in range(spec["n"]):
            cls.request(user)
    else:
        gs = [gevent.spawn(eng.open_loop, key) for _ in range(settings.users_per_model)]
        gevent.sleep(spec["duration_s"])
        eng.active = False
        gevent.joinall(gs, timeout=5)
        gevent.killall(gs)
        eng.pools[key].join(timeout=5)
    t1 = time.perf_counter()
    rows = [r for r in eng.recorder.drain(final=True).rows if r["model"] == key]
    offset = eng._clock_offset
    print(json.dumps({"rows": rows, "starts": starts, "t0": t0, "t1": t1, "offset": offset}))
    """
)


def run_engine(tmp_path: Path, spec: dict) -> dict:
    spec = {"scenario": str(write_scenario(tmp_path)), **spec}
    proc = subprocess.run(
        [sys.executable, "-c", ENGINE_SCRIPT, json.dumps(spec)],
        env=env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_closed_loop_t_intended_is_the_start_of_the_request(tmp_path: Path) -> None:
    """DESIGN: closed loop t_intended = t_start. Waiting for the next prompt index (a distributed worker
    asks the master for a block) happens before the request starts, so it must not land in the schedule
    lag, the TTFT or the e2e of the request."""
    res = run_engine(tmp_path, {"n": 4, "seq_delay_s": 0.05, "settings": {"mode": "closed"}})
    rows = res["rows"]
    assert len(rows) == 4 and all(r["outcome"] == "ok" for r in rows)
    lags = [r["schedule_lag_us"] for r in rows]
    assert all(0 <= lag < 20_000 for lag in lags), lags  # was ~50 ms each: the index wait
    for r, t in zip(rows, res["starts"], strict=True):  # t_intended (epoch) is when execute began
        assert abs(r["t_intended"] - (t + res["offset"])) < 0.02, (r["t_intended"], t + res["offset"])


def test_open_loop_arrivals_are_timed_from_their_schedule(tmp_path: Path) -> None:
    """Open loop: 2 users of one model share 100 arrivals/s (Poisson); each row's t_intended is its
    scheduled arrival (never after the request began), the count matches the rate, and the gaps between
    arrivals are exponential (mean 10 ms, coefficient of variation ~1)."""
    settings = {"mode": "open", "rate_per_s": 100.0, "process": "poisson", "users_per_model": 2}
    res = run_engine(tmp_path, {"duration_s": 3.0, "settings": settings})
    rows = res["rows"]
    span = res["t1"] - res["t0"]
    n = len(rows)
    assert 100 * span - 5 * (100 * span) ** 0.5 <= n <= 100 * span + 5 * (100 * span) ** 0.5, (n, span)
    assert all(r["outcome"] == "ok" and r["schedule_lag_us"] >= 0 for r in rows)
    ts = sorted(r["t_intended"] for r in rows)
    gaps = [b - a for a, b in zip(ts, ts[1:], strict=False)]
    mean = sum(gaps) / len(gaps)
    sd = (sum((g - mean) ** 2 for g in gaps) / len(gaps)) ** 0.5
    assert 0.008 <= mean <= 0.012 and 0.8 <= sd / mean <= 1.2, (mean, sd / mean)
