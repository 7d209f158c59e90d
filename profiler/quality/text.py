"""Text scorers: exact, label, regex, contains, numeric."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from profiler.quality.base import (
    BuildContext,
    Scorer,
    ScoreResult,
    failed,
    normalize_text,
    passed,
    register,
    short,
    strip_fence,
    unscored,
)

_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+")


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality that keeps booleans apart from numbers (Python says ``True == 1``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def parse_number(value: Any) -> float | None:
    """A float from a number or a numeric string ("1,234.5", "$12", "12 %"); None if there is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    s = value.strip()
    try:
        return float(s)
    except ValueError:
        pass
    found = _NUMBER.findall(s)
    if not found:
        return None
    return float(found[-1].replace(",", ""))


def _bool_key(entry: dict, key: str, default: bool, ctx: BuildContext) -> bool:
    v = entry.get(key, default)
    if not isinstance(v, bool):
        raise ctx.error(key, f"expected true or false, got {v!r}")
    return v


def _number_key(entry: dict, key: str, default: float, ctx: BuildContext) -> float:
    v = entry.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or not math.isfinite(v):
        raise ctx.error(key, f"expected a number >= 0, got {v!r}")
    return float(v)


@register
class ExactScorer(Scorer):
    """Answer equals the gold: text (surrounding whitespace ignored) or, for a JSON gold, equal JSON."""

    kind = "exact"
    keys = frozenset({"normalize"})

    def configure(self, entry: dict, ctx: BuildContext) -> None:
        self.normalize = _bool_key(entry, "normalize", False, ctx)

    def score(self, answer: str, prompt: Any, row: dict) -> ScoreResult:
        gold = getattr(prompt, "gold", None)
        if gold is None:
            return unscored("no gold answer for this prompt")
        if isinstance(gold, dict | list):
            body, _ = strip_fence(answer)
            try:
                got = json.loads(body)
            except ValueError as e:
                return failed(f"not JSON: {e}")
            return passed("equal") if json_equal(got, gold) else failed("differs from gold")
        a, g = answer.strip(), str(gold).strip()
        if self.normalize:
            a, g = normalize_text(a), normalize_text(g)
        return passed("equal") if a == g else failed(f"got {short(a)}, expected {short(g)}")


@register
class LabelScorer(Scorer):
    """Classification: the normalised answer must be in the prompt's label set and equal the gold."""

    kind = "label"

    def score(self, answer: str, prompt: Any, row: dict) -> ScoreResult:
        gold = getattr(prompt, "gold", None)
        if gold is None:
            return unscored("no gold label for this prompt")
        got = normalize_text(answer)
        want = normalize_text(str(gold))
        labels = getattr(prompt, "labels", None) or []
        if labels and got not in {normalize_text(str(x)) for x in labels}:
            return failed(f"{short(got)} is not in the label set", label=got)
        if got == want:
            return passed("label matches", label=got)
        return failed(f"label {short(got)}, expected {short(want)}", label=got)


@register
class RegexScorer(Scorer):
    """``re.search(pattern, answer)``; ``flags`` is any of "imsx"; ``fullmatch: true`` anchors it."""

    kind = "regex"
    keys = frozenset({"pattern", "flags", "fullmatch"})

    def configure(self, entry: dict, ctx: BuildContext) -> None:
        pattern = entry.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise ctx.error("pattern", f"expected a regular expression string, got {pattern!r}")
        flags_s = entry.get("flags", "")
        if not isinstance(flags_s, str) or any(c not in "imsx" for c in flags_s):
            raise ctx.error("flags", f"expected letters from 'imsx', got {flags_s!r}")
        flags = 0
        for c in flags_s:
            flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[c]
        try:
            self.regex = re.compile(pattern, flags)
        except re.error as e:
            raise ctx.error(
                "pattern", f"expected a valid regular expression, got {pattern!r} ({e})"
            ) from None
        self.fullmatch = _bool_key(entry, "fullmatch", False, ctx)

    def score(self, answer: str, prompt: Any, row: dict) -> ScoreResult:
        m = self.regex.fullmatch(answer.strip()) if self.fullmatch else self.regex.search(answer)
        return passed("pattern matches") if m else failed(f"pattern {short(self.regex.pattern)} not found")


@register
class ContainsScorer(Scorer):
    """The answer contains ``text`` (case-sensitive unless ``case_sensitive: false``)."""

    kind = "contains"
    keys = frozenset({"text", "case_sensitive"})

    def configure(self, entry: dict, ctx: BuildContext) -> None:
        text = entry.get("text")
        if not isinstance(text, str) or not text:
            raise ctx.error("text", f"expected a non-empty string, got {text!r}")
        self.case_sensitive = _bool_key(entry, "case_sensitive", True, ctx)
        self.text = text

    def score(self, answer: str, prompt: Any, row: dict) -> ScoreResult:
        hay, needle = (
            (answer, self.text) if self.case_sensitive else (answer.casefold(), self.text.casefold())
        )
        return passed("text found") if needle in hay else failed(f"{short(self.text)} not found")


@register
class NumericScorer(Scorer):
    """The answer's number (the whole answer, else its last number) is within tolerance of the gold.

    ``tolerance`` is absolute (default 0); ``relative`` (default 0) adds ``relative * |gold|``.
    """

    kind = "numeric"
    keys = frozenset({"tolerance", "relative"})

    def configure(self, entry: dict, ctx: BuildContext) -> None:
        self.tolerance = _number_key(entry, "tolerance", 0.0, ctx)
        self.relative = _number_key(entry, "relative", 0.0, ctx)

    def score(self, answer: str, prompt: Any, row: dict) -> ScoreResult:
        gold = parse_number(getattr(prompt, "gold", None))
        if gold is None:
            return unscored("no numeric gold answer for this prompt")
        got = parse_number(answer)
        if got is None:
            return failed(f"no number in answer {short(answer, 40)}")
        tol = self.tolerance + self.relative * abs(gold)
        diff = abs(got - gold)
        if diff <= tol + 1e-12:
            return passed(f"{got:g} within {tol:g} of {gold:g}", value=got)
        return failed(f"{got:g} differs from {gold:g} by {diff:g} (tolerance {tol:g})", value=got)
