"""Same seed and same requests -> same answers, token counts and injected faults; another seed differs."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest
from test_sim_fixtures import records, sim, write_scenario

from profiler.sim.server import start_subprocess

REC = records()
CASES = [(task, rec) for task in REC for rec in REC[task][:12]]


def one(client, task, rec, stream):
    kw = {k: rec[k] for k in ("tools", "tool_choice") if k in rec}
    if task == "extraction":
        kw["response_format"] = {"type": "json_object"}
    if not stream:
        out = client.chat.completions.create(model="mixed", messages=rec["messages"], **kw)
        m = out.choices[0].message
        calls = [(c.function.name, c.function.arguments) for c in m.tool_calls or []]
        return (
            m.content,
            calls,
            out.usage.completion_tokens,
            out.usage.completion_tokens_details.reasoning_tokens,
        )
    text, args, usage = [], {}, None
    for ch in client.chat.completions.create(
        model="mixed", messages=rec["messages"], stream=True, stream_options={"include_usage": True}, **kw
    ):
        usage = ch.usage or usage
        for c in ch.choices:
            text.append(c.delta.content or "")
            for tc in c.delta.tool_calls or []:
                a = args.setdefault(tc.index, ["", ""])
                a[0] += (tc.function.name or "") if tc.function else ""
                a[1] += (tc.function.arguments or "") if tc.function else ""
    calls = [tuple(v) for _, v in sorted(args.items())]
    return (
        ("".join(text) or None),
        calls,
        usage.completion_tokens,
        usage.completion_tokens_details.reasoning_tokens,
    )


def run(tmp, seed, concurrent=False):
    scenario = write_scenario(
        tmp,
        {
            "mixed": sim(
                accuracy={"default": 0.5},
                reasoning_tokens={"mean": 20, "cv": 0.5},
                faults={"stall": 0.2, "stall_ms": 1},
            )
        },
    )
    truth = tmp / f"truth-{seed}-{concurrent}.jsonl"
    with start_subprocess(scenario, seed=seed, truth_path=truth) as s:
        c = openai.OpenAI(base_url=s.url, api_key="x", max_retries=0)
        jobs = [(task, rec, i % 2 == 0) for i, (task, rec) in enumerate(CASES)]
        if concurrent:
            with ThreadPoolExecutor(8) as ex:
                results = list(ex.map(lambda j: one(c, *j), reversed(jobs)))[::-1]
        else:
            results = [one(c, *j) for j in jobs]
    rows = [json.loads(line) for line in truth.read_text().splitlines()]
    kinds = {(r["prompt_id"], r["answer_kind"], r["fault"], r["completion_tokens"]) for r in rows}
    return results, kinds


@pytest.mark.slow
def test_same_seed_replays_identically_even_concurrently(tmp_path):
    a, kinds_a = run(tmp_path, 11)
    b, kinds_b = run(tmp_path, 11, concurrent=True)
    assert a == b
    assert kinds_a == kinds_b
    assert {k[1] for k in kinds_a} >= {"gold", "wrong"}  # accuracy 0.5 really mixes kinds
    assert any(k[2] == "stall" for k in kinds_a)
    c, _ = run(tmp_path, 12)
    assert c != a
