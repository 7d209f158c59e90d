"""Each scorer against right, wrong and malformed answers, plus config errors."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from profiler.errors import UserError
from profiler.prompts import Prompt
from profiler.quality import BuildContext, build_scorer


def ctx(tmp_path: Path, task: str = "t", index: int = 0) -> BuildContext:
    return BuildContext("sc.yaml", tmp_path, task, index)


def prompt(**kw) -> Prompt:
    base = {"task": "t", "id": "p1", "prompt_id": "t/p1", "messages": [{"role": "user", "content": "q"}]}
    base.update(kw)
    return Prompt(**base)


def run(tmp_path, entry, answer, p, row=None):
    s = build_scorer(entry, ctx(tmp_path))
    return s.score(answer, p, row or {"response": answer})


# ------------------------------------------------------------------------------------------ json

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "total": {"type": "number"},
        "address": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
    "required": ["name", "total"],
}
GOLD = {"name": "Acme Corp", "total": 12.5, "address": {"city": "Paris"}}


@pytest.fixture
def schema_file(tmp_path):
    (tmp_path / "schema.json").write_text(json.dumps(SCHEMA))
    return "schema.json"


def test_json_right(tmp_path, schema_file):
    entry = {"type": "json", "schema": schema_file}
    r = run(tmp_path, entry, json.dumps(GOLD), prompt(gold=GOLD))
    assert r.status == "pass" and r.score == 1.0
    assert r.details["fields_checked"] == 3


def test_json_fenced_and_reordered_is_right(tmp_path, schema_file):
    ans = (
        "```json\n" + json.dumps({"total": 12.5, "address": {"city": "Paris"}, "name": "Acme Corp"}) + "\n```"
    )
    r = run(tmp_path, {"type": "json", "schema": schema_file}, ans, prompt(gold=GOLD))
    assert r.status == "pass" and r.details["fenced"] is True


def test_json_wrong_fields_reported(tmp_path, schema_file):
    ans = json.dumps({"name": "ACME corp ", "total": 12.504, "address": {"city": "Lyon"}})
    r = run(tmp_path, {"type": "json", "schema": schema_file}, ans, prompt(gold=GOLD))
    assert r.status == "fail"
    assert r.details["fields_failed"] == ["name", "total", "address"]
    assert r.score == 0.0
    # with field rules: name normalised, total within 0.01, nested city exact via dotted path
    entry = {
        "type": "json",
        "schema": schema_file,
        "fields": {"name": {"match": "normalized"}, "total": {"match": "numeric", "tolerance": 0.01},
                   "address.city": {"match": "exact"}},
    }  # fmt: skip
    r = run(tmp_path, entry, ans, prompt(gold=GOLD))
    assert r.status == "fail"
    assert r.details["fields_failed"] == ["address.city"]  # not also "address" as a whole
    assert r.score == pytest.approx(2 / 3)
    assert "address" in r.reason


def test_json_nested_rule_opens_up_parent(tmp_path):
    gold = {"id": 1, "address": {"city": "Paris", "zip": "75001", "lines": ["1 rue X"]}}
    entry = {"type": "json", "fields": {"address.city": {"match": "normalized"}}}
    ans = {"id": 1, "address": {"city": " PARIS ", "zip": "75001", "lines": ["1 rue X"]}}
    assert run(tmp_path, entry, json.dumps(ans), prompt(gold=gold)).status == "pass"
    ans["address"]["zip"] = "75002"  # the sibling leaves are still compared exactly
    r = run(tmp_path, entry, json.dumps(ans), prompt(gold=gold))
    assert r.status == "fail" and r.details["fields_failed"] == ["address.zip"]
    assert r.details["fields_checked"] == 4


def test_json_numeric_tolerance_edges(tmp_path):
    entry = {"type": "json", "fields": {"total": {"match": "numeric", "tolerance": 0.01}}}
    g = {"total": 10.0}
    assert run(tmp_path, entry, '{"total": 10.01}', prompt(gold=g)).status == "pass"
    assert run(tmp_path, entry, '{"total": "10.005"}', prompt(gold=g)).status == "pass"
    assert run(tmp_path, entry, '{"total": 10.02}', prompt(gold=g)).status == "fail"
    assert run(tmp_path, entry, '{"total": true}', prompt(gold=g)).status == "fail"


def test_json_exact_keeps_bool_and_number_apart(tmp_path):
    r = run(tmp_path, {"type": "json"}, '{"flag": 1}', prompt(gold={"flag": True}))
    assert r.status == "fail" and r.details["fields_failed"] == ["flag"]


def test_json_schema_violation(tmp_path, schema_file):
    r = run(
        tmp_path,
        {"type": "json", "schema": schema_file},
        '{"name": "Acme Corp", "total": "12.5"}',
        prompt(gold=GOLD),
    )
    assert r.status == "fail" and r.details["stage"] == "schema"
    assert "total" in r.reason and "number" in r.reason


def test_json_malformed(tmp_path, schema_file):
    r = run(
        tmp_path, {"type": "json", "schema": schema_file}, '{"name": "Acme Corp", "tot', prompt(gold=GOLD)
    )
    assert r.status == "fail" and r.details["stage"] == "parse" and r.reason.startswith("not JSON")
    r = run(tmp_path, {"type": "json"}, "Sure! Here it is: {}", prompt(gold=GOLD))
    assert r.status == "fail" and r.details["stage"] == "parse"


def test_json_schema_from_response_format(tmp_path):
    rf = {"type": "json_schema", "json_schema": {"name": "x", "schema": SCHEMA, "strict": True}}
    r = run(tmp_path, {"type": "json"}, '{"name": "a"}', prompt(gold=None, response_format=rf))
    assert r.status == "fail" and r.details["stage"] == "schema"
    r = run(tmp_path, {"type": "json"}, '{"name": "a", "total": 1}', prompt(gold=None, response_format=rf))
    assert r.status == "pass"


def test_json_missing_schema_file_is_user_error(tmp_path):
    with pytest.raises(
        UserError, match=r"sc.yaml: prompt_mix.tasks.t.scorers\[0\].schema: schema file not found"
    ):
        build_scorer({"type": "json", "schema": "nope.json"}, ctx(tmp_path))


def test_json_bad_field_rule(tmp_path):
    with pytest.raises(UserError, match="fields.total.match: expected one of exact, normalized, numeric"):
        build_scorer({"type": "json", "fields": {"total": {"match": "fuzzy"}}}, ctx(tmp_path))


# ------------------------------------------------------------------------------------ label/exact


def test_label(tmp_path):
    p = prompt(gold="billing", labels=["billing", "bug", "feature"])
    assert run(tmp_path, {"type": "label"}, " Billing.\n", p).status == "pass"
    r = run(tmp_path, {"type": "label"}, "bug", p)
    assert r.status == "fail" and "expected billing" in r.reason
    r = run(tmp_path, {"type": "label"}, "Sure! The label is: billing", p)
    assert r.status == "fail" and "not in the label set" in r.reason
    assert run(tmp_path, {"type": "label"}, "x", prompt(gold=None)).status == "unscored"


def test_exact(tmp_path):
    assert run(tmp_path, {"type": "exact"}, "  42\n", prompt(gold="42")).status == "pass"
    assert run(tmp_path, {"type": "exact"}, "42.", prompt(gold="42")).status == "fail"
    assert (
        run(tmp_path, {"type": "exact", "normalize": True}, "Paris.", prompt(gold="paris")).status == "pass"
    )
    assert run(tmp_path, {"type": "exact"}, '{"a": [1, 2]}', prompt(gold={"a": [1, 2]})).status == "pass"
    assert run(tmp_path, {"type": "exact"}, '{"a": [2, 1]}', prompt(gold={"a": [1, 2]})).status == "fail"
    assert run(tmp_path, {"type": "exact"}, '{"a": [1, 2', prompt(gold={"a": [1, 2]})).status == "fail"


def test_regex_contains(tmp_path):
    e = {"type": "regex", "pattern": r"^ORDER-\d{4}$", "flags": "m"}
    assert run(tmp_path, e, "ok\nORDER-1234\n", prompt()).status == "pass"
    assert run(tmp_path, e, "ORDER-12", prompt()).status == "fail"
    assert (
        run(tmp_path, {"type": "regex", "pattern": r"\d+", "fullmatch": True}, " 123 ", prompt()).status
        == "pass"
    )
    assert (
        run(tmp_path, {"type": "regex", "pattern": r"\d+", "fullmatch": True}, "a123", prompt()).status
        == "fail"
    )
    with pytest.raises(UserError, match="pattern: expected a valid regular expression"):
        build_scorer({"type": "regex", "pattern": "(unclosed"}, ctx(tmp_path))
    c = {"type": "contains", "text": "export function"}
    assert run(tmp_path, c, "export function f() {}", prompt()).status == "pass"
    assert run(tmp_path, c, "Export Function f", prompt()).status == "fail"
    c2 = {"type": "contains", "text": "export function", "case_sensitive": False}
    assert run(tmp_path, c2, "Export Function f", prompt()).status == "pass"


def test_numeric(tmp_path):
    e = {"type": "numeric", "tolerance": 0.5}
    assert run(tmp_path, e, "1,234.3", prompt(gold=1234)).status == "pass"
    assert run(tmp_path, e, "The answer is 1234.4", prompt(gold="1234")).status == "pass"
    r = run(tmp_path, e, "1235", prompt(gold=1234))
    assert r.status == "fail" and "by 1" in r.reason
    assert run(tmp_path, e, "about a thousand", prompt(gold=1234)).status == "fail"
    assert run(tmp_path, {"type": "numeric", "relative": 0.01}, "99.2", prompt(gold=100)).status == "pass"
    assert run(tmp_path, e, "1", prompt(gold="n/a")).status == "unscored"


# ---------------------------------------------------------------------------------------- tools

GOLD_CALLS = [
    {"name": "search_orders", "arguments": {"customer_id": "C-17"}},
    {"name": "refund", "arguments": {"order_id": "O-9", "amount": 10}},
]


def calls(*pairs):
    return [
        {"id": f"c{i}", "name": n, "arguments": a if isinstance(a, str) else json.dumps(a)}
        for i, (n, a) in enumerate(pairs)
    ]


def test_tool_call_strict(tmp_path):
    p = prompt(gold_tool_calls=GOLD_CALLS)
    e = {"type": "tool_call", "order": "strict"}
    right = calls(("search_orders", {"customer_id": "C-17"}), ("refund", {"amount": 10, "order_id": "O-9"}))
    assert run(tmp_path, e, "", p, {"response": None, "tool_calls": right}).status == "pass"
    swapped = list(reversed(right))
    assert run(tmp_path, e, "", p, {"tool_calls": swapped}).status == "fail"
    assert (
        run(tmp_path, {"type": "tool_call", "order": "any"}, "", p, {"tool_calls": swapped}).status == "pass"
    )
    wrong = calls(("search_orders", {"customer_id": "C-18"}), ("refund", {"amount": 10, "order_id": "O-9"}))
    r = run(tmp_path, e, "", p, {"tool_calls": wrong})
    assert r.status == "fail" and "call 0" in r.reason
    malformed = calls(
        ("search_orders", '{"customer_id": "C-1'), ("refund", {"amount": 10, "order_id": "O-9"})
    )
    r = run(tmp_path, e, "", p, {"tool_calls": malformed})
    assert r.status == "fail" and "not JSON" in r.reason
    r = run(tmp_path, e, "I would call search_orders", p, {"tool_calls": None})
    assert r.status == "fail" and "no tool calls" in r.reason
    extra = right + calls(("noop", {}))
    assert run(tmp_path, e, "", p, {"tool_calls": extra}).status == "fail"
    assert run(tmp_path, {**e, "allow_extra": True}, "", p, {"tool_calls": extra}).status == "pass"


def test_tool_call_subset_and_no_gold(tmp_path):
    p = prompt(gold_tool_calls=GOLD_CALLS[:1])
    more = calls(("search_orders", {"customer_id": "C-17", "limit": 5}))
    assert run(tmp_path, {"type": "tool_call"}, "", p, {"tool_calls": more}).status == "fail"
    assert (
        run(tmp_path, {"type": "tool_call", "arguments": "subset"}, "", p, {"tool_calls": more}).status
        == "pass"
    )
    assert run(tmp_path, {"type": "tool_call"}, "", prompt(), {"tool_calls": more}).status == "unscored"


# -------------------------------------------------------------------------------------- command


def test_command_exit_status_and_stderr(tmp_path):
    checker = tmp_path / "check.py"
    checker.write_text(
        "import sys\nsrc = open(sys.argv[1]).read()\n"
        "if 'export function' not in src:\n    sys.stderr.write('error TS1005: missing export\\n'); sys.exit(2)\n"
    )
    e = {
        "type": "command",
        "command": [sys.executable, str(checker), "{file}"],
        "filename": "answer.ts",
        "timeout_s": 20,
    }
    r = run(tmp_path, e, "```ts\nexport function f(): number { return 1 }\n```", prompt())
    assert r.status == "pass" and r.details["exit_status"] == 0 and r.details["fenced"] is True
    r = run(tmp_path, e, "function f() {}", prompt())
    assert r.status == "fail" and r.details["exit_status"] == 2 and "TS1005" in r.details["stderr_tail"]
    assert "TS1005" in r.reason


def test_command_writes_into_temp_dir_with_filename(tmp_path):
    e = {"type": "command", "command": [sys.executable, "-c",
         "import os,sys; sys.exit(0 if os.path.basename(sys.argv[1]) == 'answer.ts' and os.getcwd() == os.path.dirname(sys.argv[1]) else 3)",
         "{file}"], "filename": "answer.ts"}  # fmt: skip
    assert run(tmp_path, e, "x", prompt()).status == "pass"


def test_command_timeout_and_missing_executable(tmp_path):
    e = {
        "type": "command",
        "command": [sys.executable, "-c", "import time; time.sleep(10)"],
        "timeout_s": 0.3,
    }
    r = run(tmp_path, e, "x", prompt())
    assert r.status == "fail" and "timed out" in r.reason
    r = run(
        tmp_path,
        {"type": "command", "command": ["tsc-not-installed-xyz", "--noEmit", "{file}"]},
        "x",
        prompt(),
    )
    assert r.status == "unscored" and r.reason == "executable not found: tsc-not-installed-xyz"


@pytest.mark.skipif(shutil.which("tsc") is None, reason="tsc not installed")
def test_command_tsc(tmp_path):  # pragma: no cover - only where the user has TypeScript
    e = {"type": "command", "command": ["tsc", "--noEmit", "{file}"], "filename": "answer.ts"}
    assert run(tmp_path, e, "export const x: number = 1;\n", prompt()).status == "pass"
    assert run(tmp_path, e, "export const x: number = 'a';\n", prompt()).status == "fail"


# --------------------------------------------------------------------------------------- python


def test_python_scorer(tmp_path):
    (tmp_path / "my_checks_q.py").write_text(
        "def is_short(answer, prompt, row):\n    return len(answer) < 10\n"
        "def ratio(answer, prompt, row):\n    return answer.count('a') / max(1, len(answer))\n"
        "def rich(answer, prompt, row):\n    return {'pass': answer == prompt.gold, 'score': 0.7, 'reason': 'cmp'}\n"
        "def boom(answer, prompt, row):\n    raise ValueError('bad input')\n"
        "def odd(answer, prompt, row):\n    return 'yes'\n"
    )
    p = prompt(gold="aaa")
    assert run(tmp_path, {"type": "python", "function": "my_checks_q:is_short"}, "hi", p).status == "pass"
    assert run(tmp_path, {"type": "python", "function": "my_checks_q:is_short"}, "x" * 20, p).status == "fail"
    r = run(tmp_path, {"type": "python", "function": "my_checks_q:ratio"}, "aab", p)
    assert r.status == "pass" and r.score == pytest.approx(2 / 3)
    r = run(tmp_path, {"type": "python", "function": "my_checks_q:ratio", "threshold": 0.9}, "aab", p)
    assert r.status == "fail"
    r = run(tmp_path, {"type": "python", "function": "my_checks_q:rich"}, "aaa", p)
    assert r.status == "pass" and r.score == 0.7 and r.reason == "cmp"
    r = run(tmp_path, {"type": "python", "function": "my_checks_q:boom"}, "aaa", p)
    assert r.status == "unscored" and "ValueError: bad input" in r.reason
    assert run(tmp_path, {"type": "python", "function": "my_checks_q:odd"}, "a", p).status == "unscored"
    with pytest.raises(UserError, match="has no function 'nope'"):
        build_scorer({"type": "python", "function": "my_checks_q:nope"}, ctx(tmp_path))
    with pytest.raises(UserError, match="cannot import module 'no_such_mod_q'"):
        build_scorer({"type": "python", "function": "no_such_mod_q:f"}, ctx(tmp_path))
    with pytest.raises(UserError, match="expected 'module:function'"):
        build_scorer({"type": "python", "function": "just_a_name"}, ctx(tmp_path))


# --------------------------------------------------------------------------------------- config


def test_unknown_type_and_key(tmp_path):
    with pytest.raises(
        UserError, match=r"scorers\[0\].type: expected one of .*got 'jsn' \(did you mean 'json'\?\)"
    ):
        build_scorer({"type": "jsn"}, ctx(tmp_path))
    with pytest.raises(
        UserError,
        match=r"scorers\[0\].tolerence: unknown key for a numeric scorer \(did you mean 'tolerance'\?\)",
    ):
        build_scorer({"type": "numeric", "tolerence": 1}, ctx(tmp_path))
    with pytest.raises(UserError, match="required: expected true or false"):
        build_scorer({"type": "exact", "required": "yes"}, ctx(tmp_path))


def test_ids_and_required(tmp_path):
    s = build_scorer({"type": "exact"}, ctx(tmp_path, index=3))
    assert s.id == "exact#3" and s.required is True
    s = build_scorer({"type": "exact", "id": "gold", "required": False}, ctx(tmp_path))
    assert s.id == "gold" and s.required is False
