"""The simulator acting as an LLM judge.

Truth for one judge call: the human verdict when (prompt text, candidate answer) is a row of the scenario's
judge labels; otherwise "pass" iff the candidate is the gold answer of that prompt: JSON compared as parsed
values, tool calls by names and parsed arguments, labels exactly (case-insensitive), code and text after
removing the simulator's own verbosity padding (comment lines / closing sentences) and collapsing
whitespace. A prompt that is not in the datasets is compared with the judge request's reference answer.
The verdict equals the truth with probability ``judge_agreement`` of the model being called, drawn from a
generator seeded by (seed, model, request content), so the same judge request always gets the same verdict.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

from profiler.sim.answers import as_json_value, is_code, stable_int
from profiler.sim.catalog import Catalog, norm_ws
from profiler.sim.verbosity import PAD_WORDS

_WORD_RE = re.compile(r"[A-Za-z']+")
_PAD_PREFIXES = frozenset(w[:i] for w in PAD_WORDS for i in range(1, len(w) + 1))


def _parse_json(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except (ValueError, TypeError):
        return False, None


def parse_tool_calls(text: str) -> list[tuple[str, Any]] | None:
    """[(name, arguments)] from a JSON rendering of tool calls (several shapes accepted), else None.

    Text before a ``[tool_calls]`` marker (how ``quality/judge.py`` renders text plus calls) is ignored."""
    marker = text.rfind("[tool_calls] ")
    if marker >= 0:
        text = text[marker + len("[tool_calls] ") :]
    ok, obj = _parse_json(text.strip())
    if not ok:
        return None
    if isinstance(obj, dict):
        obj = obj.get("tool_calls", [obj])
    if not isinstance(obj, list):
        return None
    out = []
    for c in obj:
        if not isinstance(c, dict):
            return None
        fn = c.get("function") if isinstance(c.get("function"), dict) else c
        if "name" not in fn:
            return None
        args = fn.get("arguments", {})
        if isinstance(args, str):
            aok, parsed = _parse_json(args)
            args = parsed if aok else args
        out.append((str(fn["name"]), args))
    return out


def _is_pad_words(text: str) -> bool:
    return all(w.lower() in _PAD_PREFIXES for w in _WORD_RE.findall(text))


def _strip_pad_comments(code: str) -> str:
    keep = []
    for line in code.split("\n"):
        s = line.strip()
        if (s.startswith("// ") or s.startswith("# ")) and _is_pad_words(s[2:]):
            continue
        keep.append(line)
    return norm_ws("\n".join(keep))


def matches(gold: Any, gold_tool_calls: Any, labels: Any, candidate: str) -> bool:
    """Is ``candidate`` (the answer text as the judge sees it) the gold answer?"""
    if gold_tool_calls:
        got = parse_tool_calls(candidate)
        want = [(str(c.get("name")), as_json_value(c.get("arguments", {}))[1]) for c in gold_tool_calls]
        return got is not None and got == want
    if gold is None:
        return False
    is_json, obj = as_json_value(gold)
    ok, parsed = _parse_json(candidate.strip())
    if is_json:
        return ok and parsed == obj
    gold_s = str(gold)
    if ok and parsed == {"answer": gold_s}:  # JSON mode wrapping of a text gold
        return True
    if labels and gold_s in labels:
        return candidate.strip().lower() == gold_s.lower()
    if is_code(gold_s):
        return _strip_pad_comments(candidate) == _strip_pad_comments(gold_s)
    want, got = norm_ws(gold_s).lower(), norm_ws(candidate).lower()
    return got.startswith(want) and _is_pad_words(got[len(want) :])


def truth(catalog: Catalog, prompt_text: str, reference: str | None, answer: str) -> tuple[bool, str]:
    """(truth, source) where source is ``label``, ``gold`` or ``reference``."""
    key_text = norm_ws(prompt_text)
    human = catalog.labels.get((key_text, norm_ws(answer)))
    if human is not None:
        return human, "label"
    p = catalog.by_text.get(key_text)
    if p is not None and (p.gold is not None or p.gold_tool_calls):
        return matches(p.gold, p.gold_tool_calls, p.labels, answer), "gold"
    if reference is None:
        return False, "reference"
    ok, ref_calls = reference.strip().startswith(("[", "{")), parse_tool_calls(reference)
    if ok and ref_calls:
        return parse_tool_calls(answer) == ref_calls, "reference"
    return matches(reference, None, None, answer), "reference"


def verdict(seed: int, model: str, content: bytes, truth_value: bool, agreement: float) -> tuple[dict, bool]:
    """The judge's JSON reply and whether it agrees with the truth."""
    digest = hashlib.sha256(content).hexdigest()
    rng = random.Random(stable_int(seed, model, "judge", digest))
    agree = rng.random() < agreement
    passed = truth_value if agree else not truth_value
    if passed:
        reply = {
            "pass": True,
            "score": rng.choice([4, 5]),
            "reason": "The candidate answer matches the reference answer.",
        }
    else:
        reply = {
            "pass": False,
            "score": rng.choice([1, 2]),
            "reason": "The candidate answer does not match the reference answer.",
        }
    return reply, agree
