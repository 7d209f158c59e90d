"""The shipped scenarios, datasets, schemas and human labels: shape, consistency, determinism."""

from __future__ import annotations

import collections
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"
DATASETS = SCEN / "datasets"
TASKS = ("ts_codegen", "extraction", "classification", "agent")
MIN_ROWS = {"ts_codegen": 50, "extraction": 60, "classification": 50, "agent": 40}
RECORD_KEYS = {"id", "messages", "tools", "tool_choice", "response_format", "max_tokens", "temperature", "gold",
               "gold_tool_calls", "distractors", "labels", "meta"}  # fmt: skip
ROLES = {"system", "user", "assistant", "tool"}


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        row = json.loads(line)
        assert isinstance(row, dict), f"{path.name}:{n} is not an object"
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def data() -> dict[str, list[dict]]:
    return {t: read_jsonl(DATASETS / f"{t}.jsonl") for t in TASKS}


@pytest.fixture(scope="module")
def labels() -> list[dict]:
    return read_jsonl(SCEN / "labels" / "human_labels.jsonl")


def schema_of(row: dict) -> dict:
    rf = row["response_format"]
    assert rf["type"] == "json_schema" and rf["strict"] is True and rf["name"]
    return json.loads((DATASETS / rf["schema"]).resolve().read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------- shape
@pytest.mark.parametrize("task", TASKS)
def test_rows_have_documented_keys_and_unique_ids(data: dict, task: str) -> None:
    rows = data[task]
    assert len(rows) >= MIN_ROWS[task]
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids), "duplicate ids"
    for r in rows:
        assert set(r) <= RECORD_KEYS, f"{r['id']}: unknown keys {set(r) - RECORD_KEYS}"
        assert isinstance(r["id"], str) and re.fullmatch(r"[A-Za-z0-9_.-]+", r["id"])
        assert r["messages"] and all(m["role"] in ROLES for m in r["messages"])
        assert r["messages"][0]["role"] == "system"
        assert any(m["role"] == "user" and m["content"] for m in r["messages"])
        assert r.get("gold") not in (None, "", {}), f"{r['id']}: no gold answer"
        assert r.get("distractors"), f"{r['id']}: no distractors"
        assert r["gold"] not in r["distractors"]
        assert isinstance(r.get("max_tokens", 1), int)


def test_at_least_200_prompts_with_a_long_tail(data: dict) -> None:
    assert sum(len(rows) for rows in data.values()) >= 200
    lengths = sorted(len(json.dumps(r["messages"])) for rows in data.values() for r in rows)
    assert lengths[-1] > 6 * lengths[len(lengths) // 2] and lengths[-1] > 10 * lengths[0], (
        "no long tail of inputs"
    )


def test_schemas_are_valid_and_strict_mode_shaped() -> None:
    files = sorted((SCEN / "schemas").glob("*.json"))
    assert len(files) >= 4

    def check(node: dict, where: str) -> None:
        if node.get("type") == "object" or (isinstance(node.get("type"), list) and "object" in node["type"]):
            assert node.get("additionalProperties") is False, where
            assert set(node.get("required", [])) == set(node["properties"]), where
        for key, sub in node.get("properties", {}).items():
            check(sub, f"{where}.{key}")
        if isinstance(node.get("items"), dict):
            check(node["items"], f"{where}[]")

    for f in files:
        schema = json.loads(f.read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)
        check(schema, f.name)


# ------------------------------------------------------------------------------------------- content
def test_extraction_gold_validates_and_distractors_differ_in_one_or_two_fields(data: dict) -> None:
    kinds = collections.Counter()
    for r in data["extraction"]:
        schema = schema_of(r)
        kinds[r["response_format"]["name"]] += 1
        jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(r["gold"])
        for d in r["distractors"]:
            assert isinstance(d, dict) and set(d) == set(r["gold"]), r["id"]
            changed = [k for k in d if d[k] != r["gold"][k]]
            assert 1 <= len(changed) <= 2, (r["id"], changed)
    assert len(kinds) >= 4 and min(kinds.values()) >= 10


def test_extraction_gold_numbers_are_consistent(data: dict) -> None:
    for r in data["extraction"]:
        g = r["gold"]
        if r["response_format"]["name"] == "invoice":
            assert abs(sum(x["amount"] for x in g["line_items"]) - g["subtotal"]) < 0.005, r["id"]
            assert abs(g["subtotal"] + g["tax"] - g["total"]) < 0.005, r["id"]
            for x in g["line_items"]:
                assert abs(x["quantity"] * x["unit_price"] - x["amount"]) < 0.006, r["id"]
        if r["response_format"]["name"] == "job_post" and g["salary_min"] is not None:
            assert g["salary_min"] <= g["salary_max"], r["id"]


