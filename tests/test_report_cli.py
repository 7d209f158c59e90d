"""`swapbench report` command line: formats, output locations, several runs side by side, JSON/CSV schema."""

from __future__ import annotations

import csv
import io
import json

import pytest

from profiler.cli import main as swapbench
from profiler.report.render_json import CSV_FIELDS
from profiler.report.synth import SynthModel, make_run


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    a = make_run(
        root / "reports" / "r-yesterday",
        {"base": SynthModel(), "cand": SynthModel(verbosity=1.2)},
        n_per_model=400,
        n_prompts=60,
    )
    b = make_run(
        root / "reports" / "r-today",
        {"base": SynthModel(), "cand": SynthModel(verbosity=1.2, ttft_median_ms=900)},
        n_per_model=400,
        n_prompts=60,
        scored=False,
        seed=8,
    )
    return root, a.path, b.path


def test_single_run_writes_all_files_into_the_run_dir(two_runs, capsys):
    _, a, _ = two_runs
    assert swapbench(["report", str(a), "--resamples", "200"]) == 0
    out = capsys.readouterr().out
    assert "Headline" in out and "Verdict" in out and "cand vs base" in out
    for ext in ("md", "html", "json", "csv"):
        assert (a / f"report.{ext}").is_file()
    doc = json.loads((a / "report.json").read_text())
    assert doc["schema_version"] == 1 and doc["tool"] == "swapbench"
    run = doc["runs"][0]
    assert set(run) >= {"run_id", "status", "interrupted", "baseline", "models", "tasks", "scored", "groups",
                        "comparisons", "slo", "verdicts", "headline", "warnings"}  # fmt: skip
    assert [h["model"] for h in run["headline"]] == ["base", "cand"]
    assert run["verdicts"]["cand"]["verdict"] in ("swap justified", "not yet", "inconclusive")
    md = (a / "report.md").read_text()
    assert md.index("### Headline") < md.index("### Verdict") < md.index("### Latency")


def test_csv_one_row_per_run_model_task_metric(two_runs):
    _, a, _ = two_runs
    assert swapbench(["report", str(a), "--format", "csv", "--resamples", "200"]) == 0
    rows = list(csv.DictReader(io.StringIO((a / "report.csv").read_text())))
    assert list(rows[0]) == CSV_FIELDS
    keys = [(r["run_id"], r["model"], r["task"], r["section"], r["metric"]) for r in rows]
    assert len(keys) == len(set(keys))
    p99 = [r for r in rows if r["model"] == "cand" and r["task"] == "*" and r["metric"] == "ttft.p99_ms"]
    assert len(p99) == 1 and float(p99[0]["value"]) > 0 and int(p99[0]["count"]) > 300
    infl = [r for r in rows if r["metric"] == "token_inflation.change_pct" and r["task"] == "*"]
    assert len(infl) == 1 and 19 < float(infl[0]["value"]) < 21
    assert float(infl[0]["ci_low"]) <= float(infl[0]["value"]) <= float(infl[0]["ci_high"])


def test_several_runs_side_by_side(two_runs, capsys):
    root, a, b = two_runs
    out_dir = root / "out"
    rc = swapbench(
        ["report", "r-yesterday", "r-today", "--reports-dir", str(root / "reports"), "--out", str(out_dir),
         "--format", "terminal,json,md,html", "--resamples", "200", "--no-plots"]
    )  # fmt: skip
    assert rc == 0
    assert "Runs side by side" in capsys.readouterr().out
    doc = json.loads((out_dir / "compare.json").read_text())
    assert [r["run_id"] for r in doc["runs"]] == ["r-yesterday", "r-today"]
    sbs = doc["side_by_side"]
    assert [(r["run_id"], r["model"]) for r in sbs] == [
        ("r-yesterday", "base"),
        ("r-yesterday", "cand"),
        ("r-today", "base"),
        ("r-today", "cand"),
    ]
    today_cand = sbs[3]
    assert today_cand["task_success_rate"] is None  # the second run is not scored
    assert today_cand["ttft_p50_ms"] > sbs[1]["ttft_p50_ms"] * 1.5
    html = (out_dir / "compare.html").read_text()
    assert 'data-table="runs"' in html
    assert not (a / "compare.json").exists()


def test_bad_arguments_are_one_line_errors(two_runs, capsys):
    _, a, _ = two_runs
    assert swapbench(["report", str(a), "--format", "pdf"]) == 2
    err = capsys.readouterr().err
    assert "--format: expected a comma list" in err and err.count("\n") == 1
    assert swapbench(["report", "no-such-run", "--reports-dir", str(a.parent)]) == 2
    assert "no-such-run: run directory not found" in capsys.readouterr().err


def test_report_never_imports_locust(two_runs):
    import subprocess
    import sys

    _, a, _ = two_runs
    code = (
        "import sys; from profiler.report.cli import main; "
        f"main([{str(a)!r}, '--format', 'json', '--resamples', '200']); "
        "assert 'locust' not in sys.modules and 'gevent' not in sys.modules, 'locust imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_judge_model_loaded_with_the_run_is_not_a_candidate(tmp_path):
    from profiler.report.build import build_report

    make_run(
        tmp_path / "r",
        {"base": SynthModel(), "cand": SynthModel(), "judge": SynthModel(ttft_median_ms=100)},
        n_per_model=200,
        n_prompts=40,
        judge_model="judge",
    )
    doc, _ = build_report([tmp_path / "r"], resamples=200)
    run = doc["runs"][0]
    assert run["judge_model"] == "judge"
    assert list(run["comparisons"]) == ["cand"] and list(run["verdicts"]) == ["cand"]
    assert [h["role"] for h in run["headline"]] == ["baseline", "candidate", "judge"]
    assert "judge" not in run["slo"]
