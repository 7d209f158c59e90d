"""The simulator as an LLM judge: verdict truth from gold answers and human labels, agreement rate."""

from __future__ import annotations

import json
import math

import jsonschema
import openai
import pytest
from test_sim_fixtures import ZERO, records, sim, write_scenario

from profiler.judge_format import RESPONSE_SCHEMA, build_messages, render_prompt
from profiler.sim.server import start_subprocess

REC = records()
RUBRIC = "Pass if the candidate answer is correct."


def candidate(task, rec, good):
    if task == "agent":
        args = dict(rec["gold_tool_calls"][0]["arguments"])
        if not good:
            args["status"] = "closed"
        return json.dumps([{"name": "search_orders", "arguments": json.dumps(args)}])
    if task == "extraction":
        return json.dumps(rec["gold"], indent=2) if good else rec["distractors"][0]
    if task == "labels":
        return rec["gold"] if good else next(x for x in rec["labels"] if x != rec["gold"])
    return rec["gold"] if good else rec["distractors"][0]


def reference(task, rec):
    if task == "agent":
        return json.dumps(rec["gold_tool_calls"])
    return json.dumps(rec["gold"]) if task == "extraction" else rec["gold"]


LABELS = [  # humans overrule the gold comparison on these two
    {"task": "qa", "prompt_id": "qa/qa-0000", "answer": REC["qa"][0]["distractors"][0], "verdict": "pass"},
    {"task": "labels", "prompt_id": "labels/lb-0001", "answer": REC["labels"][1]["gold"], "verdict": "fail"},
]


@pytest.fixture(scope="module")
def sim_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("simjudge")
    models = {"judge": sim(**ZERO, judge_agreement=0.9), "oracle": sim(**ZERO, judge_agreement=1.0)}
    with start_subprocess(write_scenario(tmp, models, labels=LABELS)) as s:
        yield s.url


def grade(client, model, task, rec, answer):
    msgs = build_messages(RUBRIC, render_prompt(rec["messages"]), reference(task, rec), answer)
    rf = {
        "type": "json_schema",
        "json_schema": {"name": "verdict", "schema": RESPONSE_SCHEMA, "strict": True},
    }
    out = client.chat.completions.create(model=model, messages=msgs, response_format=rf, max_tokens=300)
    reply = json.loads(out.choices[0].message.content)
    jsonschema.validate(reply, RESPONSE_SCHEMA)
    return reply


def test_oracle_truth_follows_gold_and_human_labels(sim_url):
    c = openai.OpenAI(base_url=sim_url, api_key="x", max_retries=0)
    for task in REC:
        for rec in REC[task][2:6]:
            assert grade(c, "oracle", task, rec, candidate(task, rec, True))["pass"] is True, task
            assert grade(c, "oracle", task, rec, candidate(task, rec, False))["pass"] is False, task
    assert grade(c, "oracle", "qa", REC["qa"][0], REC["qa"][0]["distractors"][0])["pass"] is True
    assert grade(c, "oracle", "labels", REC["labels"][1], REC["labels"][1]["gold"])["pass"] is False
    verbose = REC["qa"][3]["gold"] + " I hope this helps. Let me know if you would"
    assert grade(c, "oracle", "qa", REC["qa"][3], verbose)["pass"] is True
    prose = "Sure! Here is the answer you asked for:\n\n" + json.dumps(REC["extraction"][3]["gold"])
    assert grade(c, "oracle", "extraction", REC["extraction"][3], prose)["pass"] is False


@pytest.mark.slow
def test_judge_agreement_rate_within_binomial_error(sim_url):
    c = openai.OpenAI(base_url=sim_url, api_key="x", max_retries=0)
    n = agree = 0
    for task in REC:
        for rec in REC[task]:
            for good in (True, False):
                reply = grade(c, "judge", task, rec, candidate(task, rec, good))
                n += 1
                agree += reply["pass"] is good
                assert reply["score"] in ((4, 5) if reply["pass"] else (1, 2))
    assert n == 400
    sigma = math.sqrt(0.9 * 0.1 / n)
    assert abs(agree / n - 0.9) <= 3 * sigma, agree / n
    # deterministic: the same judge request gets the same verdict
    rec = REC["qa"][7]
    assert grade(c, "judge", "qa", rec, rec["gold"]) == grade(c, "judge", "qa", rec, rec["gold"])
