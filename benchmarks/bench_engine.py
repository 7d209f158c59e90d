"""The full main job on one core: Locust + swapbench instrumentation + full capture, per transport.

``locust -f locustfiles/compare.py --headless`` is pinned to CPU 0 and the simulator (started by the test,
passed with ``--sim-url``) to CPU 1. Two simulated models with zero latency and 8-token answers, closed
loop with 32 users (16 per model), ``--capture full``. Printed per transport: requests/s achieved (from
run.json, measured phase), requests per CPU-second of the Locust process (less sensitive to other load on
the machine), TTFT p50/p99 (HDR, from the run directory) and the client CPU warnings Locust raised.

    python benchmarks/bench_engine.py [--seconds 15] [--users 32] [--transports fast,sdk]

Targets (issue 3): >= 3,000 req/s on the fast transport, >= 500 req/s on the sdk transport. Numbers taken
while other processes share the two cores are pessimistic.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from profiler.rundir import RunDir  # noqa: E402
from profiler.sim.server import start_subprocess  # noqa: E402

WARMUP_S = 3
GOLD8 = "Paris is the capital city."  # 8 tokens with the simulator's tokenizer


def write_scenario(tmp: Path) -> Path:
    (tmp / "ds").mkdir(parents=True, exist_ok=True)
    rows = [
        {"id": f"q-{i}", "messages": [{"role": "user", "content": f"What is the capital of France? ({i})"}],
         "gold": GOLD8}
        for i in range(200)
    ]  # fmt: skip
    (tmp / "ds" / "qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    sim = {
        "ttft_ms": {"median": 0.001, "p99": 0.001},
        "prefill_ms_per_1k_tokens": 0,
        "itl_ms": {"mean": 0, "jitter": 0},
        "accuracy": {"default": 1.0},
        "slots": 100000,
        "queue": 0,
    }
    price = {"input_per_1m": 2.5, "output_per_1m": 10.0}
    doc = {
        "name": "bench-engine",
        "seed": 1,
        "baseline": "a",
        "models": {"a": {"simulator": sim, "price": price}, "b": {"simulator": sim, "price": price}},
        "client": {"max_connections": 256, "max_keepalive": 256},
        "load": {"users": 16, "duration_s": 15, "warmup_s": WARMUP_S},
        "prompt_mix": {"tasks": {"qa": {"dataset": "ds/qa.jsonl", "max_tokens": 64}}},
    }
    path = tmp / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pin(pid: int, cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > cpu:
        os.sched_setaffinity(pid, {cpu})


def run(tmp: Path, sc: Path, sim_url: str, transport: str, seconds: int, users: int) -> dict:
    out = tmp / transport
    out.mkdir()
    cmd = [sys.executable, "-m", "locust", "-f", str(REPO / "locustfiles" / "compare.py"),
           "--scenario", str(sc), "--sim-url", sim_url, "--transport", transport, "--capture", "full",
           "--headless", "--only-summary", "--no-report", "-u", str(users), "-r", str(users),
           "-t", f"{seconds}s", "--reports-dir", str(out / "reports"), "--run-id", "bench"]  # fmt: skip
    log = open(out / "locust.log", "w")  # noqa: SIM115 - a pipe would fill up while we wait
    proc = subprocess.Popen(cmd, cwd=out, stdout=log, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: pin(0, 0))  # fmt: skip
    # CPU seconds of the locust process during the measured phase (after warm-up, before the end)
    manifest = out / "reports" / "bench" / "run.json"
    while not manifest.exists() and proc.poll() is None:
        time.sleep(0.05)
    t0 = json.loads(manifest.read_text())["t0_epoch"]
    time.sleep(max(0.0, t0 + WARMUP_S - time.time()))
    c0, w0 = cpu_seconds(proc.pid), time.time()
    time.sleep(max(0.0, t0 + seconds - 0.5 - time.time()))
    c1, w1 = cpu_seconds(proc.pid), time.time()
    proc.wait()
    log.close()
    err = (out / "locust.log").read_text()
    cpu_s = c1 - c0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"locust failed ({proc.returncode}):\n{err[-3000:]}")
    rd = RunDir(out / "reports" / "bench")
    ach = rd.manifest["achieved"]
    rows = sum(a["requests"] for a in ach.values())
    ttft = rd.histogram("ttft")
    ok = sum(a["ok"] for a in ach.values())
    return {
        "transport": transport,
        "rps": sum(a["rps"] for a in ach.values()),
        "rows": rows,
        "ok_share": ok / max(1, sum(a["measured"] for a in ach.values())),
        "req_per_cpu_s": sum(a["measured"] for a in ach.values()) / cpu_s * (w1 - w0) / (seconds - WARMUP_S)
        if cpu_s
        else 0.0,
        "cpu_share": cpu_s / (w1 - w0),
        "cpu_s": cpu_s,
        "ttft_p50_ms": ttft.get_value_at_percentile(50) / 1000,
        "ttft_p99_ms": ttft.get_value_at_percentile(99) / 1000,
        "ttft_n": ttft.get_total_count(),
        "warnings": [w for w in rd.manifest.get("warnings", []) if "CPU" in w],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--users", type=int, default=32)
    ap.add_argument("--transports", default="fast,sdk")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sc = write_scenario(tmp)
        with start_subprocess(sc) as sim:
            pin(sim.pid, 1)
            time.sleep(0.5)
            print(f"Locust on CPU 0, simulator on CPU 1 (cores: {os.cpu_count()}); 8-token streams, zero latency,"
                  f" {args.users} users, {args.seconds} s, capture full")  # fmt: skip
            for t in args.transports.split(","):
                r = run(tmp, sc, sim.url, t.strip(), args.seconds, args.users)
                print(
                    f"{r['transport']:>5}: {r['rps']:8.0f} req/s  ({r['req_per_cpu_s']:.0f} req per CPU-s of the "
                    f"locust process, which got {r['cpu_share']:.0%} of a core; {r['rows']} rows, ok {r['ok_share']:.1%})  TTFT p50 {r['ttft_p50_ms']:.2f} ms"
                    f" p99 {r['ttft_p99_ms']:.2f} ms (n={r['ttft_n']})"
                )
                for w in r["warnings"]:
                    print(f"       warning: {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
