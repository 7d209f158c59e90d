"""``swapbench score RUN``: score every captured answer of a run, offline."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from profiler.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="swapbench score",
        description="Score every captured answer of a run (scorers, LLM judge, judge calibration). "
        "Writes RUN/scores.jsonl and RUN/judge_calibration.json; re-running scores only what is missing.",
    )
    p.add_argument("run", metavar="RUN", help="run directory, a run id under reports/, or 'latest'")
    p.add_argument("--scenario", metavar="FILE", help="scenario file (default: the path in run.json)")
    p.add_argument("--no-judge", action="store_true", help="skip the LLM judge (its pairs stay pending)")
    p.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="parallel judge/command calls (default: judge.concurrency)",
    )
    p.add_argument("--rescore", action="store_true", help="discard scores.jsonl and score everything again")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no tables")
    p.add_argument("--reports-dir", default="reports", help="where run ids and 'latest' are looked up")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.concurrency is not None and args.concurrency < 1:
        raise UserError(f"--concurrency: expected an integer >= 1, got {args.concurrency}")
    from rich.console import Console

    from profiler.quality.engine import score_run
    from profiler.quality.summary import render
    from profiler.rundir import find_run

    run_path = find_run(args.run, args.reports_dir)
    err_console = Console(stderr=True)
    progress_cb, stop = (None, lambda: None) if args.quiet else _progress(err_console)
    try:
        result = score_run(
            run_path,
            args.scenario,
            use_judge=not args.no_judge,
            concurrency=args.concurrency,
            rescore=args.rescore,
            progress=progress_cb,
        )
    finally:
        stop()
    if not args.quiet:
        console = Console()
        console.print(
            f"scored {result.run_path}: {result.new_rows} new row(s), "
            f"{result.skipped_existing} pair(s) already scored"
        )
        render(result, console, getattr(result.scenario, "model_keys", None))
    else:
        for w in result.warnings:
            print(f"swapbench score: warning: {w}", file=sys.stderr)
    return 0


def _progress(console: Any) -> tuple[Any, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    prog = Progress(
        TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console,
        transient=True,
    )  # fmt: skip
    state: dict[str, Any] = {"task": None}

    def cb(event: str, n: int) -> None:
        if event == "total":
            prog.start()
            state["task"] = prog.add_task("score", total=n)
        elif event == "advance" and state["task"] is not None:
            prog.advance(state["task"], n)

    return cb, prog.stop
