"""The capacity model: beyond `slots` concurrent requests, TTFT includes queue time (a saturation knee)."""

from __future__ import annotations

import json
import statistics
import threading
import time

import openai
import pytest
from test_sim_fixtures import records, sim, write_scenario

from profiler.sim.server import start_subprocess

SLOTS = 4
REC = records()["qa"]


def ttfts(url, concurrency, per_worker=3):
    out, lock = [], threading.Lock()

    def worker(w):
        c = openai.OpenAI(base_url=url, api_key="x", max_retries=0)
        for i in range(per_worker):
            rec = REC[(w * per_worker + i) % len(REC)]
            t0 = time.perf_counter()
            for ch in c.chat.completions.create(model="knee", messages=rec["messages"], stream=True):
                if ch.choices and ch.choices[0].delta.content:
                    with lock:
                        out.append(time.perf_counter() - t0)
                    break
            # the rest of the stream is drained by closing the response

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


@pytest.mark.slow
def test_ttft_rises_beyond_the_slots(tmp_path):
    model = sim(ttft_ms={"median": 30, "p99": 45}, itl_ms={"mean": 4, "jitter": 0.1}, slots=SLOTS, queue=100)
    truth = tmp_path / "truth.jsonl"
    with start_subprocess(write_scenario(tmp_path, {"knee": model}), truth_path=truth) as s:
        low = ttfts(s.url, SLOTS // 2)
        high = ttfts(s.url, SLOTS * 4)
    assert len(low) == 6 and len(high) == 48
    # below the knee: queue-free TTFT (~30 ms); above: ~3 service times (~250 ms each) of queueing
    assert statistics.median(low) < 0.15
    assert statistics.median(high) > 3 * statistics.median(low)
    assert statistics.median(high) > 0.2
    rows = [json.loads(line) for line in truth.read_text().splitlines()]
    queued = [r["queue_us"] for r in rows if r["queue_us"] > 20_000]
    assert len(queued) >= 30  # most of the 48 high-load requests waited for a slot
    for r in rows:
        if r["injected_ttft_us"] is not None:
            assert r["injected_ttft_us"] >= r["queue_us"]


def test_ground_truth_matches_what_the_client_sees(tmp_path):
    """Sequential streams: injected TTFT >= the sampled target, and the client sees at least that much."""
    model = sim(
        ttft_ms={"median": 60, "p99": 120},
        itl_ms={"mean": 2, "jitter": 0.2},
        reasoning_tokens={"mean": 10, "cv": 0.1},
    )
    truth = tmp_path / "truth.jsonl"
    seen = {}
    with start_subprocess(write_scenario(tmp_path, {"m": model}), truth_path=truth) as s:
        c = openai.OpenAI(base_url=s.url, api_key="x", max_retries=0)
        for i, rec in enumerate(REC[:12]):
            t0 = time.perf_counter()
            ttft = None
            for ch in c.chat.completions.create(
                model="m", messages=rec["messages"], stream=True, extra_headers={"x-swapbench-rid": f"r{i}"}
            ):
                if ttft is None and ch.choices and ch.choices[0].delta.content:
                    ttft = time.perf_counter() - t0
            seen[f"r{i}"] = ttft
    rows = {r["rid"]: r for r in map(json.loads, truth.read_text().splitlines())}
    assert set(rows) == set(seen)
    for rid, ttft in seen.items():
        r = rows[rid]
        assert r["queue_us"] < 5_000 and r["reasoning_tokens"] > 0
        assert (
            r["target_ttft_us"] >= 20_000 + r["reasoning_tokens"] * 2_000 * 0.99
        )  # lognormal floor-ish + reasoning
        assert r["injected_ttft_us"] >= r["target_ttft_us"] - 1_000
        assert ttft * 1e6 >= r["injected_ttft_us"] - 500
        assert abs(r["t_first_token"] - r["t_received"] - r["injected_ttft_us"] / 1e6) < 0.001
