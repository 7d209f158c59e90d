"""``swapbench report RUN [RUN ...]``: the composite comparison, its verdict and the report files."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from profiler.errors import UserError
from profiler.report import render_html, render_json, render_md, render_terminal, stats
from profiler.report.build import build_report
from profiler.report.verdict import INCONCLUSIVE, NOT_YET, RANK

FORMATS = ("terminal", "md", "html", "json", "csv")
FILE_FORMATS = ("md", "html", "json", "csv")
FAIL_ON = {"not-yet": NOT_YET, "inconclusive": INCONCLUSIVE}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="swapbench report",
        description="Compare the models of one or more runs: latency, reliability, tokens, cost, quality, "
        "paired statistics and a verdict per candidate.",
    )
    p.add_argument(
        "runs", nargs="+", metavar="RUN", help="run directory, run id under --reports-dir, or 'latest'"
    )
    p.add_argument(
        "--format",
        default=None,
        help="comma list of terminal,md,html,json,csv (default: terminal, and all files into the run directory)",
    )
    p.add_argument("--out", default=None, help="directory for the report files (default: the run directory)")
    p.add_argument(
        "--fail-on",
        choices=sorted(FAIL_ON),
        default=None,
        help="exit 1 when any candidate's verdict is this or worse (for CI)",
    )
    p.add_argument("--reports-dir", default="reports", help="where run ids are looked up (default: reports)")
    p.add_argument(
        "--resamples", type=int, default=stats.DEFAULT_RESAMPLES, help="bootstrap resamples (default 2000)"
    )
    p.add_argument("--seed", type=int, default=stats.DEFAULT_SEED, help="bootstrap seed")
    p.add_argument(
        "--detail", action="store_true", help="terminal: also print latency, cost, quality and task tables"
    )
    p.add_argument("--no-plots", action="store_true", help="HTML without plots (faster)")
    return p


def _formats(value: str | None) -> list[str]:
    if value is None:
        return list(FORMATS)
    out = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise UserError(f"--format: expected a comma list of {','.join(FORMATS)}, got {value!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    # a short-lived batch job that parses millions of JSON rows: the cyclic GC only slows it down
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        if enabled:
            gc.enable()


def _main(argv: list[str] | None) -> int:
    args = parser().parse_args(argv)
    formats = _formats(args.format)
    if args.resamples < 100:
        raise UserError(f"--resamples: expected at least 100, got {args.resamples}")
    from profiler.rundir import find_run

    paths = [find_run(r, args.reports_dir) for r in args.runs]
    doc, datas = build_report(paths, resamples=args.resamples, seed=args.seed)

    if "terminal" in formats:
        from rich.console import Console

        console = Console(width=None if sys.stdout.isatty() else 160)
        render_terminal.render(doc, console, detail=args.detail)

    stem = "report" if len(paths) == 1 else "compare"
    out_dir = Path(args.out) if args.out else None
    written: list[Path] = []
    for fmt in (f for f in FILE_FORMATS if f in formats):
        if fmt == "md":
            content = render_md.render(doc)
        elif fmt == "json":
            content = render_json.render_json(doc)
        elif fmt == "csv":
            content = render_json.render_csv(doc)
        else:
            from profiler.report import examples

            ex = [examples.collect(d) for d in datas]
            content = render_html.render(doc, datas, ex, with_plots=not args.no_plots)
        name = f"{stem}.{fmt}"
        if out_dir is not None:
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
                (out_dir / name).write_text(content, encoding="utf-8")
            except OSError as err:
                raise UserError(f"{out_dir / name}: cannot write ({err.strerror})") from None
            written.append(out_dir / name)
        else:
            try:
                written.append(datas[-1].rd.write_file(name, content))
            except OSError as err:
                raise UserError(f"{datas[-1].path / name}: cannot write ({err.strerror})") from None
    if written:
        print(f"swapbench report: wrote {', '.join(str(p) for p in written)}")

    worst = doc["verdict"]["worst"]
    if args.fail_on and worst is not None and RANK[worst] <= RANK[FAIL_ON[args.fail_on]]:
        print(f"swapbench report: verdict {worst!r} fails --fail-on {args.fail_on}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
