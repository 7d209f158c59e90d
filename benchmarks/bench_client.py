"""Streaming-client speed and timing accuracy, against the simulator.

(1) Throughput: one client process (gevent, pinned to core 0) against the simulator (own process, pinned
    to core 1), 8-token streams, zero latency, closed loop with ``--conc`` greenlets, full instrumentation
    and ``capture: full``. Targets: fast >= 3,000 req/s, sdk >= 500 req/s. Also printed: requests per
    client CPU-second (less sensitive to other load on a shared machine).
(2) TTFT accuracy: 32 concurrent streams, the simulator injects a fixed 50 ms TTFT; TTFT p50/p99 of each
    transport vs a minimal raw-socket reference client (gevent sockets, byte search for the first content
    delta). Target: within 0.5 ms (p50) / 2 ms (p99) of the reference.

    python benchmarks/bench_client.py [--seconds 6] [--conc 32] [--only fast,sdk] [--rounds 3] [--profile fast]

``--profile KIND`` runs the throughput worker under cProfile and prints the top functions.
Numbers taken while other processes share the 2 cores are pessimistic.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GOLD8 = "Paris is the capital city."  # 8 tokens with the simulator's tokenizer


def write_scenario(tmp: Path) -> Path:
    ds = tmp / "datasets"
    ds.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "id": f"q-{i}",
            "messages": [{"role": "user", "content": f"What is the capital of France? ({i})"}],
            "gold": GOLD8,
        }
        for i in range(100)
    ]
    (ds / "qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    price = {"input_per_1m": 1.0, "output_per_1m": 1.0}
    zero = {
        "ttft_ms": {"median": 0.001, "p99": 0.001},
        "prefill_ms_per_1k_tokens": 0,
        "itl_ms": {"mean": 0, "jitter": 0},
        "accuracy": {"default": 1.0},
        "slots": 100000,
        "queue": 0,
    }
    timed = dict(zero, ttft_ms={"median": 50, "p99": 50}, itl_ms={"mean": 2, "jitter": 0})
    doc = {
        "name": "bench-client",
        "seed": 1,
        "baseline": "zero",
        "models": {
            "zero": {"price": price, "simulator": zero},
            "timed": {"price": price, "simulator": timed},
        },
        "client": {"max_connections": 256, "max_retries": 0, "pool_timeout_s": 30},
        "prompt_mix": {"tasks": {"qa": {"weight": 1, "dataset": "datasets/qa.jsonl", "max_tokens": 64}}},
    }
    path = tmp / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------- worker
WORKER = r"""
import os, sys, json, time, resource
os.sched_setaffinity(0, {__CORE__})
from gevent import monkey; monkey.patch_all()
import gevent, gevent.pool, socket
from profiler.scenario import load_scenario
from profiler.prompts import load_prompts, request_body
from profiler.client import make_transport

spec = json.loads(sys.argv[1])
sc = load_scenario(spec["scenario"])
model = sc.models[spec["model"]]
prompts = load_prompts(sc)["qa"]
reqs = [(request_body(p, model), {"x-swapbench-prompt-id": p.prompt_id}) for p in prompts]
kind = spec["kind"]
conc = spec["conc"]

def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q / 100 * len(xs)))] if xs else None

if kind == "raw":
    from urllib.parse import urlsplit
    u = urlsplit(spec["url"])
    FIRST = b'"delta":{"content":"'
    END = b"\r\n0\r\n\r\n"
    raws = []
    for body, hdrs in reqs:
        b = json.dumps(body).encode()
        head = (f"POST {u.path}/chat/completions HTTP/1.1\r\nHost: {u.netloc}\r\nContent-Type: application/json\r\n"
                f"Accept-Encoding: identity\r\nx-swapbench-prompt-id: {hdrs['x-swapbench-prompt-id']}\r\n"
                f"Content-Length: {len(b)}\r\n\r\n").encode()
        raws.append(head + b)
    def run_one(sock, i, rid="r"):
        t0 = time.perf_counter()
        req = raws[i % len(raws)]
        sock.sendall(req.replace(b"\r\nx-swapbench-prompt-id", b"\r\nx-swapbench-rid: " + rid.encode() + b"\r\nx-swapbench-prompt-id", 1))
        buf = b""; t_first = None
        while True:
            data = sock.recv(65536)
            if not data:
                raise RuntimeError("closed")
            buf += data
            if t_first is None:
                j = buf.find(FIRST)
                if j >= 0 and buf[j + len(FIRST):j + len(FIRST) + 1] not in (b"", b'"'):
                    t_first = time.perf_counter()
            if buf.endswith(END):
                return t_first - t0
