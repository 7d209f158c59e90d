"""JSON (the stable schema for CI gates) and CSV (one row per run x model x task x metric)."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if hasattr(x, "item"):  # numpy scalars
        return _clean(x.item())
    return x


def render_json(doc: dict[str, Any]) -> str:
    return json.dumps(_clean(doc), indent=2, allow_nan=False) + "\n"


CSV_FIELDS = ["run_id", "model", "task", "section", "metric", "value", "count", "ci_low", "ci_high"]


def _flatten(prefix: str, obj: Any, out: list[tuple[str, Any]]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        out.append((prefix, obj))
    elif isinstance(obj, bool):
        out.append((prefix, int(obj)))


def csv_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for run in doc["runs"]:
        rid = run["run_id"]
        rows.append(_row(rid, "*", "*", "run", "interrupted", int(bool(run["interrupted"]))))
        rows.append(_row(rid, "*", "*", "run", "scored", int(bool(run["scored"]))))
        rows.append(_row(rid, "*", "*", "run", "measured_requests", run["measured_requests"]))
        rows.append(_row(rid, "*", "*", "run", "window_s", run["window_s"]))
        for model, g in run["groups"].items():
            for task, stats_ in [("*", g["overall"]), *g["tasks"].items()]:
                for section in ("latency", "throughput", "reliability", "tokens", "cost", "quality"):
                    sec = stats_[section]
                    if section == "latency":
                        for metric, s in sec.items():
                            for k, v in s.items():
                                if k != "count":
                                    rows.append(
                                        _row(rid, model, task, section, f"{metric}.{k}", v, s["count"])
                                    )
                        continue
                    if section == "quality" and not sec.get("scored"):
                        rows.append(_row(rid, model, task, section, "scored", 0))
                        continue
                    flat: list[tuple[str, Any]] = []
                    _flatten("", sec, flat)
                    groups: dict[str, dict[str, Any]] = {}
                    for key, v in flat:
                        base, _, last = key.rpartition(".")
                        if last in ("ci_low", "ci_high") and base:
                            groups.setdefault(base, {})[last] = v
                    for key, v in flat:
                        base, _, last = key.rpartition(".")
                        if last in ("ci_low", "ci_high", "n") and base:
                            continue
                        if last == "value" and base:
                            ci = groups.get(base, {})
                            n = dict(flat).get(f"{base}.n")
                            rows.append(
                                _row(
                                    rid, model, task, section, base, v, n, ci.get("ci_low"), ci.get("ci_high")
                                )
                            )
                        else:
                            rows.append(_row(rid, model, task, section, key, v))
        for cand, c in run["comparisons"].items():
            for task, cmp_ in [("*", c), *c.get("tasks", {}).items()]:
                for key, d in cmp_["latency"].items():
                    rows.append(
                        _row(
                            rid,
                            cand,
                            task,
                            "vs_baseline",
                            f"{key}.change_pct",
                            d["change_pct"],
                            None,
                            d["ci_low_pct"],
                            d["ci_high_pct"],
                        )
                    )
                for key in ("cost_per_success", "token_inflation"):
                    d = cmp_[key]
                    rows.append(
                        _row(
                            rid,
                            cand,
                            task,
                            "vs_baseline",
                            f"{key}.change_pct",
                            d["change_pct"],
                            d.get("n_prompts"),
                            d["ci_low_pct"],
                            d["ci_high_pct"],
                        )
                    )
                s = cmp_.get("success")
                if s:
                    rows.append(
                        _row(
                            rid,
                            cand,
                            task,
                            "vs_baseline",
                            "success.diff_pt",
                            s["diff_pt"],
                            s["n_pairs"],
                            s["ci_low_pt"],
                            s["ci_high_pt"],
                        )
                    )
                    rows.append(
                        _row(rid, cand, task, "vs_baseline", "success.mcnemar_p", s["p_value"], s["n_pairs"])
                    )
        for cand, v in run["verdicts"].items():
            rows.append(_row(rid, cand, "*", "verdict", v["code"], v["score"]))
    return rows


def _row(run_id, model, task, section, metric, value, count=None, lo=None, hi=None) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "model": model,
        "task": task,
        "section": section,
        "metric": metric,
        "value": "" if value is None else value,
        "count": "" if count is None else count,
        "ci_low": "" if lo is None else lo,
        "ci_high": "" if hi is None else hi,
    }


def render_csv(doc: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for r in csv_rows(doc):
        w.writerow(r)
    return buf.getvalue()
