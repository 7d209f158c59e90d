"""The retry policy of the production client being reproduced (the openai SDK's, made configurable).

Same rules as ``openai._base_client`` (2.x and 3.x): a server delay above ``max_retry_after_s`` means no
retry; ``x-should-retry: true/false`` overrides; otherwise retry on ``retry_on`` statuses. Timeouts and
connection errors before the response headers are retried too. The wait is the server's
``retry-after-ms`` / ``retry-after`` (seconds or HTTP date) when ``0 < value <= max_retry_after_s`` and
``respect_retry_after``, else ``min(initial * multiplier**n, max) * (1 - jitter * random())`` where ``n``
is the number of retries already taken.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_RETRY_ON: tuple[int, ...] = (408, 409, 429, 500, 502, 503, 504)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 2
    retry_on: frozenset[int] = frozenset(DEFAULT_RETRY_ON)
    initial_s: float = 0.5
    max_s: float = 8.0
    multiplier: float = 2.0
    jitter: float = 0.25
    respect_retry_after: bool = True
    max_retry_after_s: float = 120.0

    def retry_after_s(self, headers: Mapping[str, str] | None) -> float | None:
        """The server's requested delay in seconds (``retry-after-ms`` preferred), or None."""
        if not headers:
            return None
        for name, div in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
            value = headers.get(name)
            if value is None:
                continue
            try:
                delay = float(value)
            except ValueError:
                continue
            if delay == math.inf and value.strip().lower() not in ("inf", "+inf", "infinity", "+infinity"):
                return self.max_retry_after_s + 1
            return delay / div
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            tup = email.utils.parsedate_tz(value)
            if tup is None:
                return None
            return float(email.utils.mktime_tz(tup) - time.time())
        except (TypeError, ValueError, OverflowError, OSError):
            return None

    def should_retry_status(self, status: int, headers: Mapping[str, str] | None) -> bool:
        ra = self.retry_after_s(headers)
        if ra is not None and math.isfinite(ra) and ra > self.max_retry_after_s:
            return False
        flag = headers.get("x-should-retry") if headers else None
        if flag == "true":
            return True
        if flag == "false":
            return False
        return status in self.retry_on

    def wait_s(self, retries_taken: int, headers: Mapping[str, str] | None = None) -> float:
        """Seconds to sleep before retry number ``retries_taken + 1``."""
        if self.respect_retry_after:
            ra = self.retry_after_s(headers)
            if ra is not None and math.isfinite(ra) and 0 < ra <= self.max_retry_after_s:
                return ra
        n = min(retries_taken, 64)
        base = min(self.initial_s * self.multiplier**n, self.max_s)
        t = base * (1 - self.jitter * random.random())
        return t if t >= 0 else 0.0
