"""``Outcome``: what the streaming client knows about one logical request (requests.jsonl fields).

Attribute names are the requests.jsonl keys. Times are integer microseconds from ``t_intended`` (except
``pool_wait_us``/``connect_us``, which are durations, and ``ttft_attempt_us``, which is from the start of
the final attempt); ``None`` when not reached. ``itl_us`` holds every gap between consecutive non-empty
deltas; the recorder turns it into ``itl_n``/``itl_mean_us``/``itl_max_us`` and the ``itl`` histogram.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from profiler.sse import ANSWER, DELTA, DONE, ERROR, ChatStream, SSEParser

# the requests.jsonl keys an Outcome fills (itl_us / retry_after_ms are extra, not row keys)
ROW_KEYS: tuple[str, ...] = (
    "schedule_lag_us",
    "pool_wait_us",
    "connect_us",
    "ttfb_us",
    "ttft_us",
    "ttft_attempt_us",
    "ttfa_us",
    "e2e_us",
    "chunks",
    "attempts",
    "retries",
    "backoff_us",
    "attempt_outcomes",
    "outcome",
    "http_status",
    "error",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "cached_tokens",
    "tokens_estimated",
    "finish_reason",
    "response",
    "reasoning",
    "tool_calls",
    "new_connection",
)


def status_outcome(status: int) -> str:
    """Outcome class of a non-2xx HTTP status."""
    if status == 429:
        return "http_429"
    if 400 <= status < 500:
        return "http_4xx"
    if status >= 500:
        return "http_5xx"
    return "client_error"  # 1xx/3xx: we follow no redirects


@dataclass(slots=True)
class Outcome:
    schedule_lag_us: int | None = None
    pool_wait_us: int | None = None
    connect_us: int | None = None
    ttfb_us: int | None = None
    ttft_us: int | None = None
    ttft_attempt_us: int | None = None
    ttfa_us: int | None = None
    e2e_us: int | None = None
    chunks: int = 0
    attempts: int = 0
    retries: int = 0
    backoff_us: int = 0
    attempt_outcomes: list[str] = field(default_factory=list)
    outcome: str = "client_error"
    http_status: int = 0
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    tokens_estimated: bool = False
    finish_reason: str | None = None
    response: str | None = None
    reasoning: str | None = None
    tool_calls: list[dict] | None = None
    new_connection: bool = False
    itl_us: list[int] = field(default_factory=list)
    retry_after_ms: list[int | None] = field(default_factory=list)  # per failed attempt, as the server said

    def row(self) -> dict:
        """The requests.jsonl fields this outcome knows (a new dict; ``itl_us`` not included)."""
        return {k: getattr(self, k) for k in ROW_KEYS}

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def internal_error(e: BaseException, t_intended: float) -> Outcome:
    """The outcome of a request the client itself failed on (a bug, a non-JSON body, a bad header)."""
    from time import perf_counter

    out = Outcome()
    out.attempts = 1
    out.attempt_outcomes = ["client_error"]
    out.error = " ".join(f"client error: {type(e).__name__}: {e}".split())[:300]
    out.e2e_us = int((perf_counter() - t_intended) * 1e6)
    return out


def estimate_tokens(chars: int) -> int:
    """~4 characters per token (used only when the server sent no usage; flagged as an estimate)."""
    return (chars + 3) // 4


def prompt_chars(body: dict) -> int:
    n = 0
    for m in body.get("messages") or ():
        c = m.get("content") if isinstance(m, dict) else None
        if isinstance(c, str):
            n += len(c)
        elif isinstance(c, list):
            for part in c:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    n += len(part["text"])
    return n


class StreamErrorEvent(Exception):
    """A ``data: {"error": ...}`` event inside an already-200 stream."""


class TimedStream:
    """The one place that turns a response body into timed stream events, for both transports.

    ``feed(payload, now)`` runs the SSE parser and the chunk interpreter over bytes that arrived at
    ``now`` (perf_counter): the first non-empty delta is the first token, every later one adds an ITL gap,
    the first answer delta is TTFA, ``[DONE]`` ends the stream; an error event raises
    :class:`StreamErrorEvent`. ``finish`` writes the timings and the outcome into an :class:`Outcome`.
    """

    __slots__ = ("cs", "_events", "_chunk", "itl", "chunks", "t_first", "t_last", "t_answer", "t_end")

    def __init__(self, itl: list[int], capture: str) -> None:
        self.cs = ChatStream(keep_text=capture != "off")
        self._events = SSEParser().feed
        self._chunk = self.cs.feed
        self.itl = itl
        self.chunks = 0
        self.t_first = self.t_last = self.t_answer = self.t_end = 0.0

    def feed(self, payload: bytes, now: float) -> None:
        for ev in self._events(payload):
            f = self._chunk(ev.data, ev.event)
            if f & DELTA:
                self.chunks += 1
                if self.t_first:
                    self.itl.append(int((now - self.t_last) * 1e6))
                else:
                    self.t_first = now
                self.t_last = now
                if f & ANSWER and not self.t_answer:
                    self.t_answer = now
            elif f & DONE:
                if not self.t_end:
                    self.t_end = now
            elif f & ERROR:
                raise StreamErrorEvent(f"error event mid-stream: {self.cs.error}")

    def finish(
        self,
        out: Outcome,
        *,
        t_intended: float,
        t_att: float,
        now: float,
        failure: tuple[str, str] | None,
        body: dict,
        capture: str,
    ) -> None:
        """Timings from ``t_intended`` (``ttft_attempt`` from ``t_att``), then the outcome: ``failure``
        if any, ``no_done`` without ``[DONE]``, else ``ok`` ending at ``[DONE]``; then the stream's
        text, tool calls and tokens."""
        out.chunks = self.chunks
        if self.t_first:
            out.ttft_us = int((self.t_first - t_intended) * 1e6)
            out.ttft_attempt_us = int((self.t_first - t_att) * 1e6)
        if self.t_answer:
            out.ttfa_us = int((self.t_answer - t_intended) * 1e6)
        if failure is not None:
            out.outcome, out.error = failure
            out.e2e_us = int((now - t_intended) * 1e6)
        elif not self.cs.done:
            out.outcome = "no_done"
            out.error = "stream ended without data: [DONE]"
            out.e2e_us = int((now - t_intended) * 1e6)
        else:
            out.outcome = "ok"
            out.e2e_us = int((self.t_end - t_intended) * 1e6)
        fill_from_stream(out, self.cs, body, capture)


def fill_from_stream(out: Outcome, cs: ChatStream, body: dict, capture: str) -> None:
    """Copy the accumulated stream (text, tool calls, finish_reason, tokens) into the outcome."""
    out.finish_reason = cs.finish_reason
    if capture == "full":
        out.response = cs.text()
        out.reasoning = cs.reasoning_text()
    elif capture == "hash":
        out.response = "sha256:" + hashlib.sha256(cs.text().encode()).hexdigest()
    if capture != "off":
        out.tool_calls = cs.tool_call_list()
    usage = cs.usage
    if usage:
        out.prompt_tokens = int(usage.get("prompt_tokens") or 0)
        out.completion_tokens = int(usage.get("completion_tokens") or 0)
        details = usage.get("completion_tokens_details") or {}
        out.reasoning_tokens = int(details.get("reasoning_tokens") or 0)
        pdetails = usage.get("prompt_tokens_details") or {}
        out.cached_tokens = int(pdetails.get("cached_tokens") or 0)
    elif out.chunks or cs.finish_reason:
        # no usage chunk (interrupted, or the server ignores stream_options): estimate and say so
        out.tokens_estimated = True
        out.prompt_tokens = estimate_tokens(prompt_chars(body))
        out.reasoning_tokens = estimate_tokens(cs.reasoning_chars)
        out.completion_tokens = max(
            out.chunks, estimate_tokens(cs.content_chars + cs.tool_chars()) + out.reasoning_tokens
        )