def test_classification_gold_and_distractors_are_labels(data: dict) -> None:
    seen = collections.Counter()
    for r in data["classification"]:
        assert r["gold"] in r["labels"], r["id"]
        assert all(d in r["labels"] and d != r["gold"] for d in r["distractors"]), r["id"]
        seen[r["gold"]] += 1
    assert set(seen) == set(data["classification"][0]["labels"]), "a label never used as gold"


def test_agent_gold_calls_exist_and_satisfy_the_tool_schemas(data: dict) -> None:
    checker = jsonschema.FormatChecker()
    for r in data["agent"]:
        tools = {t["function"]["name"]: t["function"]["parameters"] for t in r["tools"]}
        assert r["gold_tool_calls"] and isinstance(r["gold"], str)
        for call in r["gold_tool_calls"]:
            assert call["name"] in tools, (r["id"], call["name"])
            jsonschema.Draft202012Validator(tools[call["name"]], format_checker=checker).validate(
                call["arguments"]
            )
        for d in r["distractors"]:
            calls = json.loads(d)["tool_calls"]
            assert calls and all(c["name"] in tools for c in calls), r["id"]
            assert calls != r["gold_tool_calls"], r["id"]
        # the transcript is well formed: every tool result answers an earlier call
        call_ids: set[str] = set()
        for m in r["messages"]:
            if m["role"] == "assistant" and m.get("tool_calls"):
                for tc in m["tool_calls"]:
                    assert tc["function"]["name"] in tools
                    json.loads(tc["function"]["arguments"])
                    call_ids.add(tc["id"])
            if m["role"] == "tool":
                assert m["tool_call_id"] in call_ids, r["id"]
                json.loads(m["content"])
        assert r["messages"][-1]["role"] in ("user", "tool"), r["id"]


def test_ts_gold_exports_the_named_function(data: dict) -> None:
    for r in data["ts_codegen"]:
        name = r["meta"]["export"]
        assert re.search(rf"\bexport\s+(?:async\s+)?(?:function|class)\s+{re.escape(name)}\b", r["gold"]), r[
            "id"
        ]
        assert "```" not in r["gold"]
        assert r["meta"]["tests"], r["id"]
        assert all(d != r["gold"] for d in r["distractors"])


# --------------------------------------------------------------------------------------------- labels
def test_human_labels_reference_existing_prompts(data: dict, labels: list[dict]) -> None:
    ids = {f"{t}/{r['id']}" for t, rows in data.items() for r in rows}
    assert len(labels) >= 120
    for lab in labels:
        assert set(lab) == {"task", "prompt_id", "answer", "verdict", "note"}
        assert lab["prompt_id"] in ids and lab["prompt_id"].startswith(lab["task"] + "/")
        assert lab["verdict"] in ("pass", "fail") and lab["note"] and isinstance(lab["answer"], str)
    assert {lab["task"] for lab in labels} == set(TASKS)
    share = sum(lab["verdict"] == "pass" for lab in labels) / len(labels)
    assert 0.5 <= share <= 0.6, share
    pairs = [(lab["prompt_id"], lab["answer"]) for lab in labels]
    assert len(set(pairs)) == len(pairs), "the same answer labelled twice"


# --------------------------------------------------------------------------------------- determinism
def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCEN / "tools" / "make_datasets.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    produced = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.jsonl"))
    assert [str(p) for p in produced] == [
        "datasets/agent.jsonl", "datasets/classification.jsonl", "datasets/extraction.jsonl",
        "datasets/ts_codegen.jsonl", "labels/human_labels.jsonl",
    ]  # fmt: skip
    for rel in produced:
        assert (tmp_path / rel).read_bytes() == (SCEN / rel).read_bytes(), (
            f"{rel} differs: re-run the generator"
        )


# ------------------------------------------------------------------------------------------ scenarios
@pytest.mark.parametrize("name", ["gpt4o-vs-gpt55.yaml", "quick.yaml"])
def test_shipped_scenarios_load(name: str) -> None:
    from profiler.prompts import load_prompts
    from profiler.scenario import load_scenario, validate_file

    path = SCEN / name
    assert validate_file(path) == []
    sc = load_scenario(path)
    assert sc.baseline == "gpt-4o" and {"gpt-4o", "gpt-5.5", "judge"} <= set(sc.models)
    assert sc.judge is not None and sc.judge.model == "judge" and sc.judge.labels is not None
    prompts = load_prompts(sc)
    assert {t: len(p) for t, p in prompts.items()} == {
        t: len(read_jsonl(DATASETS / f"{t}.jsonl")) for t in TASKS
    }
    ex = prompts["extraction"][0]
    assert ex.response_format is not None and ex.response_format.get("type") == "json_schema"


