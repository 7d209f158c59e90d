"""Speed of the scenario/prompt path that every load-generating process runs.

    python benchmarks/bench_prompts.py [N_PROMPTS]

Prints: scenario load + validation time, dataset parse rate, PromptMix.at() cost (sequential and
random access), request_body() cost. Numbers taken on a shared machine are pessimistic.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

from profiler.prompts import PromptMix, load_prompts, request_body
from profiler.scenario import load_scenario, validate_file


def build(folder: Path, n: int) -> Path:
    schema = {"type": "object", "properties": {"total": {"type": "number"}}, "required": ["total"]}
    (folder / "schemas").mkdir()
    (folder / "schemas" / "inv.json").write_text(json.dumps(schema))
    (folder / "datasets").mkdir()
    tasks = {"ts_codegen": 0.45, "extraction": 0.35, "agent": 0.2}
    spec = {}
    for name, weight in tasks.items():
        with (folder / "datasets" / f"{name}.jsonl").open("w") as f:
            for i in range(int(n * weight)):
                msgs = [{"role": "system", "content": "You are a careful engineer. " * 20},
                        {"role": "user", "content": f"{name} request {i}: " + "details " * 60}]  # fmt: skip
                f.write(json.dumps({"id": f"{name}-{i}", "messages": msgs, "gold": "x" * 200}) + "\n")
        spec[name] = {"weight": weight, "dataset": f"datasets/{name}.jsonl"}
    spec["extraction"]["response_format"] = {"type": "json_schema", "schema": "schemas/inv.json"}
    data = {
        "name": "bench",
        "baseline": "a",
        "models": {
            "a": {"price": {"input_per_1m": 1, "output_per_1m": 2}, "params": {"reasoning_effort": "low"}}
        },
        "prompt_mix": {"tasks": spec},
    }
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def timed(label: str, fn, repeat: int = 1) -> float:
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    per = (time.perf_counter() - t) / repeat
    return per


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 12_400
    with tempfile.TemporaryDirectory() as tmp:
        path = build(Path(tmp), n)
        t_load = timed("load", lambda: load_scenario(path), repeat=20)
        sc = load_scenario(path)
        t_validate = timed("validate", lambda: validate_file(path))
        t_prompts = timed("prompts", lambda: load_prompts(sc), repeat=3)
        prompts = load_prompts(sc)
        total = sum(len(v) for v in prompts.values())
        mix = PromptMix(sc, prompts)
        k = 200_000
        t_seq = timed("seq", lambda: [mix.at(i) for i in range(k)]) / k
        idx = [random.randrange(10**7) for _ in range(20_000)]
        fresh = PromptMix(sc, prompts)
        t_rand = timed("rand", lambda: [fresh.at(i) for i in idx]) / len(idx)
        model = sc.models["a"]
        sample = [mix.at(i) for i in range(10_000)]
        t_body = timed("body", lambda: [request_body(p, model) for p in sample]) / len(sample)
    print(f"scenario load_scenario():      {t_load * 1e3:8.2f} ms")
    print(f"validate_file() incl. datasets: {t_validate * 1e3:7.1f} ms  ({total} prompts)")
    print(f"load_prompts():                {t_prompts * 1e3:8.1f} ms  = {total / t_prompts:,.0f} prompts/s")
    print(f"PromptMix.at() sequential:     {t_seq * 1e6:8.2f} us")
    print(f"PromptMix.at() random access:  {t_rand * 1e6:8.2f} us  (each block built on first touch)")
    print(f"request_body():                {t_body * 1e6:8.2f} us")


if __name__ == "__main__":
    main()
