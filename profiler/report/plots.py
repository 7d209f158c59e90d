"""Plots for the HTML report (matplotlib, Agg backend), returned as self-contained data URIs.

SVG images are embedded as ``<img src="data:image/svg+xml;base64,...">``: an SVG loaded as an image can
never run script, and nothing is fetched from the network. Model keys appear in legends only.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np

from profiler.report import hdr
from profiler.report.data import PASS, RunData


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "path",
            "figure.dpi": 100,
            "font.size": 9,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "svg.hashsalt": "swapbench",  # deterministic ids
        }
    )
    return plt


def _uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _t(s: Any) -> str:
    """Plain text for matplotlib (no mathtext from a stray '$' in a key)."""
    return str(s).replace("$", r"\$")


def _legend(ax: Any, **kw: Any) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kw)


def _colors(models: list[str]) -> dict[str, Any]:
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    return {m: palette[i % len(palette)] for i, m in enumerate(models)}


def percentile_spectrum(data: RunData) -> str:
    """TTFT and E2E value vs percentile (x: 1/(1-q) on a log axis), per model, from HDR."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    colors = _colors(data.models)
    ticks = [50, 90, 99, 99.9, 99.99]
    for ax, metric, title in zip(axes, ("ttft", "e2e"), ("TTFT", "E2E (ok)"), strict=True):
        for m in data.models:
            q, v = hdr.spectrum(data.histogram(metric, m))
            if q.size:
                ax.plot(1.0 / (1.0 - q / 100.0), v / 1000.0, label=_t(m), color=colors[m])
        ax.set_xscale("log")
        ax.set_xticks([1 / (1 - t / 100) for t in ticks])
        ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.set_xlabel("percentile")
        ax.set_ylabel("ms")
        ax.set_title(f"{title} percentile spectrum")
        _legend(ax, loc="upper left")
    return _uri(fig)


def cdf_plot(data: RunData) -> str:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    colors = _colors(data.models)
    for ax, metric, title in zip(axes, ("ttft", "e2e"), ("TTFT", "E2E (ok)"), strict=True):
        for m in data.models:
            v, f = hdr.cdf(data.histogram(metric, m))
            if v.size:
                ax.step(v / 1000.0, f, where="post", label=_t(m), color=colors[m])
        ax.set_xscale("log")
        ax.set_xlabel("ms (log)")
        ax.set_ylabel("fraction of requests")
        ax.set_title(f"{title} CDF")
        _legend(ax, loc="lower right")
    return _uri(fig)


def latency_over_time(data: RunData) -> str:
    """p50 and p99 TTFT per hlog interval, per model."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 3.4))
    colors = _colors(data.models)
    for m in data.models:
        iv = data.intervals("ttft", m)
        if not iv:
            continue
        t = np.array([s + length / 2 for s, length, _ in iv])
        sums = [hdr.summary(h, (50, 99)) for _, _, h in iv]
        p50 = np.array([s["p50"] for s in sums], dtype=float) / 1000.0
        p99 = np.array([s["p99"] for s in sums], dtype=float) / 1000.0
        ax.plot(t, p50, color=colors[m], label=_t(f"{m} p50"))
        ax.plot(t, p99, color=colors[m], linestyle="--", label=_t(f"{m} p99"))
    ax.set_xlabel("seconds since run start")
    ax.set_ylabel("TTFT ms")
    ax.set_title("TTFT over time (per interval)")
    _legend(ax, loc="upper left", ncol=2)
    return _uri(fig)


def cost_vs_success(data: RunData, run: dict[str, Any]) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    colors = _colors(data.models)
    for m in data.models:
        g = run["groups"][m]["overall"]
        x = g["cost"]["per_success_usd"]
        if run["scored"]:
            ts = g["quality"]["task_success"]
            y, lo, hi = ts["value"], ts["ci_low"], ts["ci_high"]
        else:
            n = g["requests"]
            y = g["reliability"]["ok"] / n if n else None
            lo = hi = y
        if x is None or y is None:
            continue
        ax.errorbar(
            [x],
            [y * 100],
            yerr=[[(y - lo) * 100], [(hi - y) * 100]],
            fmt="o",
            color=colors[m],
            label=_t(m),
            capsize=4,
        )
    ax.set_xlabel("cost per successful task (USD)")
    ax.set_ylabel("task success %" if run["scored"] else "ok responses % (not scored)")
    ax.set_title("Cost vs success (95 % CI)")
    _legend(ax, loc="best")
    return _uri(fig)


def token_distributions(data: RunData) -> str:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    colors = _colors(data.models)
    ok = data.ok
    for ax, key, title in zip(
        axes, ("completion_tokens", "prompt_tokens"), ("completion tokens", "prompt tokens"), strict=True
    ):
        col = data.cols[key]
        vals_all = col[ok & np.isfinite(col)]
        if vals_all.size == 0:
            continue
        hi = float(np.quantile(vals_all, 0.999)) or 1.0
        bins = np.linspace(0, hi, 50)
        for m in data.models:
            v = col[ok & (data.model == data.models.index(m)) & np.isfinite(col)]
            if v.size:
                counts, edges = np.histogram(np.minimum(v, hi), bins=bins)
                ax.stairs(counts / v.size, edges, color=colors[m], label=_t(m))
        ax.set_xlabel(f"{title} per ok request")
        ax.set_ylabel("share of requests")
        ax.set_title(f"{title} distribution")
        _legend(ax, loc="upper right")
    return _uri(fig)


def success_by_task(data: RunData) -> str | None:
    if not data.scored:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 3.2))
    colors = _colors(data.models)
    width = 0.8 / max(len(data.models), 1)
    for i, m in enumerate(data.models):
        rates = []
        for ti in range(len(data.tasks)):
            mask = (data.model == i) & (data.task == ti) & (data.task_status >= 0) & (data.task_status <= 1)
            n = int(np.count_nonzero(mask))
            rates.append(100.0 * np.count_nonzero(data.task_status[mask] == PASS) / n if n else 0.0)
        ax.bar(np.arange(len(data.tasks)) + i * width, rates, width, color=colors[m], label=_t(m))
    ax.set_xticks(np.arange(len(data.tasks)) + width * (len(data.models) - 1) / 2)
    ax.set_xticklabels([_t(t) for t in data.tasks])
    ax.set_ylabel("task success %")
    ax.set_title("Task success by task")
    _legend(ax, loc="lower right")
    return _uri(fig)


def all_plots(data: RunData, run: dict[str, Any]) -> list[tuple[str, str]]:
    """``(caption, data URI)`` for every plot of one run."""
    out = [
        ("TTFT and E2E percentile spectrum (HDR)", percentile_spectrum(data)),
        ("TTFT and E2E cumulative distribution (HDR)", cdf_plot(data)),
        ("TTFT p50/p99 over time (hlog intervals)", latency_over_time(data)),
        ("Cost per successful task vs task success", cost_vs_success(data, run)),
        ("Token-count distributions", token_distributions(data)),
    ]
    s = success_by_task(data)
    if s:
        out.append(("Task success by task", s))
    return out
