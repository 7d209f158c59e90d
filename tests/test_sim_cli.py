"""`swapbench sim` as a real subprocess: ready line, /health, a request, clean SIGTERM, ground truth."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import httpx
from test_sim_fixtures import records, sim, write_scenario

from profiler.sim.server import start_subprocess


def test_swapbench_sim_serves_and_stops_cleanly(tmp_path):
    scenario = write_scenario(tmp_path, {"m": sim()})
    truth = tmp_path / "truth.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "profiler.cli",
        "sim",
        "--scenario",
        str(scenario),
        "--port",
        "0",
        "--truth",
        str(truth),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"(http://\S+/v1)", line).group(1)
        assert httpx.get(url.removesuffix("/v1") + "/health").json()["status"] == "ok"
        rec = records()["qa"][0]
        r = httpx.post(
            f"{url}/chat/completions",
            json={"model": "m", "messages": rec["messages"]},
            headers={"x-swapbench-rid": "w0-1", "x-swapbench-prompt-id": "qa/qa-0000"},
        )
        assert r.json()["choices"][0]["message"]["content"] == rec["gold"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    rows = [json.loads(x) for x in truth.read_text().splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert (row["rid"], row["model"], row["prompt_id"], row["status"], row["answer_kind"], row["attempts_seen"]) == (
        "w0-1", "m", "qa/qa-0000", 200, "gold", 1,
    )  # fmt: skip
    assert row["t_received"] <= row["t_first_token"] <= row["t_done"]
    assert row["injected_ttft_us"] >= 0 and row["completion_tokens"] > 0


def test_bad_scenario_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "profiler.cli", "sim", "--scenario", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert r.stderr.startswith("swapbench sim: error:") and len(r.stderr.strip().splitlines()) == 1


def test_start_subprocess_handshake_and_stop(tmp_path):
    s = start_subprocess(write_scenario(tmp_path, {"m": sim()}))
    assert s.url == f"http://127.0.0.1:{s.port}/v1"
    assert httpx.get(f"{s.base}/health").status_code == 200
    assert s.stall(200, model="m") == {"stalled_ms": 200, "model": "m"}
    t0 = time.perf_counter()
    httpx.post(
        f"{s.url}/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    )
    assert time.perf_counter() - t0 >= 0.19
    assert s.stats()["models"]["m"]["requests"] == 1
    assert s.stop() == 0


def test_child_simulator_exits_when_its_parent_dies(tmp_path):
    """A crashed load run (SIGKILL, no cleanup) must not leave its simulator running."""
    path = write_scenario(tmp_path, {"m": sim()})
    code = (
        "import os, sys\n"
        "from profiler.sim.server import start_subprocess\n"
        f"p = start_subprocess({str(path)!r})\n"
        "print(p.pid, flush=True)\n"
        "os._exit(0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    pid = int(out.stdout.split()[-1])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    raise AssertionError("the simulator outlived its parent by more than 10 s")
