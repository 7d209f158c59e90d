"""What a simulated model answers: the gold answer, or a wrong / malformed / prose one, made more verbose.

Answer classes (decided per request from the dataset record and the request):

- ``tools``  the record has ``gold_tool_calls`` and the request offers tools (``tool_choice`` not "none");
- ``json``   the request asks for JSON (``response_format`` json_object/json_schema) or the gold is an object;
- ``label``  the record has ``labels`` and the gold is one of them (classification);
- ``code``   the gold looks like source code;
- ``text``   anything else.

Verbosity (``verbosity.py``) never changes an answer's correctness class.

Non-gold kinds: ``wrong`` (a dataset distractor, else a mutated gold: another label, one changed JSON value
or tool argument, an unrelated text), ``malformed`` (gold cut short: broken JSON / arguments, truncated
code or text), ``prose`` (the gold wrapped in chatty sentences, which breaks JSON and label scorers; for
tool calls, the call described in prose instead of made). Answers are cached per
(record, kind, variant, verbosity), so they are pure functions of those.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from typing import Any

from profiler.sim import tokens
from profiler.sim.verbosity import PAD_WORDS, json_text, verbose_code, verbose_text

__all__ = ["PAD_WORDS", "Answer", "AnswerBook", "answer_class", "json_text", "verbose_code", "verbose_text"]

PROSE_PREFIX = [
    "Sure! Here is the answer you asked for:",
    "Certainly. Based on the information provided, here is my response:",
    "Great question! After looking at this carefully, this is what I came up with:",
]
PROSE_SUFFIX = [
    "Let me know if you need anything else!",
    "I hope this is what you were looking for.",
    "Feel free to ask if you want me to adjust anything.",
]
GENERIC = [
    "The request can be handled in a few clear steps.",
    "First, gather the relevant inputs and check that they are complete.",
    "Next, apply the main transformation and keep intermediate results small.",
    "Then verify the output against the expected format and constraints.",
    "Finally, report the result together with any assumptions that were made.",
    "Where the input is ambiguous, the safest interpretation is usually the most literal one.",
    "Performance is rarely the bottleneck here; correctness and clarity matter more.",
    "If the data changes often, it is worth caching the parts that are expensive to compute.",
    "Errors should be reported with enough context to reproduce them.",
    "A short summary at the end helps the reader check the main points quickly.",
]
_CODE_RE = re.compile(
    r"^\s*(def |class |function |import |export |const |let |var |interface |type |public |private |"
    r"#include|package |fn |async |return |for \(|if \()",
    re.M,
)


@dataclass(frozen=True)
class Answer:
    """``content`` text (None for a pure tool-call answer) and/or ``tool_calls`` ``[{id, name, arguments}]``."""

    kind: str  # gold | wrong | malformed | prose | generic | judge
    content: str | None
    tool_calls: tuple[dict, ...] | None = None


def stable_int(*parts: object) -> int:
    h = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8)
    return int.from_bytes(h.digest(), "big")


def is_code(text: str) -> bool:
    return "```" in text or bool(_CODE_RE.search(text)) or text.count(";\n") >= 2


def wants_json(response_format: Any) -> bool:
    return isinstance(response_format, dict) and response_format.get("type") in ("json_object", "json_schema")


def as_json_value(gold: Any) -> tuple[bool, Any]:
    """(True, value) if ``gold`` is or holds a JSON object/array."""
    if isinstance(gold, dict | list):
        return True, gold
    if isinstance(gold, str) and gold.lstrip()[:1] in ("{", "["):
        try:
            return True, json.loads(gold)
        except ValueError:
            pass
    return False, gold


def answer_class(prompt: Any, json_mode: bool, tools_allowed: bool) -> str:
    if getattr(prompt, "gold_tool_calls", None) and tools_allowed:
        return "tools"
    gold = getattr(prompt, "gold", None)
    if json_mode or as_json_value(gold)[0]:
        return "json"
    if gold is None:
        return "none"
    labels = getattr(prompt, "labels", None) or []
    if isinstance(gold, str) and gold in labels:
        return "label"
    return "code" if is_code(str(gold)) else "text"


# --- building answers --------------------------------------------------------------------------------------
def _tool_calls(calls: list[dict], prompt_id: str, verbosity: float) -> tuple[dict, ...]:
    out = []
    for i, c in enumerate(calls):
        args = c.get("arguments", {})
        if isinstance(args, str):
            ok, parsed = as_json_value(args)
            args = parsed if ok else args
        text = args if isinstance(args, str) else json_text(args, verbosity)
        cid = "call_" + hashlib.sha1(f"{prompt_id}#{i}".encode()).hexdigest()[:24]
        out.append({"id": cid, "name": str(c.get("name", "")), "arguments": text})
    return tuple(out)


def _mutate(value: Any, rng: random.Random) -> Any:
    """A copy of a JSON value with one leaf changed."""
    if isinstance(value, dict) and value:
        k = rng.choice(sorted(value, key=str))
        return {**value, k: _mutate(value[k], rng)}
    if isinstance(value, list) and value:
        i = rng.randrange(len(value))
        return value[:i] + [_mutate(value[i], rng)] + value[i + 1 :]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + rng.choice([1, -1, 10])
    if isinstance(value, str):
        return value[::-1] if len(value) > 1 and value[::-1] != value else value + " (unverified)"
    return "unknown"


def generic_text(rng: random.Random, n_tokens: int) -> str:
    order = list(range(len(GENERIC)))
    rng.shuffle(order)
    pieces: list[str] = []
    i = 0
    while len(pieces) < n_tokens:
        pieces += tokens.split((" " if pieces else "") + GENERIC[order[i % len(order)]])
        i += 1
    return "".join(pieces[:n_tokens])


def example_from_schema(schema: Any, rng: random.Random, depth: int = 0) -> Any:
    """A small instance of a JSON schema (types, properties, required, items, enum/const, anyOf/oneOf)."""
    if not isinstance(schema, dict) or depth > 8:
        return {}
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for alt in ("anyOf", "oneOf", "allOf"):
        if schema.get(alt):
            return example_from_schema(schema[alt][0], rng, depth + 1)
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "null")
    if t == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: example_from_schema(v, rng, depth + 1) for k, v in props.items()}
    if t == "array":
        return [example_from_schema(schema.get("items", {"type": "string"}), rng, depth + 1)]
    if t == "integer":
        return int(schema.get("minimum", rng.randint(1, 100)))
    if t == "number":
        return float(schema.get("minimum", round(rng.uniform(1, 100), 2)))
    if t == "boolean":
        return rng.random() < 0.5
    if t == "null":
        return None
    return generic_text(rng, rng.randint(2, 6)).strip()


class AnswerBook:
    """Builds answers for dataset records, caching the deterministic ones."""

    def __init__(self) -> None:
        self._cache: dict[tuple, Answer] = {}

    def for_record(
        self, prompt: Any, cls: str, kind: str, rng: random.Random, verbosity: float, json_mode: bool
    ) -> Answer:
        distractors = list(getattr(prompt, "distractors", None) or [])
        variant = rng.randrange(max(1, len(distractors)) * 4) if kind == "wrong" else rng.randrange(4)
        key = (prompt.prompt_id, cls, kind, variant, verbosity, json_mode)
        ans = self._cache.get(key)
        if ans is None:
            ans = self._build(prompt, cls, kind, variant, verbosity, distractors)
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[key] = ans
        return ans

    def _build(
        self, p: Any, cls: str, kind: str, variant: int, verbosity: float, distractors: list
    ) -> Answer:
        pid = p.prompt_id
        start = stable_int(pid) % 8
        vrng = random.Random(stable_int(pid, kind, variant))
        prefix, suffix = PROSE_PREFIX[variant % 3], PROSE_SUFFIX[variant % 3]
        gold = p.gold
        if cls == "tools":
            calls = [dict(c) for c in p.gold_tool_calls]
            if kind == "gold":
                return Answer(kind, None, _tool_calls(calls, pid, verbosity))
            if kind == "wrong":
                i = vrng.randrange(len(calls))
                other = [
                    t.get("function", {}).get("name")
                    for t in (getattr(p, "tools", None) or [])
                    if isinstance(t, dict)
                    and t.get("function", {}).get("name") not in (None, calls[i]["name"])
                ]
                if other and vrng.random() < 0.5:
                    calls[i] = {**calls[i], "name": vrng.choice(other)}
                else:
                    calls[i] = {**calls[i], "arguments": _mutate(calls[i].get("arguments", {}), vrng)}
                return Answer(kind, None, _tool_calls(calls, pid, verbosity))
            made = _tool_calls(calls, pid, 1.0)
            if kind == "malformed":
                bad = [dict(c) for c in made]
                args = bad[0]["arguments"]
                bad[0]["arguments"] = args[: max(1, int(len(args) * 0.6))]
                return Answer(kind, None, tuple(bad))
            desc = "; ".join(f"`{c['name']}` with {c['arguments']}" for c in made)
            return Answer("prose", f"{prefix} I would call {desc}. {suffix}")
        if cls == "json":
            ok, obj = as_json_value(gold)
            if not ok:
                obj = {"answer": gold}
            if kind == "gold":
                return Answer(kind, json_text(obj, verbosity))
            if kind == "wrong":
                if distractors and variant % 4 != 3:
                    d = distractors[variant // 4 % len(distractors)]
                    dok, dobj = as_json_value(d)
                    return Answer(kind, json_text(dobj, verbosity) if dok else str(d))
                return Answer(kind, json_text(_mutate(obj, vrng), verbosity))
            text = json_text(obj)
            if kind == "malformed":
                return Answer(kind, text[: max(1, int(len(text) * vrng.uniform(0.4, 0.85)))])
            return Answer("prose", f"{prefix}\n\n{json_text(obj, 1.5)}\n\n{suffix}")
        if cls == "label":
            labels = [x for x in p.labels if x != gold]
            if kind == "gold":
                return Answer(kind, gold)
            if kind == "wrong":
                pool = [str(d) for d in distractors] or labels or [gold + "?"]
                return Answer(kind, pool[variant % len(pool)])
            if kind == "malformed":
                return Answer(kind, gold[: max(1, len(gold) // 2)] + "…")
            return Answer("prose", f"{prefix} The correct category here is {gold}. {suffix}")
        text = str(gold)
        pad = verbose_code if cls == "code" else verbose_text
        if kind == "gold":
            return Answer(kind, pad(text, verbosity, start))
        if kind == "wrong":
            if distractors and variant % 4 != 3:
                return Answer(kind, pad(str(distractors[variant // 4 % len(distractors)]), verbosity, start))
            n = max(8, tokens.count(text))
            return Answer(kind, pad(generic_text(vrng, n), verbosity, start))
        if kind == "malformed":
            if cls == "code":
                lines = text.split("\n")
                cut = max(1, int(len(lines) * 0.6)) if len(lines) > 1 else 0
                body = "\n".join(lines[:cut]) if cut else text[: len(text) // 2]
                return Answer(kind, body.replace("```", "") + "\n  {")
            pieces = tokens.split(text)
            return Answer(kind, "".join(pieces[: max(1, len(pieces) // 2)]))
        return Answer("prose", f"{prefix}\n\n{text}\n\n{suffix}")

    def generic(
        self,
        rng: random.Random,
        max_tokens: int | None,
        response_format: Any,
        tools: list | None,
        tool_choice: Any,
        verbosity: float = 1.0,
    ) -> Answer:
        """An answer for a prompt that is not in any dataset: plausible length (times ``verbosity``), right shape."""
        forced = None
        if tools and (tool_choice == "required" or isinstance(tool_choice, dict)):
            fns = [t.get("function", {}) for t in tools if isinstance(t, dict)]
            if isinstance(tool_choice, dict):
                want = tool_choice.get("function", {}).get("name")
                fns = [f for f in fns if f.get("name") == want] or fns
            forced = fns[0] if fns else None
        if forced is not None:
            args = example_from_schema(forced.get("parameters", {"type": "object"}), rng)
            call = {
                "id": f"call_{rng.getrandbits(64):016x}",
                "name": forced.get("name", "tool"),
                "arguments": json_text(args),
            }
            return Answer("generic", None, (call,))
        n = max(8, min(round(rng.lognormvariate(4.8, 0.6) * verbosity), max_tokens or 4096))
        if wants_json(response_format):
            schema = (response_format.get("json_schema") or {}).get("schema")
            obj = example_from_schema(schema, rng) if schema else {"answer": generic_text(rng, min(n, 60))}
            return Answer("generic", json_text(obj))
        return Answer("generic", generic_text(rng, n))
