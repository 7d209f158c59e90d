"""Human labels: realistic model answers to dataset prompts with the verdict a careful grader gives.

The answers are the shapes real models produce: the gold itself, the gold in a markdown fence or with a
lead-in, pretty-printed or re-ordered JSON, a distractor, a near miss (function not exported, output
truncated by max_tokens, two labels hedged), malformed JSON, JSON wrapped in prose, a tool call described
in words instead of made. The verdicts follow the rubric in ``scenarios/rubric.md``.
"""

from __future__ import annotations

import json
import random
import re

PLAN = {  # task: (number of rows, cycle of answer variants)
    "ts_codegen": (33, ["gold", "distractor", "fenced", "distractor", "leadin", "unexported", "gold", "truncated",
                        "fenced", "distractor", "gold"]),
    "extraction": (33, ["gold", "distractor", "pretty", "fenced", "prose", "gold", "malformed", "ints",
                        "distractor", "pretty", "distractor"]),
    "classification": (33, ["gold", "distractor", "upper", "hedged", "gold", "distractor", "period", "prefixed",
                            "gold", "distractor", "spaces"]),
    "agent": (33, ["gold", "distractor", "reordered", "described", "gold", "distractor", "openai", "distractor",
                   "gold", "extra", "gold"]),
}  # fmt: skip
PASS = {"gold", "fenced", "leadin", "pretty", "ints", "upper", "period", "spaces", "reordered", "openai"}
NOTES = {
    "gold": "matches the reference answer",
    "fenced": "correct code inside a markdown fence; the pipeline strips fences",
    "leadin": "correct code; one lead-in sentence and a fence are harmless for code",
    "unexported": "logic is right but the function is not exported, so importers break",
    "truncated": "cut off by max_tokens: does not compile",
    "pretty": "same JSON values, pretty-printed with a different key order",
    "ints": "same values; whole numbers written without .0",
    "prose": "JSON wrapped in prose: the parser in the pipeline rejects it",
    "malformed": "invalid JSON (trailing comma)",
    "upper": "right label, different case",
    "period": "right label with a trailing full stop",
    "spaces": "right label with surrounding whitespace",
    "hedged": "names two labels: the router cannot use it",
    "prefixed": "right label but with a 'Category:' prefix; the router expects the bare label",
    "reordered": "right call; argument keys in a different order",
    "openai": "right call in OpenAI's tool_calls shape with arguments as a JSON string",
    "described": "describes the call in words instead of making it",
    "extra": "right call plus an extra action nobody asked for",
}


def _tc(calls: list[dict]) -> str:
    return json.dumps(
        {"tool_calls": [{"name": c["name"], "arguments": c["arguments"]} for c in calls]}, ensure_ascii=False
    )


def _wrong_note(task: str, row: dict, answer: str) -> str:
    if task == "ts_codegen":
        return "plausible but wrong: fails the spec's edge cases"
    if task == "classification":
        return f"wrong label ({answer}), expected {row['gold']}"
    if task == "agent":
        return "wrong tool call or arguments for the next step"
    gold, got = row["gold"], json.loads(answer)
    diff = sorted(k for k in gold if gold[k] != got.get(k))
    return f"wrong field(s): {', '.join(diff)}"


def render(task: str, row: dict, variant: str, rng: random.Random) -> tuple[str, str]:
    """(answer, verdict-note) for one variant of one dataset row."""
    gold = row["gold"]
    if variant == "distractor":
        answer = rng.choice(row["distractors"])
        if task == "extraction":
            answer = json.dumps(answer, ensure_ascii=False)
        return answer, _wrong_note(task, row, answer)
    if task == "ts_codegen":
        name = row["meta"]["export"]
        answer = {
            "gold": gold,
            "fenced": f"```ts\n{gold}```",
            "leadin": f"Here's the implementation:\n\n```typescript\n{gold}```",
            "unexported": re.sub(rf"export ((?:async )?(?:function|class) {name}\b)", r"\1", gold, count=1),
            "truncated": "\n".join(gold.split("\n")[: max(3, len(gold.split("\n")) * 3 // 5)]),
        }[variant]
        return answer, NOTES[variant]
    if task == "extraction":
        compact = json.dumps(gold, ensure_ascii=False)
        if variant == "gold":
            return compact, NOTES[variant]
        if variant in ("pretty", "fenced"):
            pretty = json.dumps(dict(reversed(list(gold.items()))), ensure_ascii=False, indent=2)
            return (pretty if variant == "pretty" else f"```json\n{pretty}\n```"), NOTES[variant]
        if variant == "prose":
            return (
                f"Here is the extracted data:\n\n{compact}\n\nLet me know if you need anything else!",
                NOTES[variant],
            )
        if variant == "malformed":
            return compact[:-1] + ",}", NOTES[variant]
        if variant == "ints":
            text = re.sub(r"(?<=[:\[, ])(-?\d+)\.0(?=[,}\]])", r"\1", compact)
            return (text, NOTES[variant]) if text != compact else (compact, NOTES["gold"])
    if task == "classification":
        other = rng.choice(row["distractors"])
        answer = {
            "gold": gold, "upper": gold.upper(), "period": f"{gold}.", "spaces": f"  {gold}\n",
            "hedged": f"This looks like {gold}, but it could also be {other}.", "prefixed": f"Category: {gold}",
        }[variant]  # fmt: skip
        return answer, NOTES[variant]
    calls = row["gold_tool_calls"]
    if variant == "gold":
        return _tc(calls), NOTES[variant]
    if variant == "reordered":
        return _tc(
            [{"name": c["name"], "arguments": dict(reversed(list(c["arguments"].items())))} for c in calls]
        ), NOTES[variant]
    if variant == "openai":
        shaped = [{"id": f"call_{i + 1}", "type": "function",
                   "function": {"name": c["name"], "arguments": json.dumps(c["arguments"], ensure_ascii=False)}}
                  for i, c in enumerate(calls)]  # fmt: skip
        return json.dumps({"tool_calls": shaped}, ensure_ascii=False), NOTES[variant]
    if variant == "described":
        c = calls[0]
        args = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in c["arguments"].items())
        return f"Next I will call {c['name']}({args}) to continue.", NOTES[variant]
    extra = json.loads(row["distractors"][-1])["tool_calls"]
    return _tc(calls + extra), NOTES["extra"]


def rows(datasets: dict[str, list[dict]], rng: random.Random) -> list[dict]:
    out = []
    for task, (n, cycle) in PLAN.items():
        picked = rng.sample(datasets[task], n)
        for i, row in enumerate(picked):
            variant = cycle[i % len(cycle)]
            answer, note = render(task, row, variant, rng)
            out.append(
                {
                    "task": task,
                    "prompt_id": f"{task}/{row['id']}",
                    "answer": answer,
                    "verdict": "pass" if variant in PASS else "fail",
                    "note": note,
                }
            )
    return out
