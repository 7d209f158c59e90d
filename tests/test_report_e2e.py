"""End to end: a real Locust run of the shipped quick scenario on the simulator, then `swapbench report`.

The candidate's configured verbosity (1.2, no hidden reasoning tokens) must show up as ~+20 % output-token
inflation on text, code, JSON and tool calls, and as none on classification labels (the simulator pads
no labels), measured by the report on the same prompts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
QUICK = REPO / "scenarios" / "quick.yaml"


def _scenario(tmp_path: Path) -> Path:
    sc = yaml.safe_load(QUICK.read_text())
    base = QUICK.parent
    for task in sc["prompt_mix"]["tasks"].values():
        task["dataset"] = str(base / task["dataset"])
    for key in ("rubric_file", "labels"):
        if sc.get("judge", {}).get(key):
            sc["judge"][key] = str(base / sc["judge"][key])
    cand = sc["models"]["gpt-5.5"]["simulator"]
    cand["verbosity"] = 1.2
    cand["reasoning_tokens"] = {"mean": 0, "cv": 0.5}
    cand["faults"] = {"http_5xx": 0.0, "disconnect": 0.0, "error_event": 0.0, "stall": 0.0}
    sc["load"].update(users=4, duration_s=12, warmup_s=1)
    out = tmp_path / "quick-verbosity.yaml"
    out.write_text(yaml.safe_dump(sc, sort_keys=False))
    return out


@pytest.mark.slow
def test_configured_verbosity_shows_up_as_token_inflation(tmp_path):
    sc = _scenario(tmp_path)
    reports = tmp_path / "reports"
    env = {**os.environ, "SWAPBENCH_CACHE_DIR": str(tmp_path / "cache")}
    load = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(REPO / "locustfiles" / "compare.py"), "--headless",
         "-t", "12s", "--scenario", str(sc), "--reports-dir", str(reports), "--run-id", "e2e", "--no-report"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    run = reports / "e2e"
    assert (run / "requests.jsonl").is_file(), load.stderr[-3000:]
    rep = subprocess.run(
        [sys.executable, "-m", "profiler.cli", "report", str(run), "--format", "json,html", "--resamples", "500"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert rep.returncode == 0, rep.stderr[-3000:]
    doc = json.loads((run / "report.json").read_text())
    r = doc["runs"][0]
    assert r["baseline"] == "gpt-4o" and "gpt-5.5" in r["comparisons"]
    assert "judge" not in r["comparisons"]  # the judge is never a candidate
    cmp_ = r["comparisons"]["gpt-5.5"]
    for task in ("ts_codegen", "extraction", "agent"):
        inf = cmp_["tasks"][task]["token_inflation"]
        assert inf["n_prompts"] >= 10, (task, inf)
        # configured +20 %; a 12 s run gives 10-60 prompts per task, hence the margin
        assert 8.0 < inf["change_pct"] < 32.0, (task, inf)
        assert inf["significant"], (task, inf)
    labels = cmp_["tasks"]["classification"]["token_inflation"]
    # labels are never padded: only wrong answers of other lengths (a label wrapped in prose) move the
    # mean, so the paired difference is noise, not inflation
    assert not labels["significant"] and labels["ci_low_pct"] < 0 < labels["ci_high_pct"], labels
    overall = cmp_["token_inflation"]
    assert 8.0 < overall["change_pct"] < 28.0 and overall["significant"], overall
    assert r["verdicts"]["gpt-5.5"]["verdict"] in ("swap justified", "not yet", "inconclusive")
    assert any("output tokens +" in x for x in r["verdicts"]["gpt-5.5"]["reasons"])
    assert (run / "report.html").stat().st_size > 50_000
