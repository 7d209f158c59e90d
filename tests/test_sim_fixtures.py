"""Shared helpers for the simulator tests: a small scenario with one dataset per answer class."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_orders",
            "description": "Find orders of a customer",
            "parameters": {
                "type": "object",
                "properties": {"customer_id": {"type": "string"}, "status": {"type": "string"}},
                "required": ["customer_id"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "refund_order",
            "description": "Refund an order",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}},
        },
    },
]

CODE = """function sumPositive(xs: number[]): number {
  let total = 0;
  for (const x of xs) {
    if (x > 0) total += x;
  }
  return total;
}"""


def records() -> dict[str, list[dict]]:
    ex, lab, code, agent, qa = [], [], [], [], []
    for i in range(40):
        ex.append({
            "id": f"ex-{i:04d}",
            "messages": [{"role": "system", "content": "Extract the fields as JSON."},
                         {"role": "user", "content": f"Invoice {i} from ACME Corp, total {100 + i}.50 EUR, due 2026-12-{1 + i % 28:02d}."}],
            "gold": {"vendor": "ACME Corp", "invoice": str(i), "total": 100 + i + 0.5, "currency": "EUR",
                     "due": f"2026-12-{1 + i % 28:02d}", "lines": [{"sku": f"A-{i}", "qty": i % 5 + 1}]},
            "distractors": [json.dumps({"vendor": "ACME", "invoice": str(i), "total": 0})],
        })  # fmt: skip
        lab.append(
            {
                "id": f"lb-{i:04d}",
                "messages": [
                    {"role": "user", "content": f"Classify ticket {i}: my card was charged twice this month."}
                ],
                "gold": ["billing", "bug", "feature"][i % 3],
                "labels": ["billing", "bug", "feature"],
            }
        )
        code.append(
            {
                "id": f"ts-{i:04d}",
                "messages": [{"role": "user", "content": f"Write sumPositive in TypeScript (variant {i})."}],
                "gold": CODE.replace("total", f"total{i}"),
                "distractors": ["function sumPositive(xs: number[]): number { return xs.length; }"],
            }
        )
        agent.append(
            {
                "id": f"ag-{i:04d}",
                "messages": [{"role": "user", "content": f"Show the open orders of customer C-{i}."}],
                "tools": TOOLS,
                "tool_choice": "auto",
                "gold_tool_calls": [
                    {"name": "search_orders", "arguments": {"customer_id": f"C-{i}", "status": "open"}}
                ],
            }
        )
        qa.append(
            {
                "id": f"qa-{i:04d}",
                "messages": [
                    {
                        "role": "user",
                        "content": f"Explain in two sentences why the sky looks blue (take {i}).",
                    }
                ],
                "gold": "Sunlight is scattered by the molecules in the air, and short blue wavelengths scatter much "
                "more than red ones. So blue light reaches our eyes from every direction of the sky.",
                "distractors": ["Because the sky reflects the colour of the oceans."],
            }
        )
    return {"extraction": ex, "labels": lab, "ts_codegen": code, "agent": agent, "qa": qa}


def sim(**over) -> dict:
    """A fast simulator profile (a few ms per request) with overrides."""
    base = {
        "ttft_ms": {"median": 5, "p99": 10},
        "prefill_ms_per_1k_tokens": 0,
        "itl_ms": {"mean": 0.2, "jitter": 0.1},
        "accuracy": {"default": 1.0},
    }
    base.update(over)
    return base


def write_scenario(
    tmp: Path, models: dict[str, dict], *, seed: int = 7, labels: list[dict] | None = None
) -> Path:
    """Write a scenario (datasets, optional judge labels) under ``tmp``; ``models`` maps key -> simulator."""
    (tmp / "datasets").mkdir(parents=True, exist_ok=True)
    tasks = {}
    for task, rows in records().items():
        path = tmp / "datasets" / f"{task}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        tasks[task] = {"weight": 1, "dataset": f"datasets/{task}.jsonl", "max_tokens": 400}
    tasks["extraction"]["response_format"] = {"type": "json_object"}
    doc: dict = {
        "name": "simtest",
        "seed": seed,
        "baseline": next(iter(models)),
        "models": {
            k: {"simulator": v, "price": {"input_per_1m": 1.0, "output_per_1m": 2.0}}
            for k, v in models.items()
        },
        "prompt_mix": {"tasks": tasks},
    }
    if labels is not None:
        (tmp / "labels").mkdir(exist_ok=True)
        (tmp / "labels" / "human.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in labels), encoding="utf-8"
        )
        doc["judge"] = {"model": next(iter(models)), "labels": "labels/human.jsonl"}
    path = tmp / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


ZERO = {"ttft_ms": {"median": 0.001, "p99": 0.001}, "itl_ms": {"mean": 0, "jitter": 0}}


def all_models() -> dict[str, dict]:
    """The model zoo most simulator tests share (one simulator process per test module)."""
    return {
        "base": sim(),
        "verbose": sim(verbosity=1.2),
        "reason": sim(reasoning_tokens={"mean": 40, "cv": 0.3}, cache_hit_rate=0.5),
        "mixed": sim(accuracy={"default": 0.5}, reasoning_tokens={"mean": 10, "cv": 0.5}),
        "judge": sim(**ZERO, judge_agreement=0.9),
        "oracle": sim(**ZERO, judge_agreement=1.0),
        "limited": sim(**ZERO, rate_limit={"rpm": 30, "tpm": 0}),
        "broken": sim(faults={"http_5xx": 1.0}),
        "dropper": sim(faults={"disconnect": 1.0}),
        "erroring": sim(faults={"error_event": 1.0}),
        "staller": sim(faults={"stall": 1.0, "stall_ms": 300}),
        "tiny": sim(ttft_ms={"median": 800, "p99": 800}, slots=1, queue=0),
    }
