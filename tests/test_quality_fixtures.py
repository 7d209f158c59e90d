"""Helpers for the quality tests: a small scenario (json / label / tool-call tasks, a simulated judge with
human labels) and synthetic run directories written with ``profiler.rundir.RunWriter``."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from profiler.rundir import RunWriter

LABELS = ["billing", "bug", "feature", "account"]
SCHEMA = {
    "type": "object",
    "properties": {
        "customer": {"type": "string"},
        "total": {"type": "number"},
        "currency": {"type": "string"},
    },
    "required": ["customer", "total", "currency"],
}
TOOLS = [
    {"type": "function", "function": {"name": "search_orders", "parameters": {"type": "object",
     "properties": {"customer_id": {"type": "string"}}, "required": ["customer_id"]}}},
    {"type": "function", "function": {"name": "refund", "parameters": {"type": "object",
     "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}}}}},
]  # fmt: skip


def extraction_gold(i: int) -> dict:
    return {"customer": f"Customer {i}", "total": round(10 + i * 1.25, 2), "currency": "EUR"}


def agent_gold(i: int) -> list[dict]:
    return [
        {"name": "search_orders", "arguments": {"customer_id": f"C-{i}"}},
        {"name": "refund", "arguments": {"order_id": f"O-{i}", "amount": i}},
    ]


def write_scenario(
    root: Path,
    *,
    n: int = 20,
    accuracy: dict[str, float] | None = None,
    judge_agreement: float = 0.9,
    min_kappa: float = 0.5,
    n_labels: int = 60,
    extra_task_yaml: str = "",
    judge_scorer: bool = True,
) -> Path:
    """A scenario under ``root`` with tasks extraction (json), classify (label), agent (tool_call)."""
    accuracy = accuracy or {"base": 0.8, "cand": 0.6}
    (root / "datasets").mkdir(parents=True, exist_ok=True)
    (root / "schemas").mkdir(exist_ok=True)
    (root / "labels").mkdir(exist_ok=True)
    (root / "schemas" / "invoice.json").write_text(json.dumps(SCHEMA))
    with open(root / "datasets" / "extraction.jsonl", "w") as f:
        for i in range(n):
            rec = {"id": f"ex-{i:03d}", "gold": extraction_gold(i),
                   "messages": [{"role": "user", "content": f"Extract customer, total, currency from invoice {i}: "
                                 f"Customer {i} owes {10 + i * 1.25:.2f} EUR."}]}  # fmt: skip
            f.write(json.dumps(rec) + "\n")
    with open(root / "datasets" / "classify.jsonl", "w") as f:
        for i in range(n):
            rec = {"id": f"cl-{i:03d}", "gold": LABELS[i % 4], "labels": LABELS,
                   "messages": [{"role": "user", "content": f"Classify ticket {i} into one of {LABELS}."}]}  # fmt: skip
            f.write(json.dumps(rec) + "\n")
    with open(root / "datasets" / "agent.jsonl", "w") as f:
        for i in range(n):
            rec = {"id": f"ag-{i:03d}", "tools": TOOLS, "gold_tool_calls": agent_gold(i),
                   "messages": [{"role": "user", "content": f"Refund the last order of customer C-{i}."}]}  # fmt: skip
            f.write(json.dumps(rec) + "\n")
    # human labels: gold answers (pass) and wrong ones (fail), half and half
    rng = random.Random(5)
    with open(root / "labels" / "human.jsonl", "w") as f:
        for k in range(n_labels):
            task = ("extraction", "classify")[k % 2]
            i = (k // 2) % n
            good = (k // 4) % 2 == 0 if k % 4 < 2 else rng.random() < 0.5
            if task == "extraction":
                g = extraction_gold(i)
                ans = dict(g) if good else {**g, "total": g["total"] + 1}
                answer = json.dumps(ans)
                pid = f"extraction/ex-{i:03d}"
            else:
                answer = LABELS[i % 4] if good else LABELS[(i + 1) % 4]
                pid = f"classify/cl-{i:03d}"
            f.write(json.dumps({"task": task, "prompt_id": pid, "answer": answer,
                                "verdict": "pass" if good else "fail", "note": ""}) + "\n")  # fmt: skip
    judge_line = "        - {type: judge, required: false}\n" if judge_scorer else ""
    fast = "ttft_ms: {median: 3, p99: 6}, itl_ms: {mean: 0.2, jitter: 0.1}"
    models = "".join(
        f"  {key}:\n    simulator: {{{fast}, accuracy: {{default: {acc}}}, wrong_mix: {{wrong: 0.5, malformed: 0.3, prose: 0.2}}}}\n"
        f"    price: {{input_per_1m: 1.0, output_per_1m: 4.0}}\n"
        for key, acc in accuracy.items()
    )
    text = f"""name: qtest
