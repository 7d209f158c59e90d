"""`swapbench validate FILE...` run as users run it: a subprocess, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def validate(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "profiler.cli", "validate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def good_scenario(folder: Path, name: str = "good") -> Path:
    (folder / "datasets").mkdir(parents=True, exist_ok=True)
    with (folder / "datasets" / "qa.jsonl").open("w") as f:
        for i in range(6):
            f.write(json.dumps({"id": f"q{i}", "messages": [{"role": "user", "content": f"q {i}"}]}) + "\n")
    data = {
        "name": name,
        "baseline": "old",
        "models": {
            "old": {"price": {"input_per_1m": 2.5, "output_per_1m": 10}},
            "new": {
                "model": "new-model",
                "endpoint": {"base_url": "https://api.example.com/v1", "api_key_env": "SWAPBENCH_CLI_KEY"},
                "price": {"input_per_1m": 1, "output_per_1m": 8},
            },
        },
        "load": {"mode": "open", "arrival": {"rate_per_s": 3}, "duration_s": 60, "warmup_s": 5},
        "prompt_mix": {"tasks": {"qa": {"dataset": "datasets/qa.jsonl", "weight": 2}}},
        "slo": {"ttft_p99_ms": 2000, "error_rate_max": 0.02},
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_valid_file_prints_a_summary(tmp_path: Path) -> None:
    path = good_scenario(tmp_path)
    out = validate(str(path))
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    text = out.stdout
    assert f"{path}: ok: scenario good (seed 0)" in text
    assert "model old: baseline, old (simulated)" in text
    assert "model new: new-model (https://api.example.com/v1, key from $SWAPBENCH_CLI_KEY)" in text
    assert "task qa: 6 prompts, weight 100%" in text
    assert "load: open loop, 3 req/s poisson per model, 60 s incl. 5 s warm-up" in text
    assert "slo: TTFT p99 <= 2000 ms, errors <= 2.0%" in text


def test_json_manifest(tmp_path: Path) -> None:
    out = validate("--json", str(good_scenario(tmp_path)))
    assert out.returncode == 0, out.stderr
    manifest = json.loads(out.stdout)
    assert manifest["model_keys"] == ["old", "new"] and manifest["load"]["arrival"]["rate_per_s"] == 3.0


def test_problems_exit_2_with_one_line_each_and_no_traceback(tmp_path: Path) -> None:
    good = good_scenario(tmp_path)
    bad = tmp_path / "bad.yaml"
    text = (
        good.read_text()
        .replace("rate_per_s: 3", "rate_per_s: -3")
        .replace("baseline: old", "baseline: older")
    )
    bad.write_text(text.replace("  qa:\n", "  qa:\n      wieght: 1\n"))
    out = validate(str(good), str(bad), cwd=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert out.stderr.splitlines() == [
        f"{bad}: load.arrival.rate_per_s: expected a number > 0, got -3",
        f"{bad}: prompt_mix.tasks.qa.wieght: unknown key, did you mean 'weight'?",
        f'{bad}: baseline: expected a key of models (old, new), got "older"',
    ]
    assert f"{good}: ok" in out.stdout  # the good file is still summarised


def test_relative_file_argument_and_dataset_errors(tmp_path: Path) -> None:
    good_scenario(tmp_path)
    (tmp_path / "datasets" / "qa.jsonl").write_text('{"id": "q0", "messages": [{"role": "user"}]}\n')
    out = validate("good.yaml", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        "datasets/qa.jsonl:1: messages[0].content: expected a string or a list of content parts, got null"
    ]


def test_yaml_error_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("name: [x\n")
    out = validate("broken.yaml", "missing.yaml", cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("broken.yaml:2: YAML syntax error: ")
    assert lines[1] == "missing.yaml: expected a scenario file, got nothing at that path"


def test_usage_errors() -> None:
    out = validate()
    assert out.returncode == 2 and "usage: swapbench validate" in out.stderr


def test_shipped_scenarios_validate() -> None:
    shipped = sorted(str(p.relative_to(REPO)) for p in (REPO / "scenarios").glob("*.yaml"))
    if not shipped:
        return
    out = validate(*shipped)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count(": ok: scenario ") == len(shipped)
