"""Per-model request and token rate limits, as token buckets, with OpenAI's headers.

Each limit is a bucket of ``limit`` units refilled continuously at ``limit / 60`` per second (so a full
bucket allows a burst of one minute's quota). A request costs 1 request and ``prompt_tokens + max_tokens``
tokens (OpenAI likewise counts ``max_tokens`` against TPM up front). A request is admitted only if both
buckets hold enough; otherwise it is answered 429 and nothing is taken. Headers (on successes too):
``x-ratelimit-limit-*``, ``x-ratelimit-remaining-*``, ``x-ratelimit-reset-*`` (time until the bucket is
full again, e.g. ``1s``, ``6m0s``, ``120ms``), and on a 429 ``retry-after`` (whole seconds, rounded up) and
``retry-after-ms`` (time until the request would fit).
"""

from __future__ import annotations

import math
import time


def fmt_duration(seconds: float) -> str:
    """OpenAI's duration format: ``120ms``, ``1.5s``, ``6m0s``, ``1h2m3s``."""
    if seconds < 1:
        return f"{max(0, math.ceil(seconds * 1000))}ms"
    if seconds < 60:
        return f"{round(seconds, 3):g}s"
    s = math.ceil(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}h{m}m{sec}s" if h else f"{m}m{sec}s"


class Bucket:
    __slots__ = ("limit", "level", "rate", "t")

    def __init__(self, per_minute: float, now: float) -> None:
        self.limit = per_minute
        self.level = float(per_minute)
        self.rate = per_minute / 60.0
        self.t = now

    def refill(self, now: float) -> None:
        if now > self.t:
            self.level = min(self.limit, self.level + (now - self.t) * self.rate)
            self.t = now

    def wait_s(self, n: float) -> float:
        """Seconds until ``n`` units are available (after :meth:`refill`)."""
        n = min(n, self.limit)
        return 0.0 if self.level >= n else (n - self.level) / self.rate

    def reset_s(self) -> float:
        return (self.limit - self.level) / self.rate


class Verdict:
    __slots__ = ("ok", "retry_after_s", "kind", "headers", "limit", "used", "requested")

    def __init__(self, ok: bool, retry_after_s: float, kind: str, headers: list[tuple[str, str]]) -> None:
        self.ok = ok
        self.retry_after_s = retry_after_s
        self.kind = kind  # "requests" | "tokens" | "" (admitted)
        self.headers = headers
        self.limit = 0.0
        self.used = 0.0
        self.requested = 0.0


class RateLimiter:
    """RPM and TPM buckets of one model (a limit of 0 is unlimited and sends no headers)."""

    def __init__(self, rpm: float, tpm: float, clock=time.monotonic) -> None:
        self.clock = clock
        now = clock()
        self.requests = Bucket(rpm, now) if rpm > 0 else None
        self.tokens = Bucket(tpm, now) if tpm > 0 else None
        self.limited = 0

    @property
    def active(self) -> bool:
        return self.requests is not None or self.tokens is not None

    def admit(self, tokens: int) -> Verdict:
        """Take one request and ``tokens`` tokens, or say how long to wait."""
        if not self.active:
            return Verdict(True, 0.0, "", [])
        now = self.clock()
        rb, tb = self.requests, self.tokens
        wait_r = wait_t = 0.0
        if rb is not None:
            rb.refill(now)
            wait_r = rb.wait_s(1)
        if tb is not None:
            tb.refill(now)
            wait_t = tb.wait_s(tokens)
        ok = wait_r == 0.0 and wait_t == 0.0
        if ok:
            if rb is not None:
                rb.level -= 1
            if tb is not None:
                tb.level -= min(tokens, tb.limit)
        else:
            self.limited += 1
        headers: list[tuple[str, str]] = []
        for name, b in (("requests", rb), ("tokens", tb)):
            if b is not None:
                headers += [
                    (f"x-ratelimit-limit-{name}", str(int(b.limit))),
                    (f"x-ratelimit-remaining-{name}", str(max(0, int(b.level)))),
                    (f"x-ratelimit-reset-{name}", fmt_duration(b.reset_s())),
                ]
        wait = max(wait_r, wait_t)
        kind = "" if ok else ("requests" if wait_r >= wait_t else "tokens")
        v = Verdict(ok, wait, kind, headers)
        if not ok:
            headers += [
                ("retry-after", str(max(1, math.ceil(wait)))),
                ("retry-after-ms", str(math.ceil(wait * 1000))),
            ]
            b = rb if kind == "requests" else tb
            v.limit, v.used, v.requested = b.limit, b.limit - b.level, (1 if kind == "requests" else tokens)
        return v