seed: 7
baseline: {next(iter(accuracy))}
models:
{models}  judge:
    simulator: {{{fast}, judge_agreement: {judge_agreement}}}
    price: {{input_per_1m: 0.5, output_per_1m: 2.0}}
load: {{mode: closed, users: 2, duration_s: 5, warmup_s: 0}}
prompt_mix:
  order: sequential
  tasks:
    extraction:
      dataset: datasets/extraction.jsonl
      response_format: {{type: json_object}}
      judge: true
      scorers:
        - {{type: json, schema: schemas/invoice.json, fields: {{total: {{match: numeric, tolerance: 0.01}}, customer: {{match: normalized}}}}}}
{judge_line}    classify:
      dataset: datasets/classify.jsonl
      judge: true
      scorers:
        - {{type: label}}
    agent:
      dataset: datasets/agent.jsonl
      judge: false
      scorers:
        - {{type: tool_call, order: strict}}
{extra_task_yaml}judge:
  model: judge
  labels: labels/human.jsonl
  min_kappa: {min_kappa}
  concurrency: 4
"""
    path = root / "scenario.yaml"
    path.write_text(text)
    return path


def request_row(rid: str, model: str, task: str, prompt_id: str, *, response: Any = None,
                tool_calls: Any = None, outcome: str = "ok", phase: str = "measure", seq: int = 0) -> dict:  # fmt: skip
    return {
        "rid": rid, "model": model, "task": task, "prompt_id": prompt_id, "seq": seq, "phase": phase,
        "t_intended": 1764350000.0 + seq, "outcome": outcome, "http_status": 200 if outcome == "ok" else 0,
        "error": None if outcome == "ok" else outcome, "attempts": 1, "retries": 0,
        "prompt_tokens": 20, "completion_tokens": 10, "reasoning_tokens": 0, "cached_tokens": 0,
        "tokens_estimated": False, "cost_usd": 0.0001, "finish_reason": "stop" if outcome == "ok" else None,
        "response": response if outcome == "ok" else None, "reasoning": None,
        "tool_calls": tool_calls if outcome == "ok" else None, "worker": 0,
    }  # fmt: skip


def write_run(run_dir: Path, scenario: Path, rows: list[dict], *, capture: str = "full",
              models: list[str] | None = None) -> Path:  # fmt: skip
    manifest = {
        "scenario_path": str(scenario), "scenario": {}, "baseline": (models or ["base"])[0],
        "models": models or ["base", "cand"], "tasks": ["extraction", "classify", "agent"],
        "capture": capture, "load": {"mode": "closed"},
    }  # fmt: skip
    w = RunWriter(run_dir, manifest)
    w.write_rows(rows)
    w.close("complete")
    return run_dir


def answer_for(kind: str, task: str, i: int) -> tuple[str | None, list | None]:
    """A right / wrong / malformed answer for prompt i of a task: (response, tool_calls)."""
    if task == "extraction":
        g = extraction_gold(i)
        if kind == "right":
            return json.dumps(g), None
        if kind == "wrong":
            return json.dumps({**g, "total": g["total"] + 5}), None
        return json.dumps(g)[:-7], None
    if task == "classify":
        return {
            "right": LABELS[i % 4],
            "wrong": LABELS[(i + 1) % 4],
            "malformed": "I think it is a billing-ish bug",
        }[kind], None
    calls = [
        {"id": f"call_{j}", "name": c["name"], "arguments": json.dumps(c["arguments"])}
        for j, c in enumerate(agent_gold(i))
    ]
    if kind == "wrong":
        calls[0]["arguments"] = json.dumps({"customer_id": "C-999"})
    elif kind == "malformed":
        calls[1]["arguments"] = calls[1]["arguments"][:-3]
    return None, calls


def synthetic_rows(n_per: int = 6, models: tuple[str, ...] = ("base", "cand")) -> list[dict]:
    """Deterministic mix: per model and task, prompts 0..n_per-1 with kinds cycling right/right/wrong/malformed,
    plus one failed request (read_timeout) and one warm-up row per model."""
    rows = []
    kinds = ["right", "right", "wrong", "malformed"]
    seq = 0
    for m in models:
        for task, prefix in (("extraction", "ex"), ("classify", "cl"), ("agent", "ag")):
            for i in range(n_per):
                resp, calls = answer_for(kinds[i % 4], task, i)
                rows.append(request_row(f"w0-{seq}", m, task, f"{task}/{prefix}-{i:03d}", response=resp,
                                        tool_calls=calls, seq=seq))  # fmt: skip
                seq += 1
        rows.append(
            request_row(f"w0-{seq}", m, "classify", "classify/cl-000", outcome="read_timeout", seq=seq)
        )
        seq += 1
        rows.append(
            request_row(
                f"w0-{seq}", m, "classify", "classify/cl-001", response="bug", phase="warmup", seq=seq
            )
        )
        seq += 1
    return rows
