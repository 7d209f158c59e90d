"""The simulator's tokenizer: one deterministic rule for prompt and completion token counts.

A token is an optional single leading space plus up to 4 letters, or an optional leading space plus up to
3 digits, or one run of whitespace, or any other single character. English prose comes out at roughly
4 characters per token, like the BPE tokenizers of real models, and :func:`split` returns pieces that
concatenate back to the exact text (the simulator streams those pieces as deltas).
"""

from __future__ import annotations

import json
import re

_TOKEN_RE = re.compile(r"[ ]?[^\W\d_]{1,4}|[ ]?\d{1,3}|\s+|.", re.S)
MESSAGE_OVERHEAD = 4  # per chat message (role and separators), as OpenAI counts them
REPLY_PRIMING = 3  # every reply is primed with <|start|>assistant<|message|>


def split(text: str) -> list[str]:
    """The token pieces of ``text`` (``"".join(split(t)) == t``)."""
    return _TOKEN_RE.findall(text)


def count(text: str) -> int:
    """Number of tokens in ``text``."""
    return len(_TOKEN_RE.findall(text)) if text else 0


def _content_text(content: object) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return json.dumps(content, sort_keys=True)


def count_messages(messages: list, tools: list | None = None) -> int:
    """Prompt tokens of a chat request: message contents, tool calls and tool definitions."""
    n = REPLY_PRIMING
    for m in messages:
        if not isinstance(m, dict):
            continue
        n += MESSAGE_OVERHEAD + count(_content_text(m.get("content")))
        if m.get("tool_calls"):
            n += count(json.dumps(m["tool_calls"], sort_keys=True))
    if tools:
        n += count(json.dumps(tools, sort_keys=True))
    return n
