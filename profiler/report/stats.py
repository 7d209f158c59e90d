"""Paired statistics for the comparison: Wilson intervals, McNemar, bootstrap confidence intervals.

Everything here is pure numpy/scipy on arrays; nothing knows about run directories.
All random draws come from a ``numpy.random.Generator`` seeded by the caller, so a report is reproducible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20261128
ALPHA = 0.05
EXACT_MCNEMAR_MAX = 25  # discordant pairs up to this count: exact binomial test


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided (1 - ALPHA) interval; ``low``/``high`` are None when unknown."""

    value: float | None
    low: float | None
    high: float | None

    @property
    def excludes_zero(self) -> bool:
        if self.low is None or self.high is None:
            return False
        return self.low > 0 or self.high < 0

    def as_dict(self) -> dict:
        return {"value": self.value, "ci_low": self.low, "ci_high": self.high}


def wilson(successes: int, n: int, alpha: float = ALPHA) -> Interval:
    """Wilson score interval for a binomial proportion (value None when n == 0)."""
    if n <= 0:
        return Interval(None, None, None)
    z = float(sps.norm.ppf(1 - alpha / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class McNemar:
    """Paired success comparison. ``b`` = baseline pass & candidate fail, ``c`` = baseline fail & candidate pass."""

    n_pairs: int
    b: int
    c: int
    p_value: float | None
    method: str  # "exact" | "chi2-cc" | "none"
    diff: Interval  # candidate - baseline success rate over the pairs (fraction)

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    def as_dict(self) -> dict:
        return {
            "n_pairs": self.n_pairs,
            "baseline_only": self.b,
            "candidate_only": self.c,
            "p_value": self.p_value,
            "method": self.method,
            "diff": self.diff.as_dict(),
            "significant": self.significant,
        }


def mcnemar(base_pass: np.ndarray, cand_pass: np.ndarray, alpha: float = ALPHA) -> McNemar:
    """McNemar's test on paired boolean outcomes.

    Exact two-sided binomial test on the discordant pairs when there are at most ``EXACT_MCNEMAR_MAX``
    of them, otherwise the chi-square test with continuity correction. The difference in success rate
    gets a Wald interval for paired proportions.
    """
    base_pass = np.asarray(base_pass, dtype=bool)
    cand_pass = np.asarray(cand_pass, dtype=bool)
    n = int(base_pass.size)
    b = int(np.count_nonzero(base_pass & ~cand_pass))
    c = int(np.count_nonzero(~base_pass & cand_pass))
    if n == 0:
        return McNemar(0, 0, 0, None, "none", Interval(None, None, None))
    diff = (c - b) / n
    z = float(sps.norm.ppf(1 - alpha / 2))
    var = (b + c) - (c - b) ** 2 / n
    se = math.sqrt(max(var, 0.0)) / n
    interval = Interval(diff, diff - z * se, diff + z * se)
    d = b + c
    if d == 0:
        return McNemar(n, b, c, 1.0, "exact", interval)
    if d <= EXACT_MCNEMAR_MAX:
        p = float(sps.binomtest(min(b, c), d, 0.5).pvalue)
        return McNemar(n, b, c, min(1.0, p), "exact", interval)
    chi2 = (abs(b - c) - 1) ** 2 / d
    p = float(sps.chi2.sf(chi2, 1))
    return McNemar(n, b, c, p, "chi2-cc", interval)


def percentile_interval(samples: np.ndarray, alpha: float = ALPHA) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of finite samples (None, None when there are none)."""
    s = np.asarray(samples, dtype=float)
    s = s[np.isfinite(s)]
    if s.size < 10:
        return None, None
    lo, hi = np.quantile(s, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def bootstrap_quantile(
    sorted_values: np.ndarray, q: float, rng: np.random.Generator, resamples: int = DEFAULT_RESAMPLES
) -> np.ndarray:
    """Bootstrap distribution of the nearest-rank ``q`` quantile (q in (0, 1)) of iid samples.

    Exact and O(resamples) after sorting: in a resample of size n from the empirical distribution, the
    k-th order statistic is ``x[ceil(n * U_(k)) - 1]`` with ``U_(k) ~ Beta(k, n - k + 1)``. This is the
    same distribution as resampling the requests and taking the quantile, without touching n rows
    ``resamples`` times.
    """
    x = np.asarray(sorted_values)
    n = x.size
    if n == 0:
        return np.full(resamples, np.nan)
    k = min(max(1, math.ceil(q * n)), n)
    u = rng.beta(k, n - k + 1, size=resamples)
    idx = np.clip(np.ceil(u * n).astype(np.int64) - 1, 0, n - 1)
    return x[idx].astype(float)


def cluster_weights(n_clusters: int, resamples: int, rng: np.random.Generator, chunk: int = 250):
    """Yield blocks of bootstrap weights (rows: resamples, columns: clusters; each row sums to n_clusters)."""
    done = 0
    while done < resamples:
        m = min(chunk, resamples - done)
        picks = rng.integers(0, n_clusters, size=(m, n_clusters))
        offsets = (np.arange(m) * n_clusters)[:, None]
        w = np.bincount((picks + offsets).ravel(), minlength=m * n_clusters).reshape(m, n_clusters)
        yield w.astype(np.float64)
        done += m


def bootstrap_ratio_of_sums(
    num: np.ndarray,
    den: np.ndarray,
    rng: np.random.Generator,
    resamples: int = DEFAULT_RESAMPLES,
) -> np.ndarray:
    """Cluster bootstrap of ``sum(num[:, j]) / sum(den[:, j])`` for each column j.

    ``num`` and ``den`` are (clusters, k) arrays of per-cluster sums (e.g. per prompt); every resample
    draws clusters with replacement and uses the same draw for all columns, so columns stay paired.
    Returns a (resamples, k) array (nan where the denominator is 0).
    """
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    if num.ndim == 1:
        num = num[:, None]
        den = den[:, None]
    out = np.empty((resamples, num.shape[1]))
    row = 0
    if num.shape[0] == 0:
        out[:] = np.nan
        return out
    for w in cluster_weights(num.shape[0], resamples, rng):
        with np.errstate(divide="ignore", invalid="ignore"):
            out[row : row + w.shape[0]] = (w @ num) / (w @ den)
        row += w.shape[0]
    return out


def relative_change(cand: float | None, base: float | None) -> float | None:
    """``cand / base - 1`` (None when undefined)."""
    if cand is None or base is None or not math.isfinite(cand) or not math.isfinite(base) or base == 0:
        return None
    return cand / base - 1.0
