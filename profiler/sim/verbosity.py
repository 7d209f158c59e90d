"""Verbosity: more output tokens with the same correctness class.

The model's ``verbosity`` multiplies output tokens vs the plain answer and never changes an answer's
correctness class, so a verbose model costs more but scores the same:

- ``json``/``tools`` arguments: whitespace only (newline + indentation after ``{ [ ,`` and before ``} ]``,
  then a space after ``:`` before strings and containers); the parsed value is unchanged. JSON can grow
  at most to its fully indented form, so very high multipliers are capped there.
- ``code``: extra comment lines (``//`` or ``#``) spread through the code; the program is unchanged.
- ``text``: closing sentences appended after the answer.
- ``label``: none (a single label must stay exact).
"""

from __future__ import annotations

import json
import re
from typing import Any

from profiler.sim import tokens

TEXT_PAD = [
    "I hope this helps.",
    "Let me know if you would like more detail on any part of this.",
    "In short, the points above cover the main considerations for this case.",
    "Feel free to ask a follow-up question if anything is unclear.",
    "This approach should work well in most situations.",
    "Please double-check the details against your own requirements before relying on them.",
    "There may be edge cases worth reviewing depending on your context.",
    "Happy to expand on any of these steps if that would be useful.",
]
CODE_PAD = [
    "Validate the input before using it.",
    "Keep this logic small and easy to test.",
    "This mirrors the behaviour described in the task.",
    "Return early to keep the control flow simple.",
    "The types here document the expected shape of the data.",
    "Edge cases are handled explicitly below.",
    "Note: this runs in linear time in the size of the input.",
    "Helper values are named for readability.",
]
_WORD_RE = re.compile(r"[A-Za-z']+")
PAD_WORDS = frozenset(w.lower() for s in TEXT_PAD + CODE_PAD for w in _WORD_RE.findall(s))
_PY_RE = re.compile(r"^\s*(def |class |import |from \S+ import )", re.M)


def _json_lexemes(obj: Any, depth: int, lex: list[str], gaps: list[tuple[int, int, str]]) -> None:
    """Compact JSON lexemes of ``obj``; ``gaps`` gets (rank, after-lexeme-index, whitespace) insertion points."""
    ind = "  "
    if isinstance(obj, dict | list) and obj:
        is_dict = isinstance(obj, dict)
        lex.append("{" if is_dict else "[")
        gaps.append((0, len(lex) - 1, "\n" + ind * (depth + 1)))
        items = list(obj.items()) if is_dict else [(None, v) for v in obj]
        for i, (k, v) in enumerate(items):
            if i:
                lex.append(",")
                gaps.append((0, len(lex) - 1, "\n" + ind * (depth + 1)))
            if is_dict:
                lex.append(json.dumps(str(k), ensure_ascii=False))
                lex.append(":")
                if not isinstance(v, int | float | bool) or v is None:
                    gaps.append((1, len(lex) - 1, " "))
            _json_lexemes(v, depth + 1, lex, gaps)
        gaps.append((0, len(lex) - 1, "\n" + ind * depth))
        lex.append("}" if is_dict else "]")
    else:
        lex.append(json.dumps(obj, ensure_ascii=False))


def json_text(obj: Any, verbosity: float = 1.0) -> str:
    """``obj`` as JSON with about ``verbosity`` times the tokens of its compact form (whitespace only)."""
    lex: list[str] = []
    gaps: list[tuple[int, int, str]] = []
    _json_lexemes(obj, 0, lex, gaps)
    compact = "".join(lex)
    if verbosity <= 1.0 or not gaps:
        return compact
    target = round(tokens.count(compact) * verbosity)
    order = sorted(gaps, key=lambda g: (g[0], g[1]))

    def build(k: int) -> str:
        fill = dict.fromkeys(range(len(lex)), "")
        for _rank, at, ws in order[:k]:
            fill[at] = ws
        return "".join(x + fill[i] for i, x in enumerate(lex))

    lo, hi = 0, len(order)
    while lo < hi:  # smallest k whose token count reaches the target (count is monotonic in k)
        mid = (lo + hi) // 2
        if tokens.count(build(mid)) >= target:
            hi = mid
        else:
            lo = mid + 1
    return build(lo)


def _pad_pieces(pool: list[str], start: int, n: int) -> list[str]:
    """Sentences from ``pool`` (cycling from ``start``) worth exactly ``n`` tokens, the last one cut short."""
    out: list[str] = []
    i = start
    while n > 0:
        pieces = tokens.split(pool[i % len(pool)])
        out.append("".join(pieces[:n]))
        n -= min(n, len(pieces))
        i += 1
    return out


def verbose_text(text: str, verbosity: float, start: int) -> str:
    base = text.rstrip()
    extra = round(tokens.count(base) * (verbosity - 1.0))
    if extra <= 0:
        return text
    return base + "".join(" " + s for s in _pad_pieces(TEXT_PAD, start, extra))


def verbose_code(code: str, verbosity: float, start: int) -> str:
    extra = round(tokens.count(code) * (verbosity - 1.0))
    if extra <= 3:
        return code
    mark = "# " if _PY_RE.search(code) and "{" not in code else "// "
    lines = code.split("\n")
    fenced, in_fence, eligible = "```" in code, False, []
    for i, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if line.strip() and (in_fence or not fenced):
            eligible.append(i)
    if not eligible:
        return verbose_text(code, verbosity, start)
    # each comment line costs (sentence tokens + 3): two for the mark, one for the new newline/indent run
    budget, comments = extra, []
    i = start
    while budget > 3:
        pieces = tokens.split(CODE_PAD[i % len(CODE_PAD)])
        take = min(len(pieces), budget - 3)
        comments.append("".join(pieces[:take]))
        budget -= take + 3
        i += 1
    at: dict[int, list[str]] = {}
    for j, c in enumerate(comments):
        line_no = eligible[min(len(eligible) - 1, (j * len(eligible)) // len(comments))]
        at.setdefault(line_no, []).append(c)
    out = []
    for i, line in enumerate(lines):
        indent = line[: len(line) - len(line.lstrip())]
        out.extend(indent + mark + c for c in at.get(i, ()))
        out.append(line)
    return "\n".join(out)
