"""Benchmark: `swapbench report` end to end on a synthetic run with 1,000,000 requests.

Generates (once, cached) a run directory with two models x 500,000 measured requests, task scores for
every request, then runs `swapbench report DIR --format md,html,json,csv` in a subprocess and prints its
wall time and peak RSS (resource.getrusage of the child). Target: <= 60 s and <= 2 GB.

    python benchmarks/bench_report.py [--requests 1000000] [--dir /tmp/swapbench-bench-report] [--regen]

The machine is shared (2 cores); numbers taken while others run tests are pessimistic.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from profiler.report.synth import SynthModel, make_run


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1_000_000, help="total measured requests (all models)")
    ap.add_argument("--dir", default="/tmp/swapbench-bench-report")
    ap.add_argument("--regen", action="store_true")
    ap.add_argument("--formats", default="md,html,json,csv")
    args = ap.parse_args()
    root = Path(args.dir)
    run = root / f"run-{args.requests}"
    if args.regen and run.exists():
        shutil.rmtree(run)
    if not (run / "run.json").is_file():
        if run.exists():
            shutil.rmtree(run)
        root.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        make_run(
            run,
            {
                "gpt-4o": SynthModel(),
                "gpt-5.5": SynthModel(
                    ttft_median_ms=550,
                    verbosity=1.2,
                    success=0.86,
                    price={"input_per_1m": 1.25, "output_per_1m": 10.0},
                ),
            },
            n_per_model=args.requests // 2,
            n_prompts=5000,
            tasks=("ts_codegen", "extraction", "agent"),
            rate_per_s=2000.0,
            warmup=100,
            judge={"tpr": 0.9, "fpr": 0.1},
        )
        print(f"generated {run} in {time.perf_counter() - t:.1f} s")
    size = sum(p.stat().st_size for p in run.iterdir()) / 1e6
    print(f"run directory: {size:.0f} MB ({', '.join(p.name for p in sorted(run.iterdir()))})")
    cmd = [sys.executable, "-m", "profiler.cli", "report", str(run), "--format", args.formats]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode not in (0, 1):
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        return 1
    print(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "")
    print(
        f"report of {args.requests:,} requests: {wall:.1f} s wall, peak RSS {rss_mb:.0f} MB "
        f"(target <= 60 s, <= 2048 MB): {'OK' if wall <= 60 and rss_mb <= 2048 else 'OVER TARGET'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
