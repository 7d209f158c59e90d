"""Helpers for the Locust tests: small scenarios in tmp_path and `locust` subprocess runs.

Locust monkey-patches the process that imports it, so every test that needs locust runs it in a
subprocess; this module itself never imports locust.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
LOCUSTFILE = REPO / "locustfiles" / "compare.py"


def write_scenario(tmp: Path, *, models: dict | None = None, load: dict | None = None,
                   client: dict | None = None, n_prompts: int = 20, max_tokens: int = 16,
                   name: str = "ltest") -> Path:  # fmt: skip
    """A two-model simulated scenario with one small QA dataset; returns the YAML path."""
    ds = tmp / "ds"
    ds.mkdir(exist_ok=True)
    with open(ds / "qa.jsonl", "w", encoding="utf-8") as f:
        for i in range(n_prompts):
            rec = {
                "id": f"q{i:03d}",
                "messages": [
                    {"role": "user", "content": f"Spell the number {i} in words, then add {i}+{i}."}
                ],
                "gold": f"{i}+{i} is {2 * i}",
            }
            f.write(json.dumps(rec) + "\n")
    sim_fast = {"ttft_ms": {"median": 20, "p99": 40}, "itl_ms": {"mean": 1, "jitter": 0.1}}
    sim_slow = {"ttft_ms": {"median": 40, "p99": 70}, "itl_ms": {"mean": 1, "jitter": 0.1}}
    doc: dict[str, Any] = {
        "name": name,
        "seed": 7,
        "baseline": "base",
        "models": models
        or {
            "base": {"simulator": sim_fast, "price": {"input_per_1m": 2.5, "output_per_1m": 10}},
            "cand": {"simulator": sim_slow, "price": {"input_per_1m": 1.0, "output_per_1m": 8}},
        },
        "load": {"users": 2, "duration_s": 6, "warmup_s": 1, **(load or {})},
        "prompt_mix": {"tasks": {"qa": {"dataset": "ds/qa.jsonl", "max_tokens": max_tokens}}},
    }
    if client:
        doc["client"] = client
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def locust_cmd(scenario: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--scenario", str(scenario), *args]


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
    e.pop("LOCUST_SKIP_MONKEY_PATCH", None)
    return e


def run_locust(tmp: Path, scenario: Path, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    """Run the main job headless in ``tmp`` (reports in tmp/reports, Locust stats in tmp/locust.json)."""
    cmd = locust_cmd(scenario, "--headless", "--only-summary", "--json-file", str(tmp / "locust"), *args)
    return subprocess.run(cmd, cwd=tmp, env=env(), capture_output=True, text=True, timeout=timeout)


def run_dir(tmp: Path) -> Path:
    runs = [d for d in (tmp / "reports").iterdir() if (d / "run.json").is_file()]
    assert len(runs) == 1, runs
    return runs[0]


def locust_counts(tmp: Path) -> dict[tuple[str, str], int]:
    """``{(model, task): num_requests}`` from Locust's own ``--json-file``."""
    data = json.loads((tmp / "locust.json").read_text())
    return {(e["method"], e["name"]): e["num_requests"] for e in data}


def rows(path: Path) -> list[dict]:
    with open(path / "requests.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
