"""Interval maths for success rates: Wilson score intervals and normal quantiles.

Pure functions, no I/O. ``scipy`` is not needed for these: the standard library's ``NormalDist`` gives
the quantile, and the Wilson formula is closed-form.
"""

from __future__ import annotations

import math
from statistics import NormalDist

__all__ = ["z_value", "wilson", "proportion"]


def z_value(level: float = 0.95) -> float:
    """Two-sided standard-normal quantile for a confidence ``level`` (0.95 -> 1.959964)."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def proportion(k: int, n: int) -> float | None:
    """``k / n``, or None when ``n == 0``."""
    return k / n if n else None


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval for ``k`` successes out of ``n`` trials; None when ``n == 0``.

    lo, hi = (p + z²/2n ∓ z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
    """
    if n <= 0:
        return None
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    z = z_value(level)
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    # exact bounds at the edges (floating error can leave 1e-17 instead of 0)
    if k == 0:
        lo = 0.0
    if k == n:
        hi = 1.0
    return lo, hi