def test_profiles_reproduce_the_field_report() -> None:
    from profiler.scenario import load_scenario

    for name, scale in (("gpt4o-vs-gpt55.yaml", 1.0), ("quick.yaml", 0.1)):
        sc = load_scenario(SCEN / name)
        base, cand = sc.models["gpt-4o"], sc.models["gpt-5.5"]
        b, c = base.simulator, cand.simulator
        assert c.ttft_ms.median > b.ttft_ms.median and c.ttft_ms.p99 >= 2 * b.ttft_ms.p99
        assert c.reasoning_tokens.mean > 0 == b.reasoning_tokens.mean
        assert c.slots < b.slots
        assert 1.1 <= c.verbosity <= 1.25 and b.verbosity == 1.0
        for task in ("ts_codegen", "extraction", "classification", "agent"):
            assert abs(c.accuracy.tasks[task] - b.accuracy.tasks[task]) <= 0.02
        assert cand.price.output_per_1m > base.price.output_per_1m
        assert b.ttft_ms.median == pytest.approx(420 * scale)
        assert sc.client.max_retries == 2
    full, quick = load_scenario(SCEN / "gpt4o-vs-gpt55.yaml"), load_scenario(SCEN / "quick.yaml")
    assert full.load.mode == "closed" and full.load.users == 16
    assert (full.load.duration_s, full.load.warmup_s) == (60, 5)
    assert quick.load.duration_s == 15
    assert quick.prompt_mix.tasks.keys() == full.prompt_mix.tasks.keys()
    for t in full.prompt_mix.tasks:
        assert quick.prompt_mix.tasks[t].dataset == full.prompt_mix.tasks[t].dataset
        assert quick.prompt_mix.tasks[t].scorers == full.prompt_mix.tasks[t].scorers


# -------------------------------------------------------------------------------- scorers agree
def _row_for(answer: str) -> dict:
    """A requests.jsonl-like row: tool calls captured as such, anything else as response text."""
    try:
        obj = json.loads(answer)
    except ValueError:
        obj = None
    if isinstance(obj, dict) and isinstance(obj.get("tool_calls"), list):
        calls = []
        for i, c in enumerate(obj["tool_calls"]):
            fn = c.get("function", c)
            args = fn["arguments"] if isinstance(fn["arguments"], str) else json.dumps(fn["arguments"])
            calls.append({"id": f"call_{i}", "name": fn["name"], "arguments": args})
        return {"response": None, "tool_calls": calls}
    return {"response": answer, "tool_calls": None}


def test_deterministic_scorers_pass_gold_fail_distractors_and_agree_with_humans(labels: list[dict]) -> None:
    from profiler.prompts import load_prompts
    from profiler.quality.engine import task_scorers
    from profiler.scenario import load_scenario

    sc = load_scenario(SCEN / "gpt4o-vs-gpt55.yaml")
    prompts = load_prompts(sc)
    scorers = {
        t: [s for s in ss if s.kind in ("json", "label", "tool_call", "regex")]
        for t, ss in task_scorers(sc).items()
    }
    for task, plist in prompts.items():
        for p in plist:
            if task == "agent":
                gold = json.dumps({"tool_calls": p.gold_tool_calls})
            else:
                gold = p.gold if isinstance(p.gold, str) else json.dumps(p.gold)
            for s in scorers[task]:
                row = _row_for(gold)
                assert s.score(row["response"], p, row).status == "pass", (p.prompt_id, s.kind)
            for d in p.distractors or []:
                text = d if isinstance(d, str) else json.dumps(d)
                for s in scorers[task]:
                    if s.kind == "regex":
                        continue
                    row = _row_for(text)
                    assert s.score(row["response"], p, row).status == "fail", (p.prompt_id, s.kind, text[:80])
    by_id = {p.prompt_id: (t, p) for t, pl in prompts.items() for p in pl}
    checked = 0
    for lab in labels:
        task, p = by_id[lab["prompt_id"]]
        for s in scorers[task]:
            if s.kind == "regex":
                continue
            row = _row_for(lab["answer"])
            assert s.score(row["response"], p, row).status == lab["verdict"], (lab["prompt_id"], lab["note"])
            checked += 1
    assert checked >= 90


# ----------------------------------------------------------------------------- TypeScript (optional)
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tsc") is None or shutil.which("node") is None, reason="needs tsc and node")
def test_ts_gold_compiles_and_passes_distractors_fail() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCEN / "tools" / "check_ts.py")], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
