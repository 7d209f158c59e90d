"""Vectorised read-out of HdrHistogram_py histograms (same numbers as hdrh, without its Python loops).

``hdrh``'s ``get_mean_value`` walks every bucket in Python (~150 ms per histogram); the report reads
dozens of histograms, so this module turns the counts array into numpy arrays once and computes
mean, percentiles and the CDF with hdrh's own rules (highest-equivalent value for percentiles,
median-equivalent value for the mean).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def arrays(h: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(lowest, highest, median_equivalent, counts)`` of the non-empty buckets, in value order."""
    counts = np.ctypeslib.as_array(h.counts)[: h.counts_len].astype(np.int64)
    idx = np.flatnonzero(counts)
    bucket = (idx >> h.sub_bucket_half_count_magnitude) - 1
    sub = (idx & (h.sub_bucket_half_count - 1)) + h.sub_bucket_half_count
    low_b = bucket < 0
    sub = np.where(low_b, sub - h.sub_bucket_half_count, sub)
    bucket = np.where(low_b, 0, bucket)
    lowest = sub.astype(np.int64) << (bucket + h.unit_magnitude)
    size = np.int64(1) << (bucket + h.unit_magnitude)
    return lowest, lowest + size - 1, lowest + (size >> 1), counts[idx]


def summary(h: Any, percentiles: tuple[float, ...] = (50, 90, 99, 99.9)) -> dict[str, Any]:
    """Like :func:`profiler.metrics.percentile_summary` (µs): count, mean, min, max, p50...; None when empty."""
    total = int(h.get_total_count())
    keys = ["p" + (str(int(p)) if float(p).is_integer() else str(p).replace(".", "_")) for p in percentiles]
    if not total:
        return {"count": 0, "mean": None, "min": None, "max": None, **dict.fromkeys(keys)}
    lowest, highest, median, counts = arrays(h)
    cum = np.cumsum(counts)
    out: dict[str, Any] = {
        "count": total,
        "mean": float((counts * median).sum() / total),
        "min": int(h.get_min_value()),
        "max": int(h.get_max_value()),
    }
    for p, key in zip(percentiles, keys, strict=True):
        target = max(int(min(p, 100.0) * total / 100 + 0.5), 1)
        i = min(int(np.searchsorted(cum, target, side="left")), cum.size - 1)
        out[key] = int(highest[i])
    return out


def cdf(h: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(values_us, cumulative_fraction)`` at each non-empty bucket's highest-equivalent value."""
    total = int(h.get_total_count())
    if not total:
        return np.array([]), np.array([])
    _, highest, _, counts = arrays(h)
    return highest.astype(float), np.cumsum(counts) / total


def spectrum(h: Any, n: int = 200, max_nines: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """Percentile spectrum: ``(percentile, value_us)`` on a log-of-(1-q) grid up to 99.99 %."""
    total = int(h.get_total_count())
    if not total:
        return np.array([]), np.array([])
    _, highest, _, counts = arrays(h)
    cum = np.cumsum(counts)
    nines = min(max_nines, float(np.log10(max(total, 10))))
    q = 1.0 - np.logspace(0, -nines, n)  # 0 .. 1-10^-nines
    targets = np.maximum((q * total + 0.5).astype(np.int64), 1)
    i = np.minimum(np.searchsorted(cum, targets, side="left"), cum.size - 1)
    return q * 100.0, highest[i].astype(float)
