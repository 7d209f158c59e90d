"""The fallback end-of-run table (used when the report stage fails): numbers straight from the run dir."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

from profiler import metrics
from profiler.locust_summary import print_summary, summary_rows
from profiler.rundir import RunDir, RunWriter


def _row(model: str, outcome: str, ttft: int, seq: int, retries: int = 0, pool_wait: int = 100) -> dict:
    return metrics.build_row(
        {"outcome": outcome, "ttft_us": ttft if outcome == "ok" else None, "e2e_us": ttft + 5000,
         "completion_tokens": 20, "prompt_tokens": 100, "attempts": 1 + retries, "pool_wait_us": pool_wait},
        rid=f"w0-{seq}", model=model, task="qa", prompt_id=f"qa/q{seq}", seq=seq, phase="measure",
        t_intended=time.time(), worker=0, price={"input_per_1m": 1.0, "output_per_1m": 10.0},
    )  # fmt: skip


def test_summary_table_from_a_run_directory(tmp_path: Path) -> None:
    w = RunWriter.create(tmp_path, "t", {"models": ["a", "b"], "baseline": "a"})
    rec = metrics.Recorder()
    for i in range(100):
        rec.record(_row("a", "ok", 10_000 + 100 * i, i))
        rec.record(
            _row("b", "ok" if i % 10 else "http_429", 20_000 + 100 * i, i, retries=i % 2, pool_wait=i * 1000)
        )
    w.write_drained(rec.drain(final=True))
    w.close("complete")
    rows = {r["model"]: r for r in summary_rows(RunDir(w.path))}
    assert rows["a"]["n"] == 100 and rows["a"]["ok"] == 100 and rows["a"]["ttft"].get_total_count() == 100
    assert rows["b"]["ok"] == 90 and rows["b"]["outcomes"] == {"http_429": 10}
    assert rows["b"]["retries"] == 50 and rows["a"]["tokens"] == 2000
    assert abs(rows["a"]["cost"] - 100 * (100 * 1.0 + 20 * 10.0) / 1e6) < 1e-9
    assert rows["b"]["pool_wait"].get_value_at_percentile(99) >= 98_000
    console = Console(record=True, width=200)
    print_summary(w.path, console=console)
    text = console.export_text()
    assert "http_429 10" in text and "(100)" in text and "(90)" in text


def test_end_of_run_scoring_never_calls_a_paid_judge_unasked(tmp_path: Path) -> None:
    from profiler.locust_summary import should_score

    def run_with(judge_model: dict | None) -> RunDir:
        scenario = {"models": {"a": {"endpoint": None}}, "judge": None}
        if judge_model is not None:
            scenario["models"]["j"] = judge_model
            scenario["judge"] = {"model": "j"}
        w = RunWriter.create(tmp_path, "t", {"models": ["a"], "baseline": "a", "scenario": scenario})
        w.close()
        return RunDir(w.path)

    assert should_score(run_with(None), "auto") == (True, "")
    assert should_score(run_with({"endpoint": None, "simulator": {}}), "auto") == (True, "")
    paid = run_with({"endpoint": {"base_url": "https://api.example/v1", "api_key_env": "K"}})
    ok, why = should_score(paid, "auto")
    assert not ok and "real endpoint" in why and "swapbench score" in why
    assert should_score(paid, "on") == (True, "")
    assert should_score(run_with(None), "off")[0] is False
