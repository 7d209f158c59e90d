"""The LLM-judge request format, shared by the judge client (quality/) and the simulator's judge.

The judge sees a system message with the rubric and one user message with three fenced sections. The
simulator parses the same sections back to decide (and, at its configured agreement rate, get right)
the verdict, so the format lives in exactly one place.
"""

from __future__ import annotations

import json
import re

SYSTEM_PREFIX = "You are a strict grader. Apply the rubric and answer with JSON only."
RESPONSE_SCHEMA = {
    "type": "object",
    "properties": {
        "pass": {"type": "boolean"},
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "reason": {"type": "string"},
    },
    "required": ["pass", "score", "reason"],
    "additionalProperties": False,
}
_SECTIONS = ("TASK PROMPT", "REFERENCE ANSWER", "CANDIDATE ANSWER")
_SECTION_RE = re.compile(r"<<<(TASK PROMPT|REFERENCE ANSWER|CANDIDATE ANSWER)>>>\n(.*?)\n<<<END>>>", re.S)


def render_prompt(messages: list[dict]) -> str:
    """Flatten a chat transcript into the text the judge reads (roles kept, tool calls as JSON)."""
    lines = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):  # content parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if m.get("tool_calls"):
            content = (content or "") + json.dumps(m["tool_calls"], sort_keys=True)
        lines.append(f"[{m.get('role', '?')}] {content or ''}")
    return "\n".join(lines)


def build_messages(rubric: str, prompt_text: str, reference: str | None, answer: str) -> list[dict]:
    """Messages for one judge call."""
    user = (
        "Grade the candidate answer to the task below.\n\n"
        f"<<<TASK PROMPT>>>\n{prompt_text}\n<<<END>>>\n\n"
        f"<<<REFERENCE ANSWER>>>\n{reference if reference is not None else '(none)'}\n<<<END>>>\n\n"
        f"<<<CANDIDATE ANSWER>>>\n{answer}\n<<<END>>>\n\n"
        'Reply with JSON only: {"pass": true|false, "score": 1-5, "reason": "one sentence"}.'
    )
    return [
        {"role": "system", "content": f"{SYSTEM_PREFIX}\n\nRubric:\n{rubric}"},
        {"role": "user", "content": user},
    ]


def parse_messages(messages: list[dict]) -> tuple[str, str | None, str] | None:
    """Inverse of :func:`build_messages`: ``(prompt_text, reference, answer)`` or None if not a judge call."""
    if len(messages) < 2 or not str(messages[0].get("content", "")).startswith(SYSTEM_PREFIX):
        return None
    found = dict(_SECTION_RE.findall(str(messages[-1].get("content", ""))))
    if any(s not in found for s in _SECTIONS):
        return None
    ref = found["REFERENCE ANSWER"]
    return found["TASK PROMPT"], (None if ref == "(none)" else ref), found["CANDIDATE ANSWER"]
