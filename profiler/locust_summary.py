"""End-of-run terminal output: the report stage's comparison, or a compact per-model table.

Reads only the run directory (``profiler.rundir.RunDir``): HDR percentiles with their counts, tokens, cost,
errors by outcome, retries and pool-wait p99. Never imports locust.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from profiler.rundir import RunDir

log = logging.getLogger("swapbench")


def _ms(h: Any, p: float) -> str:
    n = h.get_total_count()
    return f"{h.get_value_at_percentile(p) / 1000:.1f}" if n else "-"


def summary_rows(run: RunDir) -> list[dict[str, Any]]:
    per: dict[str, dict[str, Any]] = {
        m: {"n": 0, "ok": 0, "tokens": 0, "cost": 0.0, "retries": 0, "outcomes": Counter()}
        for m in run.models
    }
    for r in run.iter_requests("measure"):
        d = per.setdefault(
            r["model"], {"n": 0, "ok": 0, "tokens": 0, "cost": 0.0, "retries": 0, "outcomes": Counter()}
        )
        d["n"] += 1
        d["ok"] += r.get("outcome") == "ok"
        if r.get("outcome") != "ok":
            d["outcomes"][r.get("outcome")] += 1
        d["tokens"] += int(r.get("completion_tokens") or 0)
        d["cost"] += float(r.get("cost_usd") or 0.0)
        d["retries"] += int(r.get("retries") or 0)
    out = []
    for m, d in per.items():
        ttft, e2e, pool = run.histogram("ttft", m), run.histogram("e2e", m), run.histogram("pool_wait", m)
        out.append({"model": m, **d, "ttft": ttft, "e2e": e2e, "pool_wait": pool})
    return out


def print_summary(run_dir: str | Path, console: Console | None = None) -> None:
    run = RunDir(run_dir)
    console = console or Console()
    t = Table(title=f"swapbench {run.run_id} ({run.status})", show_lines=False)
    for col in ("model", "requests", "ok", "TTFT p50/p90/p99 ms (n)", "E2E p50/p90/p99 ms (n)",
                "tokens out", "cost USD", "errors", "retries", "pool wait p99 ms"):  # fmt: skip
        t.add_column(col, overflow="fold")
    for r in summary_rows(run):
        tt, ee = r["ttft"], r["e2e"]
        t.add_row(
            r["model"],
            str(r["n"]),
            str(r["ok"]),
            f"{_ms(tt, 50)}/{_ms(tt, 90)}/{_ms(tt, 99)} ({tt.get_total_count()})",
            f"{_ms(ee, 50)}/{_ms(ee, 90)}/{_ms(ee, 99)} ({ee.get_total_count()})",
            str(r["tokens"]),
            f"{r['cost']:.4f}",
            ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items())) or "0",
            str(r["retries"]),
            _ms(r["pool_wait"], 99),
        )
    console.print(t)
    for w in run.manifest.get("warnings") or ():
        console.print(f"[yellow]warning:[/] {w}")


def should_score(run: RunDir, mode: str) -> tuple[bool, str]:
    """Whether the end of a run scores the answers: ``on``, ``off``, or ``auto`` = only when that costs
    nothing (no judge, or a simulated one). A judge on a paid endpoint is never called unasked."""
    if mode == "off":
        return False, "--score off"
    if mode == "on":
        return True, ""
    judge = (run.manifest.get("scenario") or {}).get("judge") or {}
    key = judge.get("model")
    model = ((run.manifest.get("scenario") or {}).get("models") or {}).get(key) if key else None
    if model and model.get("endpoint"):
        return (
            False,
            f"the judge ({key}) is a real endpoint; run `swapbench score {run.path}` (it costs money)",
        )
    return True, ""


def score_answers(run_dir: Path, options: Any) -> None:
    """``swapbench score RUN`` in a child process (the scoring stage runs its own threads and SDK client,
    which must not share this gevent-patched process)."""
    run = RunDir(run_dir)
    ok, why = should_score(run, getattr(options, "score", "auto") if options is not None else "auto")
    if not ok:
        print(f"swapbench: answers not scored: {why}", flush=True)
        return
    if run.manifest.get("capture", "full") == "off" and not run.has_scores():
        print("swapbench: answers not scored: --capture off kept no answers", flush=True)
        return
    print("swapbench: scoring the answers (swapbench score) ...", flush=True)
    proc = subprocess.run(
        [sys.executable, "-m", "profiler.cli", "score", str(run_dir), "--quiet"],
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if proc.returncode != 0:
        print(f"swapbench: scoring failed (exit {proc.returncode}); the report shows latency and cost only")


def print_report(run_dir: Path, options: Any) -> None:
    """The per-model comparison in the terminal: the report stage if present, else a compact table."""
    if options is not None and getattr(options, "no_report", False):
        print(f"swapbench: run directory {run_dir}", flush=True)
        return
    score_answers(run_dir, options)
    done = False
    try:
        from profiler.report.cli import main as report_main

        # terminal, and report.{md,html,json,csv} in the run directory
        done = report_main([str(run_dir)]) == 0
    except (Exception, SystemExit) as err:  # noqa: BLE001 - the load results are shown even if the report fails
        log.debug("swapbench: report stage unavailable (%s), printing the summary table", err)
    if not done:
        try:
            print_summary(run_dir)
        except Exception as err:  # noqa: BLE001
            log.warning("swapbench: could not print the summary: %s", err)
    print(f"swapbench: run directory {run_dir}", flush=True)
