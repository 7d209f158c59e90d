"""Faults, rate limits and the capacity queue as the openai SDK sees them."""

from __future__ import annotations

import threading
import time

import httpx
import openai
import pytest
from test_sim_fixtures import all_models, records, write_scenario

from profiler.sim.server import start_subprocess

REC = records()
MSG = REC["qa"][0]["messages"]


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("simfaults")
    with start_subprocess(write_scenario(tmp, all_models()), truth_path=tmp / "truth.jsonl") as s:
        yield s


def client(sim, retries=0):
    return openai.OpenAI(base_url=sim.url, api_key="x", max_retries=retries)


def test_http_5xx(sim):
    with pytest.raises(openai.InternalServerError) as e:
        client(sim).chat.completions.create(model="broken", messages=MSG)
    assert e.value.status_code in (500, 502, 503)
    assert e.value.type == "server_error"


@pytest.mark.parametrize("rec", [REC["qa"][0], REC["labels"][1]], ids=["long", "one-token"])
def test_mid_stream_disconnect_raises_connection_error(sim, rec):
    stream = client(sim).chat.completions.create(model="dropper", messages=rec["messages"], stream=True)
    got = []
    with pytest.raises(openai.APIConnectionError):
        for ch in stream:
            got.append(ch)
    assert got and got[0].choices[0].delta.role == "assistant"  # it started, then dropped


@pytest.mark.parametrize("rec", [REC["qa"][0], REC["labels"][1]], ids=["long", "one-token"])
def test_error_event_raises_api_error(sim, rec):
    stream = client(sim).chat.completions.create(model="erroring", messages=rec["messages"], stream=True)
    with pytest.raises(openai.APIError) as e:
        for _ in stream:
            pass
    assert not isinstance(e.value, openai.APIConnectionError)
    assert "error while processing" in e.value.message


def test_stall_fault_and_admin_stall(sim):
    t0 = time.perf_counter()
    text = "".join(
        c.choices[0].delta.content or ""
        for c in client(sim).chat.completions.create(model="staller", messages=MSG, stream=True)
        if c.choices
    )
    assert text == REC["qa"][0]["gold"]
    assert time.perf_counter() - t0 >= 0.3
    r = httpx.post(f"{sim.base}/sim/stall", json={"ms": 400, "model": "base"})
    assert r.status_code == 200
    t0 = time.perf_counter()
    out = client(sim).chat.completions.create(model="base", messages=MSG)
    assert time.perf_counter() - t0 >= 0.38 and out.choices[0].message.content == REC["qa"][0]["gold"]
    assert httpx.post(f"{sim.base}/sim/stall", json={"ms": "x"}).status_code == 400


def test_full_queue_answers_429(sim):
    results = []

    def one():
        try:
            client(sim).chat.completions.create(model="tiny", messages=MSG)
            results.append("ok")
        except openai.RateLimitError as e:
            results.append(e.code)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    assert sorted(results) == ["engine_overloaded", "engine_overloaded", "ok"]


def test_rate_limit_429_headers_and_sdk_retries(sim):
    """rpm 30: a burst of 30 passes, then 429 with retry-after-ms <= 2 s; the SDK's own retry succeeds."""
    c = client(sim)
    for i in range(30):
        raw = c.chat.completions.with_raw_response.create(model="limited", messages=MSG)
        assert raw.headers["x-ratelimit-limit-requests"] == "30"
        assert int(raw.headers["x-ratelimit-remaining-requests"]) in (29 - i, 30 - i)  # refill: 1 per 2 s
    for _ in range(5):  # the bucket is (nearly) empty: within a few requests one is refused
        try:
            c.chat.completions.create(model="limited", messages=MSG)
        except openai.RateLimitError as err:
            e = err
            break
    else:
        pytest.fail("no 429 after the burst")
    h = e.response.headers
    wait_ms = int(h["retry-after-ms"])
    assert 0 < wait_ms <= 2000
    assert h["retry-after"] == str(max(1, -(-wait_ms // 1000)))
    assert h["x-ratelimit-remaining-requests"] == "0"
    assert h["x-ratelimit-reset-requests"].endswith("s")
    assert e.code == "rate_limit_exceeded" and "Limit 30" in e.message
    t0 = time.perf_counter()
    raw = client(sim, retries=3).chat.completions.with_raw_response.create(model="limited", messages=MSG)
    assert raw.status_code == 200 and raw.retries_taken >= 1
    assert time.perf_counter() - t0 >= wait_ms / 1000 - 0.05
    assert raw.parse().choices[0].message.content == REC["qa"][0]["gold"]


def test_client_going_away_frees_its_slot(sim):
    """tiny has one slot and no queue: a stream abandoned mid-way must not keep the slot."""
    c = client(sim)
    stream = c.chat.completions.create(model="tiny", messages=MSG, stream=True)
    next(iter(stream))  # the role chunk: the request holds the only slot now
    with pytest.raises(openai.RateLimitError):
        c.chat.completions.create(model="tiny", messages=MSG)
    stream.close()
    deadline = time.perf_counter() + 5
    while (
        httpx.get(f"{sim.base}/sim/stats").json()["models"]["tiny"]["active"]
        and time.perf_counter() < deadline
    ):
        time.sleep(0.02)
    out = c.chat.completions.create(model="tiny", messages=MSG)
    assert out.choices[0].message.content == REC["qa"][0]["gold"]
    assert httpx.get(f"{sim.base}/sim/stats").json()["models"]["tiny"]["client_gone"] >= 1


def test_global_stall_delays_every_model(sim):
    assert httpx.post(f"{sim.base}/sim/stall", json={"ms": 300}).status_code == 200
    t0 = time.perf_counter()
    client(sim).chat.completions.create(model="verbose", messages=MSG)
    assert time.perf_counter() - t0 >= 0.28
