"""The "Model comparison" tab of the Locust web UI and the live per-model numbers behind it.

:class:`LiveStats` lives on the master (or the local runner). Every batch written to the run directory is
also folded into it: per-model counters from the rows, and cumulative HDR histograms per (metric, model)
merged from the drained interval deltas. So the tab shows the same numbers the run directory will hold,
with HDR percentiles and their counts (intervals are shipped when they end, so percentiles lag a few s).

The tab uses Locust's table extension points (field notes 1.9): ``extended_tabs`` / ``extended_tables`` in
the template args, and ``extended_stats`` added to the polled ``/stats/requests`` JSON. The same rows are
served as JSON at ``/swapbench/live.json``.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

from profiler import metrics

TAB_KEY = "swapbench"
LIVE_METRICS = ("ttft", "e2e", "pool_wait")

# keys without underscores: the web UI camel-cases table keys
COLUMNS: list[tuple[str, str]] = [
    ("model", "Model"),
    ("requests", "Requests"),
    ("warmup", "Warm-up"),
    ("ok", "OK"),
    ("failures", "Failures by outcome"),
    ("ttftp50", "TTFT p50 ms"),
    ("ttftp99", "TTFT p99 ms"),
    ("ttftn", "TTFT n"),
    ("e2ep99", "E2E p99 ms"),
    ("tokps", "Tokens out/s"),
    ("cost", "Cost USD"),
    ("retries", "Retries"),
    ("poolwaitp99", "Pool wait p99 ms"),
]


class LiveStats:
    """Cumulative per-model view of the run (master/local)."""

    def __init__(self, model_keys: list[str]) -> None:
        self.model_keys = list(model_keys)
        self.settings: Any = None
        self.finished = False
        self.reset(None)

    def reset(self, settings: Any) -> None:
        self.settings = settings
        self.finished = False
        self.t_start = time.time()
        self.rows: Counter[str] = Counter()  # all phases
        self.measured: Counter[str] = Counter()
        self.warmup: Counter[str] = Counter()
        self.ok: Counter[str] = Counter()
        self.outcomes: dict[str, Counter[str]] = {k: Counter() for k in self.model_keys}
        self.tokens_out: Counter[str] = Counter()
        self.cost: dict[str, float] = {k: 0.0 for k in self.model_keys}
        self.retries: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.first_error: dict[str, str] = {}  # an example error message per model
        self.finished_all: Counter[str] = Counter()  # rows of every phase but cancelled
        self.ok_all: Counter[str] = Counter()
        self.failed_all: dict[str, Counter[str]] = {}
        self.hists: dict[tuple[str, str], Any] = {}

    def update(self, drained: metrics.Drained) -> None:
        for r in drained.rows:
            m = r.get("model")
            self.rows[m] += 1
            outcome = r.get("outcome")
            if outcome != metrics.CANCELLED:  # every phase: a broken setup shows in the warm-up too
                self.finished_all[m] += 1
                if outcome == "ok":
                    self.ok_all[m] += 1
                else:
                    self.failed_all.setdefault(m, Counter())[outcome] += 1
                    if m not in self.first_error and r.get("error"):
                        self.first_error[m] = str(r["error"])[:160]
            if r.get("phase") != "measure":
                self.warmup[m] += 1
                continue
            self.measured[m] += 1
            if outcome == "ok":
                self.ok[m] += 1
            else:
                self.outcomes.setdefault(m, Counter())[outcome] += 1
                if outcome == "dropped":
                    self.dropped[m] += 1
            self.tokens_out[m] += int(r.get("completion_tokens") or 0)
            self.cost[m] = self.cost.get(m, 0.0) + float(r.get("cost_usd") or 0.0)
            self.retries[m] += int(r.get("retries") or 0)
        for _start, _length, tag, blob in drained.intervals:
            metric, model, _task = metrics.parse_tag(tag)
            if metric not in LIVE_METRICS:
                continue
            h = self.hists.get((metric, model))
            if h is None:
                h = self.hists[(metric, model)] = metrics.new_histogram()
            h.decode_and_add(blob)

    def failure_warnings(self) -> list[str]:
        """A model that failed most of its requests is a broken experiment, not a slow model: say so."""
        out = []
        for m in self.model_keys:
            oc = self.failed_all.get(m) or Counter()
            finished = self.finished_all[m]
            failed = finished - self.ok_all[m]
            if finished <= 0 or failed < 0.5 * finished:
                continue
            top, n = max(oc.items(), key=lambda x: x[1])
            share = "every" if failed == finished else f"{failed / finished:.0%} of"
            out.append(
                f"{m}: {share} request failed (mostly {top}, {n}x), e.g. "
                f"{self.first_error.get(m, top)!r}: check the endpoint, key and scenario before reading "
                "the comparison"
            )
        return out

    def measure_seconds(self, now: float | None = None) -> float:
        now = time.time() if now is None else now
        s = self.settings
        begin = s.warmup_end_epoch if s is not None else self.t_start
        return max(now - begin, 1e-9)

    def _pct(self, metric: str, model: str, p: float) -> tuple[float | None, int]:
        h = self.hists.get((metric, model))
        if h is None or not h.get_total_count():
            return None, 0
        return h.get_value_at_percentile(p) / 1000.0, h.get_total_count()

    def table(self, now: float | None = None) -> list[dict[str, Any]]:
        secs = self.measure_seconds(now)
        out = []
        for m in self.model_keys:
            t50, n = self._pct("ttft", m, 50)
            t99, _ = self._pct("ttft", m, 99)
            e99, en = self._pct("e2e", m, 99)
            pw99, _ = self._pct("pool_wait", m, 99)
            fails = self.outcomes.get(m) or {}
            out.append(
                {
                    "model": m,
                    "requests": self.measured[m],
                    "warmup": self.warmup[m],
                    "ok": self.ok[m],
                    "failures": ", ".join(f"{k} {v}" for k, v in sorted(fails.items())) or "0",
                    "ttftp50": _fmt(t50),
                    "ttftp99": _fmt(t99),
                    "ttftn": n,
                    "e2ep99": _fmt(e99) + (f" (n={en})" if en else ""),
                    "tokps": round(self.tokens_out[m] / secs, 1) if self.measured[m] else 0.0,
                    "cost": f"{self.cost.get(m, 0.0):.4f}",
                    "retries": self.retries[m],
                    "poolwaitp99": _fmt(pw99),
                }
            )
        return out

    def achieved(self, now: float | None = None) -> dict[str, dict[str, Any]]:
        """Achieved vs target rate per model, for run.json."""
        secs = self.measure_seconds(now)
        s = self.settings
        target = s.rate_per_s if s is not None and s.mode == "open" else None
        return {
            m: {
                "requests": self.rows[m],
                "measured": self.measured[m],
                "ok": self.ok[m],
                "rps": round(self.measured[m] / secs, 3),
                "target_rps": target,
                "output_tokens_per_s": round(self.tokens_out[m] / secs, 2),
                "dropped": self.dropped[m],
                "measured_seconds": round(secs, 3),
            }
            for m in self.model_keys
        }


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def install_web_ui(web_ui: Any, live: LiveStats) -> None:
    """Add the tab to Locust's web UI (master or local process only)."""
    import flask

    web_ui.template_args["extended_tabs"] = [{"title": "Model comparison", "key": TAB_KEY}]
    web_ui.template_args["extended_tables"] = [
        {"key": TAB_KEY, "structure": [{"key": k, "title": t} for k, t in COLUMNS]}
    ]
    web_ui.template_args["extended_csv_files"] = [
        {"href": "./swapbench/live.json", "title": "Download model comparison (JSON)"}
    ]

    @web_ui.app.after_request
    def _add_rows(resp: Any) -> Any:
        if flask.request.path.rstrip("/").endswith("/stats/requests") and resp.is_json:
            data = resp.get_json(silent=True)
            if isinstance(data, dict):
                data["extended_stats"] = [{"key": TAB_KEY, "data": live.table()}]
                resp.set_data(json.dumps(data))
        return resp

    @web_ui.app.route("/swapbench/live.json")
    @web_ui.auth_required_if_enabled
    def _live_json() -> Any:
        return flask.jsonify({"models": live.table(), "achieved": live.achieved()})
