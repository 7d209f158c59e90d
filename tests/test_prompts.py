"""Datasets, the weighted replay sequence and the request body."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from profiler.errors import UserError
from profiler.prompts import PromptMix, load_prompts, message_key, request_body
from profiler.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
SCHEMA = {"type": "object", "properties": {"total": {"type": "number"}}, "required": ["total"]}


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def rows(prefix: str, n: int, **extra: object) -> list[dict]:
    return [
        {"id": f"{prefix}-{i}", "messages": [{"role": "user", "content": f"{prefix} {i}"}], **extra}
        for i in range(n)
    ]


def make(tmp_path: Path, tasks: dict[str, tuple[float, int]], *, seed: int = 42, order: str = "shuffled",
         params: dict | None = None) -> str:  # fmt: skip
    """A scenario with one task per entry: name -> (weight, number of prompts)."""
    spec = {}
    for name, (weight, n) in tasks.items():
        write_jsonl(tmp_path / "datasets" / f"{name}.jsonl", rows(name, n))
        spec[name] = {"weight": weight, "dataset": f"datasets/{name}.jsonl"}
    data = {
        "name": "mix",
        "seed": seed,
        "baseline": "a",
        "models": {
            "a": {"price": {"input_per_1m": 1, "output_per_1m": 2}, "params": params or {}},
            "b": {"model": "model-b", "price": {"input_per_1m": 1, "output_per_1m": 2}},
        },
        "prompt_mix": {"order": order, "tasks": spec},
    }
    path = tmp_path / f"mix-{seed}-{order}.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


# ------------------------------------------------------------------------------------------ datasets


def test_load_prompts_applies_task_defaults_and_record_overrides(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "invoice.json").write_text(json.dumps(SCHEMA))
    tool = {"type": "function", "function": {"name": "search_orders", "parameters": {"type": "object"}}}
    write_jsonl(
        tmp_path / "datasets" / "ex.jsonl",
        [
            {"id": "ex-1", "messages": [{"role": "user", "content": "a"}], "gold": {"total": 3}},
            {"id": "ex-2", "messages": [{"role": "user", "content": "b"}], "max_tokens": 50, "temperature": 0.7,
             "response_format": {"type": "json_object"}, "labels": ["billing"], "meta": {"src": "prod"}},
            {"id": "ex-3", "messages": [{"role": "user", "content": "c"}], "tools": [tool], "tool_choice": "auto",
             "gold_tool_calls": [{"name": "search_orders", "arguments": {"customer_id": "C-17"}}],
             "distractors": ["nope"], "response_format": {"type": "json_schema", "json_schema": {
                 "name": "inline", "schema": SCHEMA, "strict": False}}},
        ],
    )  # fmt: skip
    data = {
        "name": "p",
        "baseline": "m",
        "models": {"m": {"price": {"input_per_1m": 1, "output_per_1m": 1}}},
        "prompt_mix": {
            "tasks": {
                "extraction": {
                    "dataset": "datasets/ex.jsonl",
                    "max_tokens": 300,
                    "temperature": 0.2,
                    "response_format": {
                        "type": "json_schema",
                        "schema": "schemas/invoice.json",
                        "name": "inv",
                    },
                }
            }
        },
    }
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    prompts = load_prompts(load_scenario(tmp_path / "s.yaml"))["extraction"]
    p1, p2, p3 = prompts
    assert (p1.task, p1.id, p1.prompt_id) == ("extraction", "ex-1", "extraction/ex-1")
    assert (p1.max_tokens, p1.temperature, p1.gold) == (300, 0.2, {"total": 3})
    assert p1.response_format == {
        "type": "json_schema",
        "json_schema": {"name": "inv", "schema": SCHEMA, "strict": True},
    }
    assert (p2.max_tokens, p2.temperature, p2.response_format) == (50, 0.7, {"type": "json_object"})
    assert p2.labels == ["billing"] and p2.meta == {"src": "prod"} and p2.tools is None
    assert p3.tools == [tool] and p3.tool_choice == "auto" and p3.distractors == ["nope"]
    assert p3.gold_tool_calls == [{"name": "search_orders", "arguments": {"customer_id": "C-17"}}]
    assert p3.response_format == {
        "type": "json_schema",
        "json_schema": {"name": "inline", "schema": SCHEMA, "strict": False},
    }


def test_load_prompts_raises_the_first_dataset_problem(tmp_path: Path) -> None:
    path = make(tmp_path, {"t": (1, 3)})
    ds = tmp_path / "datasets" / "t.jsonl"
    ds.write_text(ds.read_text() + '{"id": "t-9", "messages": "hello"}\n')
    sc = load_scenario(path)
    with pytest.raises(UserError) as err:
        load_prompts(sc)
    assert str(err.value) == (
        f'{ds}:4: messages: expected a non-empty list of {{role, content}} mappings, got "hello"'
    )
    with pytest.raises(UserError):
        PromptMix(sc)


def test_empty_dataset_is_an_error(tmp_path: Path) -> None:
    path = make(tmp_path, {"t": (1, 3)})
    (tmp_path / "datasets" / "t.jsonl").write_text("\n")
    with pytest.raises(UserError) as err:
        load_prompts(load_scenario(path))
    assert str(err.value) == (
        f"{tmp_path / 'datasets' / 't.jsonl'}: expected at least one prompt (one JSON object per line), got an "
        "empty file"
    )


# ----------------------------------------------------------------------------------------- the mix


def test_mix_is_deterministic_and_seed_dependent(tmp_path: Path) -> None:
    sc = load_scenario(make(tmp_path, {"a": (0.5, 40), "b": (0.3, 25), "c": (0.2, 9)}))
    one, two = PromptMix(sc), PromptMix(sc)
    seq = [one.at(i).prompt_id for i in range(3000)]
    assert seq == [two.at(i).prompt_id for i in range(3000)]
    other = load_scenario(make(tmp_path, {"a": (0.5, 40), "b": (0.3, 25), "c": (0.2, 9)}, seed=43))
    other_mix = PromptMix(other)
    assert seq != [other_mix.at(i).prompt_id for i in range(3000)]


def test_at_is_a_pure_function_of_i(tmp_path: Path) -> None:
    sc = load_scenario(make(tmp_path, {"a": (0.5, 40), "b": (0.3, 25), "c": (0.2, 9)}))
    mix = PromptMix(sc)
    indices = list(range(0, 25_000, 37))
    expected = {i: mix.at(i).prompt_id for i in indices}
    fresh = PromptMix(sc)
    shuffled = sorted(indices, key=lambda i: hashlib.sha256(str(i).encode()).digest())  # any order
    assert {i: fresh.at(i).prompt_id for i in shuffled} == expected
    with pytest.raises(ValueError):
        mix.at(-1)


def test_mix_is_identical_across_processes(tmp_path: Path) -> None:
    path = make(tmp_path, {"a": (0.5, 40), "b": (0.3, 25), "c": (0.2, 9)})
    code = (
        "import json, sys\n"
        "from profiler.scenario import load_scenario\nfrom profiler.prompts import PromptMix\n"
        "m = PromptMix(load_scenario(sys.argv[1]))\n"
        "print(json.dumps([m.at(i).prompt_id for i in range(2500)]))\n"
    )
    outputs = []
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        out = subprocess.run([sys.executable, "-c", code, path], cwd=REPO, env=env, capture_output=True,
                             text=True, timeout=60, check=True)  # fmt: skip
        outputs.append(json.loads(out.stdout))
    mix = PromptMix(load_scenario(path))
    assert outputs[0] == outputs[1] == [mix.at(i).prompt_id for i in range(2500)]


def test_realised_mix_follows_the_weights(tmp_path: Path) -> None:
    weights = {"a": 0.5, "b": 0.3, "c": 0.15, "d": 0.05}
    sc = load_scenario(make(tmp_path, {k: (w, 11) for k, w in weights.items()}))
    mix = PromptMix(sc)
    assert mix.weights == pytest.approx(weights)
    for start, n in ((0, 10_000), (12_345, 5_000), (777, 333)):
        counts = Counter(mix.at(i).task for i in range(start, start + n))
        chi2 = sum((counts[k] - n * w) ** 2 / (n * w) for k, w in weights.items())
        assert chi2 < 16.3, (start, n, counts)  # 99.9th percentile of chi-square with 3 dof
    # over whole blocks the mix is exact, not just statistically close
    counts = Counter(mix.at(i).task for i in range(5 * mix.block_size))
    assert counts == {k: round(5 * mix.block_size * w) for k, w in weights.items()}


def test_every_prompt_is_used_before_any_repeats(tmp_path: Path) -> None:
    sc = load_scenario(make(tmp_path, {"a": (0.7, 13), "b": (0.3, 7)}))
    mix = PromptMix(sc)
    by_task: dict[str, list[str]] = {"a": [], "b": []}
    for i in range(4000):
        p = mix.at(i)
        by_task[p.task].append(p.id)
    for task, ids in by_task.items():
        n = 13 if task == "a" else 7
        cycles = [ids[c : c + n] for c in range(0, len(ids) - n + 1, n)]
        assert len(cycles) > 20
        for cycle in cycles:
            assert sorted(cycle) == sorted(f"{task}-{j}" for j in range(n))  # a permutation each time
        assert len({tuple(c) for c in cycles}) > 1  # and reshuffled between cycles


def test_sequential_order_keeps_file_order(tmp_path: Path) -> None:
    sc = load_scenario(make(tmp_path, {"a": (0.5, 4), "b": (0.5, 3)}, order="sequential"))
    mix = PromptMix(sc)
    seq = [mix.at(i).prompt_id for i in range(10)]
    assert seq == ["a/a-0", "b/b-0", "a/a-1", "b/b-1", "a/a-2", "b/b-2", "a/a-3", "b/b-0", "a/a-0", "b/b-1"]


def test_caches_stay_small(tmp_path: Path) -> None:
    sc = load_scenario(make(tmp_path, {"a": (0.5, 5), "b": (0.5, 3)}))
    mix = PromptMix(sc)
    for i in range(0, 200_000, 97):
        mix.at(i)
    assert len(mix._blocks) <= 32 and len(mix._perms) <= 4 * 2 + 8


def test_by_id(tmp_path: Path) -> None:
    mix = PromptMix(load_scenario(make(tmp_path, {"a": (1, 4)})))
    assert mix.by_id("a/a-2").messages == [{"role": "user", "content": "a 2"}]
    assert len(mix) == 4
    with pytest.raises(KeyError):
        mix.by_id("a/a-9")


# ------------------------------------------------------------------------------------- request body


def test_request_body(tmp_path: Path) -> None:
    sc = load_scenario(make(tmp_path, {"a": (1, 2)}, params={"reasoning_effort": "low", "temperature": None}))
    prompt = PromptMix(sc).by_id("a/a-1")
    body = request_body(prompt, sc.models["b"])
    assert body == {
        "model": "model-b",
        "messages": [{"role": "user", "content": "a 1"}],
        "max_tokens": 1024,
        "temperature": 0.0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    body = request_body(prompt, sc.models["a"], stream=False)
    assert body == {
        "model": "a",
        "messages": [{"role": "user", "content": "a 1"}],
        "max_tokens": 1024,
        "stream": False,
        "reasoning_effort": "low",
    }  # temperature: null in params removes the field
    body["messages"].append({"role": "user", "content": "mutated"})
    assert len(prompt.messages) == 1  # the prompt is not changed through the body


def test_message_key_is_sha256_of_canonical_json() -> None:
    messages = [{"role": "user", "content": "héllo"}]
    expected = hashlib.sha256('[{"content":"héllo","role":"user"}]'.encode()).hexdigest()
    assert message_key(messages) == expected
    assert message_key([{"content": "héllo", "role": "user"}]) == expected  # key order does not matter
    assert message_key([{"role": "user", "content": "hello"}]) != expected


def test_no_dataset_row_crashes_the_reader(tmp_path: Path) -> None:
    """Every key of a full record replaced by odd values: one-line problems or a prompt, never an exception."""
    from profiler.scenario import validate_file

    path = make(tmp_path, {"t": (1, 1)})
    full = {
        "id": "r1",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "tool_choice": "auto",
        "response_format": {"type": "json_object"},
        "max_tokens": 5,
        "temperature": 0.5,
        "gold": "x",
        "gold_tool_calls": [{"name": "f", "arguments": {}}],
        "distractors": ["y"],
        "labels": ["a"],
        "meta": {},
    }
    odd = [None, "", [], {}, True, -1, 1.5, "x" * 200, {"type": "json_schema"}, [{"role": 1}], [None]]
    ds = tmp_path / "datasets" / "t.jsonl"
    for key in full:
        for value in odd:
            write_jsonl(ds, [{**full, key: value}])
            problems = validate_file(path)
            assert all("\n" not in p and p.startswith(f"{ds}:1: ") for p in problems), (key, value, problems)


def test_strict_schema_issues() -> None:
    from profiler.response_format import strict_schema_issues

    ok = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "required": ["a"],
        "additionalProperties": False,
    }
    assert strict_schema_issues(ok) == []
    nested = {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}}}, "c": {"type": "array", "items": ok}},
        "required": ["a", "c"],
        "additionalProperties": False,
    }  # fmt: skip
    assert strict_schema_issues(nested) == [
        "properties/a: additionalProperties is not false",
        "properties/a: not required: b",
    ]
