"""The "Model comparison" tab: live per-model rows in Locust's /stats/requests, from a real locust process."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_locust_support import env, locust_cmd, run_dir, write_scenario

from profiler import metrics
from profiler.locust_webui import COLUMNS, LiveStats
from profiler.rundir import RunDir

CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read()


@pytest.mark.slow
def test_web_ui_tab_shows_live_model_rows(tmp_path: Path) -> None:
    sc = write_scenario(tmp_path)
    port = _free_port()
    cmd = locust_cmd(sc, "--autostart", "-u", "4", "-t", "40s", "--web-host", "127.0.0.1",
                     "--web-port", str(port), "--no-report")  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        rows: list[dict] = []
        deadline = time.time() + 40
        while time.time() < deadline:
            time.sleep(0.5)
            try:
                data = json.loads(_get(f"{base}/stats/requests"))
            except OSError:
                continue
            ext = {e["key"]: e["data"] for e in data.get("extended_stats") or []}
            rows = ext.get("swapbench") or []
            if rows and all(r["ttftn"] > 0 for r in rows):
                break
        assert [r["model"] for r in rows] == ["base", "cand"], rows
        for r in rows:
            assert set(r) == {k for k, _ in COLUMNS}
            assert r["requests"] > 0 and r["ok"] == r["requests"] and r["failures"] == "0"
            assert float(r["ttftp50"]) > 0 and float(r["ttftp99"]) >= float(r["ttftp50"])
            assert r["ttftn"] <= r["requests"]
        # Locust's own per-model rows: request_type = model key, name = task
        data = json.loads(_get(f"{base}/stats/requests"))
        assert {(s["method"], s["name"]) for s in data["stats"]} >= {("base", "qa"), ("cand", "qa")}
        page = _get(f"{base}/").decode()
        assert "Model comparison" in page
        live = json.loads(_get(f"{base}/swapbench/live.json"))
        assert [m["model"] for m in live["models"]] == ["base", "cand"]
        if Path(CHROMIUM).exists():
            shot = tmp_path / "tab.png"
            subprocess.run(
                [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1400,600",
                 "--virtual-time-budget=4000", f"--screenshot={shot}", f"{base}/?tab=swapbench"],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
            assert shot.is_file() and shot.stat().st_size > 10_000
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    # stopped mid-test from outside: the run directory says so
    assert RunDir(run_dir(tmp_path)).status == "interrupted"


def _row(model: str, outcome: str, ttft: int, phase: str = "measure") -> dict:
    return metrics.build_row(
        {"outcome": outcome, "ttft_us": ttft, "e2e_us": ttft + 1000, "completion_tokens": 10, "attempts": 2},
        rid="w0-1", model=model, task="qa", prompt_id="qa/q1", seq=0, phase=phase,
        t_intended=time.time(), worker=0, price={"input_per_1m": 0, "output_per_1m": 1_000_000},
    )  # fmt: skip


def test_live_stats_fold_rows_and_intervals() -> None:
    """Counters from rows, HDR percentiles (with counts) from the drained deltas of two 'workers'."""
    clock = [1000.0]
    live = LiveStats(["a", "b"])
    live.reset(SimpleNamespace(warmup_end_epoch=990.0, mode="open", rate_per_s=5.0))
    for worker_values in ([10_000, 20_000, 30_000], [40_000, 50_000]):
        rec = metrics.Recorder(clock=lambda: clock[0])
        for v in worker_values:
            rec.record(_row("a", "ok", v))
        rec.record(_row("a", "http_429", 5_000))
        rec.record(_row("b", "ok", 7_000, phase="warmup"))
        live.update(rec.drain(final=True))
    t = {r["model"]: r for r in live.table(now=1000.0)}
    assert t["a"]["requests"] == 7 and t["a"]["ok"] == 5 and t["a"]["failures"] == "http_429 2"
    assert t["a"]["ttftn"] == 5 and abs(float(t["a"]["ttftp50"]) - 30.0) < 0.1
    assert abs(float(t["a"]["ttftp99"]) - 50.0) < 0.1
    assert t["a"]["retries"] == 7 and t["a"]["cost"] == "70.0000"  # 7 x 10 tokens at $1 each
    assert t["b"]["requests"] == 0 and t["b"]["warmup"] == 2 and t["b"]["ttftn"] == 0
    assert t["b"]["ttftp50"] == "-"
    a = live.achieved(now=1000.0)["a"]
    assert a["target_rps"] == 5.0 and a["rps"] == 0.7 and a["requests"] == 7


def _post(url: str, form: dict[str, str] | None = None) -> dict:
    data = urllib.parse.urlencode(form or {}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST"), timeout=10) as resp:
        return json.loads(resp.read())


@pytest.mark.slow
def test_each_web_ui_start_is_its_own_run(tmp_path: Path) -> None:
    """Start, stop, start again with other options from the form: two complete run directories."""
    sc = write_scenario(tmp_path)
    port = _free_port()
    cmd = locust_cmd(sc, "--web-host", "127.0.0.1", "--web-port", str(port), "--no-report")
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                _get(f"{base}/")
                break
            except OSError:
                time.sleep(0.2)
        assert _post(f"{base}/swarm", {"user_count": "4", "spawn_rate": "4", "host": ""})["success"]
        time.sleep(3)
        _post(f"{base}/stop")
        time.sleep(1.5)
        form = {
            "user_count": "2",
            "spawn_rate": "2",
            "host": "",
            "mode": "open",
            "rate": "10",
            "run_id": "second",
        }
        assert _post(f"{base}/swarm", form)["success"]
        time.sleep(3)
        _post(f"{base}/stop")
        time.sleep(1.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, err = proc.communicate()
    assert "Traceback" not in err, err[-3000:]
    runs = sorted((d for d in (tmp_path / "reports").iterdir()), key=lambda d: RunDir(d).manifest["t0_epoch"])
    assert len(runs) == 2 and runs[1].name == "second"
    first, second = (RunDir(d) for d in runs)
    assert first.status == second.status == "complete"
    assert first.manifest["load"]["mode"] == "closed" and first.manifest["load"]["users"] == 4
    assert second.manifest["load"]["mode"] == "open" and second.manifest["load"]["rate_per_s"] == 10.0
    assert first.manifest["simulator"]["pid"] != second.manifest["simulator"]["pid"]  # one simulator per run
    for run in (first, second):
        n = sum(1 for _ in run.iter_requests(None))
        assert n > 10 and (run.path / "sim_truth.jsonl").read_text().count("\n") >= n