else:
    tr = make_transport(sc, model, base_url_override=spec["url"], kind=kind)
    tr.prepare()
if spec.get("freeze"):
    import gc
    gc.collect(); gc.freeze()

if spec["mode"] == "tput":
    stop_at = time.perf_counter() + spec["seconds"]
    counts = {}
    n = [0]
    def loop(g):
        i = g
        if kind == "raw":
            sock = socket.create_connection((u.hostname, u.port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while time.perf_counter() < stop_at:
                run_one(sock, i)
                counts["ok"] = counts.get("ok", 0) + 1
                i += conc
            return
        while time.perf_counter() < stop_at:
            body, hdrs = reqs[i % len(reqs)]
            o = tr.execute(body, t_intended=time.perf_counter(), headers=hdrs, capture="full")
            counts[o.outcome] = counts.get(o.outcome, 0) + 1
            if o.outcome != "ok" and counts[o.outcome] < 3:
                print(o.outcome, o.error, file=sys.stderr)
            i += conc
    # warm-up: open a connection, import what is lazily imported
    for body, hdrs in reqs[:2] if kind != "raw" else []:
        tr.execute(body, t_intended=time.perf_counter(), headers=hdrs)
    t0 = time.perf_counter(); c0 = resource.getrusage(resource.RUSAGE_SELF)
    if spec.get("profile"):
        import cProfile, pstats
        prof = cProfile.Profile(); prof.enable()
    pool = gevent.pool.Pool(conc)
    for g in range(conc):
        pool.spawn(loop, g)
    pool.join()
    if spec.get("profile"):
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    dt = time.perf_counter() - t0; c1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
    total = sum(counts.values())
    print(json.dumps({"n": total, "rps": total / dt, "rps_per_cpu_s": total / cpu if cpu else None,
                      "cpu_share": cpu / dt, "outcomes": counts}))
else:  # ttft
    ttfts = []
    stamps = {}
    per = spec["per_greenlet"]
    def loop(g):
        if kind == "raw":
            sock = socket.create_connection((u.hostname, u.port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for k in range(per):
            gevent.sleep(0.005 * ((g * 7 + k) % 10))  # desynchronise the greenlets a little
            i = g * per + k
            rid = f"{kind}{spec.get('round', 0)}-{g}-{k}"
            wall0 = time.time()
            if kind == "raw":
                ttft = run_one(sock, i, rid) * 1e6
            else:
                body, hdrs = reqs[i % len(reqs)]
                o = tr.execute(body, t_intended=time.perf_counter(), headers=dict(hdrs, **{"x-swapbench-rid": rid}))
                if o.outcome != "ok":
                    continue
                ttft = o.ttft_us
            ttfts.append(ttft)
            stamps[rid] = wall0 + ttft / 1e6
    # warm-up connections
    pool = gevent.pool.Pool(conc)
    for g in range(conc):
        pool.spawn(loop, g)
    pool.join()
    ttfts = ttfts[conc:]  # drop the first round (connection set-up)
    print(json.dumps({"n": len(ttfts), "p50_us": percentile(ttfts, 50), "p99_us": percentile(ttfts, 99),
                      "max_us": max(ttfts), "stamps": stamps}))
"""


def run_worker(spec: dict, core: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    code = WORKER.replace("__CORE__", str(core))
    p = subprocess.run(
        [sys.executable, "-c", code, json.dumps(spec)], capture_output=True, text=True, env=env
    )
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-3000:])
    if p.stderr.strip():
        print(p.stderr.strip()[-6000:], file=sys.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--conc", type=int, default=32)
    ap.add_argument("--only", default="fast,sdk")
    ap.add_argument("--per-greenlet", type=int, default=12)
    ap.add_argument("--profile", default="", help="fast or sdk: cProfile the throughput worker")
    ap.add_argument("--skip-ttft", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved TTFT rounds (median of the deltas)")
    ap.add_argument("--freeze", action="store_true", help="gc.freeze() after start-up in the worker")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from profiler.sim.server import start_subprocess

    ncpu = os.cpu_count() or 1
    client_core, sim_core = 0, (1 if ncpu > 1 else 0)
    kinds = [k for k in args.only.split(",") if k]
    with tempfile.TemporaryDirectory() as td:
        scen = write_scenario(Path(td))
        truth_path = Path(td) / "truth.jsonl"
        res: dict = {}
        with start_subprocess(scen, truth_path=truth_path) as sim:
            os.sched_setaffinity(sim.pid, {sim_core})
            print(f"simulator {sim.url} on core {sim_core}; client on core {client_core}; {ncpu} cores")
            print(f"load average: {os.getloadavg()[0]:.2f} (other processes on the machine skew the numbers)")
            print("\n(1) throughput, 8-token streams, zero latency, closed loop, capture full")
            targets = {"fast": 3000, "sdk": 500, "raw": 0}
            for kind in ["raw", *kinds]:  # raw: the simulator's ceiling on this machine right now
                spec = {"scenario": str(scen), "model": "zero", "url": sim.url, "kind": kind, "mode": "tput",
                        "conc": args.conc, "seconds": args.seconds, "profile": kind == args.profile}  # fmt: skip
                r = run_worker(spec, client_core)
                ok = "ref" if kind == "raw" else "OK " if r["rps"] >= targets[kind] else "LOW"
                print(
                    f"  {kind:5s} {r['rps']:8.0f} req/s  [{ok} target >= {targets[kind]}]  "
                    f"{r['rps_per_cpu_s']:8.0f} req per client CPU-s  (client CPU {r['cpu_share'] * 100:.0f}%)  "
                    f"n={r['n']} outcomes={r['outcomes']}"
                )
            if args.skip_ttft:
                return
            print(
                f"\n(2) TTFT at 32 concurrent streams, injected TTFT fixed at 50 ms, {args.rounds} interleaved rounds"
            )
            for rnd in range(args.rounds):
                for kind in ["raw", *kinds]:
                    spec = {"scenario": str(scen), "model": "timed", "url": sim.url, "kind": kind, "mode": "ttft",
                            "conc": 32, "per_greenlet": args.per_greenlet, "freeze": args.freeze,
                            "round": rnd}  # fmt: skip
                    r = run_worker(spec, client_core)
                    res.setdefault(kind, []).append(r)
                    line = f"  round {rnd} {kind:5s} p50 {r['p50_us'] / 1000:7.3f} ms  p99 {r['p99_us'] / 1000:7.3f} ms"
                    if kind != "raw":
                        raw = res["raw"][rnd]
                        line += (
                            f"   vs raw: p50 {(r['p50_us'] - raw['p50_us']) / 1000:+.3f} ms,"
                            f" p99 {(r['p99_us'] - raw['p99_us']) / 1000:+.3f} ms"
                        )
                    print(line)
            print("  median over rounds of (transport - raw):")
            for kind in kinds:
                d50 = sorted(
                    (a["p50_us"] - b["p50_us"]) / 1000 for a, b in zip(res[kind], res["raw"], strict=True)
                )
                d99 = sorted(
                    (a["p99_us"] - b["p99_us"]) / 1000 for a, b in zip(res[kind], res["raw"], strict=True)
                )
                m50, m99 = d50[len(d50) // 2], d99[len(d99) // 2]
                ok = "OK " if m50 <= 0.5 and m99 <= 2.0 else "OFF"
                print(f"  {kind:5s} p50 {m50:+.3f} ms  p99 {m99:+.3f} ms  [{ok} target <= +0.5 / +2 ms]")
        # after the simulator stopped (truth flushed): client first-token stamp - simulator write time
        truth = {}
        for line in truth_path.read_text().splitlines():
            row = json.loads(line)
            if row.get("t_first_token"):
                truth[row["rid"]] = row["t_first_token"]
        print(
            "\n    stamp lag = client's first-token time - simulator's first-token write (ground truth), all rounds"
        )
        for kind, runs in res.items():
            lags = sorted(
                (t - truth[rid]) * 1e6 for r in runs for rid, t in r["stamps"].items() if rid in truth
            )
            if lags:
                p50, p99 = lags[len(lags) // 2], lags[min(len(lags) - 1, int(0.99 * len(lags)))]
                print(
                    f"  {kind:5s} stamp lag p50 {p50 / 1000:7.3f} ms  p99 {p99 / 1000:7.3f} ms  n={len(lags)}"
                )


if __name__ == "__main__":
    main()
