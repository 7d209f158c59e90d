"""The run-directory contract and the metric definitions (no locust, no network)."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hdrh.log import HistogramLogReader

from profiler import metrics
from profiler.errors import UserError
from profiler.rundir import RunDir, RunWriter, find_run

PRICE = {"input_per_1m": 2.5, "output_per_1m": 10.0, "cached_input_per_1m": 1.25}


class FakeClock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def outcome(ttft: int, e2e: int, tokens: int, ok: bool = True, itl: list[int] | None = None) -> dict:
    return {
        "outcome": "ok" if ok else "http_5xx",
        "ttft_us": ttft if ok else None,
        "ttft_attempt_us": ttft if ok else None,
        "ttfb_us": ttft // 2,
        "ttfa_us": ttft if ok else None,
        "e2e_us": e2e,
        "schedule_lag_us": 10,
        "pool_wait_us": 5,
        "attempts": 1 if ok else 3,
        "backoff_us": 0 if ok else 1_500_000,
        "prompt_tokens": 100,
        "completion_tokens": tokens if ok else 0,
        "cached_tokens": 40,
        "response": "hello" if ok else None,
        "itl_us": itl or [],
        "chunks": tokens,
    }


def make_row(o: dict, i: int, model: str = "a", task: str = "t", phase: str = "measure") -> dict:
    return metrics.build_row(
        o,
        rid=f"w0-{i}",
        model=model,
        task=task,
        prompt_id=f"{task}/p{i % 7}",
        seq=i,
        phase=phase,
        t_intended=1_700_000_000.0 + i,
        worker=0,
        price=PRICE,
    )


def test_cost_and_tpot_definitions():
    # 60 uncached prompt tokens at 2.5, 40 cached at 1.25, 200 output at 10 (per 1M)
    assert metrics.cost_usd(PRICE, 100, 200, 40, 0) == pytest.approx((60 * 2.5 + 40 * 1.25 + 200 * 10) / 1e6)
    # reasoning billed at its own rate when given, else at the output rate
    assert metrics.cost_usd({**PRICE, "reasoning_per_1m": 20.0}, 0, 100, 0, 30) == pytest.approx(
        (70 * 10 + 30 * 20) / 1e6
    )
    assert metrics.tpot_us(1_000_000, 200_000, 9) == 100_000
    assert metrics.tpot_us(1_000_000, 200_000, 1) is None
    assert metrics.tpot_us(None, 200_000, 9) is None


def test_build_row_derives_fields_and_flags_unknown_outcome():
    row = make_row(outcome(200_000, 1_000_000, 9, itl=[100_000] * 8), 1)
    assert row["tpot_us"] == 100_000
    assert row["itl_n"] == 8 and row["itl_mean_us"] == 100_000 and row["itl_max_us"] == 100_000
    assert row["retries"] == 0
    assert set(metrics.ROW_KEYS) <= set(row)
    bad = make_row({**outcome(1, 2, 3), "outcome": "weird"}, 2)
    assert bad["outcome"] == "client_error" and "weird" in bad["error"]


def test_recorder_writer_reader_roundtrip_matches_exact_percentiles(tmp_path):
    rng = random.Random(7)
    w = RunWriter.create(tmp_path, "demo", {"models": ["a", "b"], "baseline": "a"})
    clock = FakeClock(w.manifest["t0_epoch"])
    rec = metrics.Recorder(interval_s=5, clock=clock)
    ttfts: dict[str, list[int]] = {"a": [], "b": []}
    n = 0
    for step in range(40):
        clock.t += 0.5  # 20 s in all -> 4-5 intervals
        for model in ("a", "b"):
            ttft = int(rng.lognormvariate(12, 0.6))
            ok = rng.random() > 0.1
            row = make_row(outcome(ttft, ttft + 500_000, 20, ok, itl=[25_000] * 19), n, model=model)
            n += 1
            if ok:
                ttfts[model].append(ttft)
            rec.record(row)
        if step % 7 == 0:
            w.write_drained(rec.drain())
    # a warm-up row is kept as a row but never reaches a histogram
    rec.record(make_row(outcome(10, 20, 3), n, phase="warmup"))
    w.write_drained(rec.drain(final=True))
    w.close("complete")

    run = RunDir(w.path)
    assert run.status == "complete" and not run.interrupted
    rows = list(run.iter_requests())
    assert len(rows) == 80 and len(list(run.iter_requests(phase=None))) == 81
    assert all("_itl_us" not in r for r in rows)
    for model in ("a", "b"):
        h = run.histogram("ttft", model)
        assert h.get_total_count() == len(ttfts[model])
        for p in (50, 90, 99):
            exact = metrics.exact_percentile(ttfts[model], p)
            assert exact <= h.get_value_at_percentile(p) <= exact * 1.001 + 1
        # failures are in e2e_all, never in e2e
        n_rows = sum(r["model"] == model for r in rows)
        assert run.histogram("e2e_all", model).get_total_count() == n_rows
        assert run.histogram("itl", model).get_total_count() == 19 * len(ttfts[model])
    assert run.histogram("backoff").get_total_count() == sum(r["outcome"] != "ok" for r in rows)
    iv = run.intervals("ttft", "a")
    assert len(iv) >= 4 and sum(h.get_total_count() for *_, h in iv) == len(ttfts["a"])
    cols = run.columns(["ttft_us", "model", "tokens_estimated"])
    assert cols["ttft_us"].dtype == np.float64 and np.isnan(cols["ttft_us"]).sum() == 80 - sum(
        map(len, ttfts.values())
    )
    # HdrHistogram_py's own log reader understands the file, tags included
    reader = HistogramLogReader(str(run.hlog_path), metrics.new_histogram())
    total = 0
    while (h := reader.get_next_interval_histogram()) is not None:
        if h.get_tag() == "ttft:a:t":
            total += h.get_total_count()
    assert total == len(ttfts["a"])


def test_out_of_range_values_are_clamped_and_counted(tmp_path):
    rec = metrics.Recorder()
    rec.record(make_row(outcome(-5, metrics.HDR_HIGHEST * 2, 3), 0))
    d = rec.drain(final=True)
    assert d.out_of_range == {
        f"{m}:a:t": 1 for m in ("ttft", "ttft_attempt", "ttfa", "ttfb", "tpot", "e2e", "e2e_all")
    }
    w = RunWriter.create(tmp_path, "x", {})
    w.write_drained(metrics.Drained.from_wire(d.to_wire()))
    w.close()
    assert RunDir(w.path).manifest["out_of_range"]["ttft:a:t"] == 1


def test_interrupted_run_tolerates_torn_tail_but_complete_run_does_not(tmp_path):
    w = RunWriter.create(tmp_path, "x", {})
    w.write_rows([make_row(outcome(1, 2, 3), 0)])
    w.close("interrupted")
    with open(w.path / "requests.jsonl", "a") as f:
        f.write('{"rid": "w0-9", "mod')
    run = RunDir(w.path)
    assert run.interrupted and len(list(run.iter_requests())) == 1 and run.truncated_rows == 1
    manifest = json.loads((w.path / "run.json").read_text())
    manifest["status"] = "complete"
    (w.path / "run.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match=r"requests.jsonl:2: not valid JSON"):
        list(RunDir(w.path).iter_requests())


def test_scores_append_resume_and_repair(tmp_path):
    w = RunWriter.create(tmp_path, "x", {})
    w.close()
    run = RunDir(w.path)
    run.append_scores([{"rid": "a", "scorer": "task", "status": "pass"}])
    with open(run.scores_path, "a") as f:
        f.write('{"rid": "b", "sco')  # crash mid-write
    assert [r["rid"] for r in run.iter_scores()] == ["a"]
    run.append_scores([{"rid": "c", "scorer": "task", "status": "fail"}])
    assert [r["rid"] for r in run.iter_scores()] == ["a", "c"]


def test_bad_run_directories_give_one_line_errors(tmp_path):
    with pytest.raises(UserError, match="run directory not found"):
        RunDir(tmp_path / "nope")
    (tmp_path / "d").mkdir()
    with pytest.raises(UserError, match=r"run.json: missing"):
        RunDir(tmp_path / "d")
    (tmp_path / "d" / "run.json").write_text("{not json")
    with pytest.raises(UserError, match=r"run.json: not valid JSON"):
        RunDir(tmp_path / "d")
    (tmp_path / "d" / "run.json").write_text('{"schema_version": 99}')
    with pytest.raises(UserError, match=r"schema_version: expected 1, got 99"):
        RunDir(tmp_path / "d")
    with pytest.raises(UserError, match="no runs found"):
        find_run("latest", tmp_path / "empty")


def test_run_ids_are_unique(tmp_path):
    a = RunWriter.create(tmp_path, "same name!", {}, run_id="r")
    b = RunWriter.create(tmp_path, "same name!", {}, run_id="r")
    assert a.path != b.path and b.path.name == "r-2"
    assert find_run("latest", tmp_path) in (a.path, b.path)


def test_columns_in_chunks_equal_one_pass(tmp_path):
    w = RunWriter.create(tmp_path, "x", {})
    w.write_rows([make_row(outcome(100 + i, 1000 + i, 3 + i % 2, ok=i % 5 != 0), i) for i in range(50)])
    w.close()
    run = RunDir(w.path)
    small = run.columns(["ttft_us", "model", "completion_tokens"], chunk=7)
    big = run.columns(["ttft_us", "model", "completion_tokens"])
    assert np.array_equal(small["ttft_us"], big["ttft_us"], equal_nan=True)
    assert list(small["model"]) == ["a"] * 50
    assert small["completion_tokens"].tolist() == big["completion_tokens"].tolist()


def test_interval_times_are_relative_to_the_run_start(tmp_path):
    w = RunWriter.create(tmp_path, "x", {})
    t0, base = w.manifest["t0_epoch"], w.manifest["hlog_base_epoch"]
    assert base <= t0 < base + metrics.INTERVAL_S
    clock = FakeClock(t0 + 12.0)  # a request finishing 12 s into the run
    rec = metrics.Recorder(clock=clock)
    rec.record(make_row(outcome(1000, 2000, 3), 0))
    w.write_drained(rec.drain(final=True))
    w.close()
    (start, length, h), *_ = RunDir(w.path).intervals("ttft")
    assert start <= 12.0 < start + length and h.get_total_count() == 1
    assert abs(start - ((t0 + 12.0) // 5 * 5 - t0)) < 1e-3
