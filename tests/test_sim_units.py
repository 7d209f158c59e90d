"""Simulator building blocks: tokenizer, HTTP parser, rate-limit buckets, capacity queue, answers, judge."""

from __future__ import annotations

import asyncio
import json
import random
from types import SimpleNamespace

import pytest

from profiler.sim import answers, http, judge, tokens
from profiler.sim.profile import Capacity, ModelProfile, QueueFull
from profiler.sim.ratelimit import RateLimiter, fmt_duration


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Hello, world!",
        "  spaced\n\n  out\t",
        "x_1 = 12345;",
        "ünïcödé 文字",
        "The quick brown fox jumps over the lazy dog.",
    ],
)
def test_tokenizer_round_trips(text):
    assert "".join(tokens.split(text)) == text
    assert tokens.count(text) == len(tokens.split(text))


def test_tokenizer_is_about_four_chars_per_token():
    text = (
        "The simulator counts prompt and completion tokens with one deterministic rule for every model. " * 20
    )
    assert 3.0 <= len(text) / tokens.count(text) <= 5.0


def test_parser_handles_split_and_pipelined_requests():
    body = b'{"a": 1}'
    raw = b"POST /v1/x?q=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\nX-Test:  v \r\n\r\n" + body
    p = http.Parser()
    got = []
    for i in range(0, len(raw) * 2, 7):  # two requests fed in 7-byte pieces
        got += p.feed((raw * 2)[i : i + 7])
    assert len(got) == 2
    r = got[0]
    assert (r.method, r.path, r.query, r.body, r.headers["x-test"], r.keep_alive) == (
        "POST",
        "/v1/x",
        "q=1",
        body,
        "v",
        True,
    )
    assert not http.Parser().feed(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")[0].keep_alive


@pytest.mark.parametrize(
    "raw,status",
    [
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nbad header\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\ncontent-length: x\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n", 411),
    ],
)
def test_parser_rejects_bad_requests(raw, status):
    with pytest.raises(http.HTTPError) as e:
        http.Parser().feed(raw)
    assert e.value.status == status


def test_rate_limiter_buckets_with_a_fake_clock():
    now = [100.0]
    rl = RateLimiter(rpm=60, tpm=600, clock=lambda: now[0])
    v = rl.admit(100)
    assert v.ok and dict(v.headers)["x-ratelimit-remaining-tokens"] == "500"
    assert dict(v.headers)["x-ratelimit-remaining-requests"] == "59"
    assert dict(v.headers)["x-ratelimit-reset-tokens"] == "10s"  # 100 tokens at 10 tokens/s
    for _ in range(5):
        assert rl.admit(100).ok
    v = rl.admit(100)  # token bucket empty: 100 tokens need 10 s
    assert not v.ok and v.kind == "tokens"
    h = dict(v.headers)
    assert h["retry-after-ms"] == "10000" and h["retry-after"] == "10"
    assert v.limit == 600 and v.used == 600 and v.requested == 100
    now[0] += 5.0  # 50 tokens back
    v = rl.admit(100)
    assert not v.ok and dict(v.headers)["retry-after-ms"] == "5000"
    now[0] += 5.0
    assert rl.admit(100).ok
    assert rl.limited == 2
    rpm = RateLimiter(rpm=2, tpm=0, clock=lambda: now[0])
    assert rpm.admit(0).ok and rpm.admit(0).ok
    v = rpm.admit(0)
    assert not v.ok and v.kind == "requests" and dict(v.headers)["retry-after-ms"] == "30000"
    assert not RateLimiter(0, 0).admit(10**9).headers


def test_fmt_duration():
    assert [fmt_duration(x) for x in (0.0123, 1.5, 59.0, 360.0, 3723.0)] == [
        "13ms",
        "1.5s",
        "59s",
        "6m0s",
        "1h2m3s",
    ]


def test_capacity_is_fifo_and_bounded():
    async def run():
        cap = Capacity(slots=1, queue_limit=2)
        assert cap.try_acquire() is None
        f1, f2 = cap.try_acquire(), cap.try_acquire()
        with pytest.raises(QueueFull):
            cap.try_acquire()
        cap.leave(f1)  # first waiter gives up
        cap.release()
        assert f2.done() and cap.active == 1 and cap.queued == 0
        cap.release()
        assert cap.active == 0

    asyncio.run(run())


def test_lognormal_ttft_matches_median_and_p99():
    prof = ModelProfile(key="m", name="m", ttft_median_ms=300, ttft_p99_ms=1200, prefill_ms_per_1k=0)
    rng = random.Random(1)
    xs = sorted(prof.sample_ttft_ms(rng, 0) for _ in range(40000))
    assert 285 <= xs[20000] <= 315
    assert 1080 <= xs[39600] <= 1320
    prof.prefill_ms_per_1k = 15
    assert prof.sample_ttft_ms(random.Random(1), 2000) == pytest.approx(
        prof.sample_ttft_ms(random.Random(1), 0) + 30
    )


def test_profile_from_spec_defaults_and_overrides():
    spec = SimpleNamespace(
        ttft_ms=SimpleNamespace(median=10, p99=20),
        slots=3,
        faults=None,
        accuracy=SimpleNamespace(default=0.5, tasks={"a": 1.0}),
    )
    p = ModelProfile.from_spec("k", "name", spec)
    assert (p.ttft_median_ms, p.slots, p.queue, p.accuracy("a"), p.accuracy("b"), p.faults.stall_ms) == (
        10,
        3,
        1024,
        1.0,
        0.5,
        5000.0,
    )


def test_json_verbosity_changes_only_whitespace():
    obj = {
        "name": "Alice Smith",
        "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 1}],
        "ok": True,
        "note": None,
    }
    compact = answers.json_text(obj)
    for v in (1.1, 1.2, 1.5, 3.0):
        text = answers.json_text(obj, v)
        assert json.loads(text) == obj
        assert tokens.count(text) >= tokens.count(compact)
    t12 = tokens.count(answers.json_text(obj, 1.2)) / tokens.count(compact)
    assert 1.17 <= t12 <= 1.25


def test_code_and_text_verbosity():
    code = "def f(x):\n    y = x + 1\n    return y\n\nprint(f(2))"
    v = answers.verbose_code(code, 1.3, 0)
    assert [ln for ln in v.split("\n") if not ln.strip().startswith("#")] == code.split("\n")
    assert 1.2 <= tokens.count(v) / tokens.count(code) <= 1.4
    text = "A short answer that explains the main point in a sentence or two for the reader."
    vt = answers.verbose_text(text, 1.2, 3)
    assert vt.startswith(text) and 1.1 <= tokens.count(vt) / tokens.count(text) <= 1.3


def _prompt(**kw):
    base = dict(
        prompt_id="t/1",
        task="t",
        gold=None,
        gold_tool_calls=None,
        labels=None,
        distractors=[],
        tools=None,
        messages=[],
    )
    base.update(kw)
    return SimpleNamespace(**base)


@pytest.mark.parametrize(
    "prompt,json_mode",
    [
        (_prompt(gold={"a": 1, "b": [1, 2]}), True),
        (_prompt(gold="billing", labels=["billing", "bug"]), False),
        (_prompt(gold="Plain text answer with several words in it.", distractors=["Nope."]), False),
        (_prompt(gold="const x = 1;\nconst y = 2;\nexport { x, y };"), False),
        (
            _prompt(
                gold_tool_calls=[{"name": "f", "arguments": {"x": 1}}],
                tools=[{"type": "function", "function": {"name": "g"}}],
            ),
            False,
        ),
    ],
)
def test_answer_kinds_are_judged_as_expected(prompt, json_mode):
    """gold (also verbose) is a match; wrong, malformed and prose are not."""
    cls = answers.answer_class(prompt, json_mode, True)
    book = answers.AnswerBook()
    for kind, want in (("gold", True), ("wrong", False), ("malformed", False), ("prose", False)):
        for seed in range(4):
            a = book.for_record(prompt, cls, kind, random.Random(seed), 1.25, json_mode)
            text = (
                json.dumps([{"name": c["name"], "arguments": c["arguments"]} for c in a.tool_calls])
                if a.tool_calls
                else a.content
            )
            assert judge.matches(prompt.gold, prompt.gold_tool_calls, prompt.labels, text) is want, (
                cls,
                kind,
                text,
            )


def test_judge_verdict_is_deterministic_per_content():
    r1 = judge.verdict(1, "j", b"content", True, 0.5)
    assert r1 == judge.verdict(1, "j", b"content", True, 0.5)
    agree = sum(judge.verdict(1, "j", str(i).encode(), True, 0.8)[1] for i in range(2000))
    assert 1540 <= agree <= 1660


def test_parser_http10_and_expect_continue():
    p = http.Parser()
    assert not p.feed(b"GET /health HTTP/1.0\r\n\r\n")[0].keep_alive
    assert p.feed(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")[0].keep_alive
    assert p.feed(b"POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n") == []
    assert p.expect_continue
    assert p.feed(b"{}")[0].body == b"{}"


def test_judge_reads_tool_calls_in_the_quality_rendering():
    calls = [{"name": "f", "arguments": {"x": 1}}]
    rendered = json.dumps([{"name": "f", "arguments": json.dumps({"x": 1})}])
    assert judge.matches(None, calls, None, rendered)
    assert judge.matches(None, calls, None, "Calling f now.\n[tool_calls] " + rendered)
    assert not judge.matches(None, calls, None, rendered.replace("1", "2"))
