"""What every scorer shares: the result type, the build context, text helpers and the registry.

A scorer is built once per scenario scorer entry (validated then, so a typo fails before any scoring)
and then called as ``scorer.score(answer, prompt, row)`` for every captured answer of its task.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from profiler.errors import UserError

PASS, FAIL, UNSCORED = "pass", "fail", "unscored"
COMMON_KEYS = frozenset({"type", "id", "required"})


@dataclass
class ScoreResult:
    """The outcome of one (request, scorer) pair."""

    status: str  # pass | fail | unscored
    score: float | None
    reason: str
    details: dict[str, Any] = field(default_factory=dict)
    judge_usage: dict[str, Any] | None = None


def passed(reason: str = "ok", score: float = 1.0, **details: Any) -> ScoreResult:
    return ScoreResult(PASS, score, reason, details)


def failed(reason: str, score: float = 0.0, **details: Any) -> ScoreResult:
    return ScoreResult(FAIL, score, reason, details)


def unscored(reason: str, **details: Any) -> ScoreResult:
    return ScoreResult(UNSCORED, None, reason, details)


@dataclass(frozen=True)
class BuildContext:
    """Where a scorer entry came from, for paths and one-line errors."""

    scenario_file: str
    base_dir: Path
    task: str
    index: int

    @property
    def where(self) -> str:
        return f"prompt_mix.tasks.{self.task}.scorers[{self.index}]"

    def error(self, key: str | None, msg: str) -> UserError:
        path = self.where + (f".{key}" if key else "")
        return UserError(f"{self.scenario_file}: {path}: {msg}")

    def resolve(self, p: str) -> Path:
        path = Path(p).expanduser()
        return path if path.is_absolute() else (self.base_dir / path)


class Scorer:
    """Base class. Subclasses set ``kind``, ``keys`` (allowed extra keys) and implement ``score``."""

    kind: ClassVar[str] = ""
    keys: ClassVar[frozenset[str]] = frozenset()
    slow: ClassVar[bool] = False  # run in the worker pool (judge, command)

    def __init__(self, entry: dict[str, Any], ctx: BuildContext):
        sid = entry.get("id")
        if sid is not None and (not isinstance(sid, str) or not sid or sid == "task"):
            raise ctx.error("id", f"expected a non-empty string other than 'task', got {sid!r}")
        self.id: str = sid or f"{self.kind}#{ctx.index}"
        req = entry.get("required", True)
        if not isinstance(req, bool):
            raise ctx.error("required", f"expected true or false, got {req!r}")
        self.required: bool = req
        self.task = ctx.task
        self.configure(entry, ctx)

    def configure(self, entry: dict[str, Any], ctx: BuildContext) -> None:  # pragma: no cover - default
        pass

    def score(self, answer: str, prompt: Any, row: dict[str, Any]) -> ScoreResult:
        raise NotImplementedError


REGISTRY: dict[str, type[Scorer]] = {}


def register(cls: type[Scorer]) -> type[Scorer]:
    REGISTRY[cls.kind] = cls
    return cls


def suggest(word: str, options: list[str] | set[str] | frozenset[str]) -> str:
    close = difflib.get_close_matches(word, sorted(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def build_scorer(entry: Any, ctx: BuildContext) -> Scorer:
    """Validate one scorer entry and build it; UserError with a one-line message on bad config."""
    if not isinstance(entry, dict):
        raise ctx.error(None, f"expected a mapping with a 'type', got {type(entry).__name__}")
    kind = entry.get("type")
    if kind not in REGISTRY:
        raise ctx.error(
            "type",
            f"expected one of {', '.join(sorted(REGISTRY))}, got {kind!r}"
            + suggest(str(kind), set(REGISTRY)),
        )
    cls = REGISTRY[kind]
    allowed = COMMON_KEYS | cls.keys
    for key in entry:
        if key not in allowed:
            raise ctx.error(str(key), f"unknown key for a {kind} scorer" + suggest(str(key), allowed))
    return cls(entry, ctx)


# ---------------------------------------------------------------- text helpers

_WS = re.compile(r"\s+")
_FENCE_WHOLE = re.compile(r"^```[\w.+-]*[ \t]*\n(.*?)\n?```$", re.S)
_FENCE_ANY = re.compile(r"```[\w.+-]*[ \t]*\n(.*?)\n?```", re.S)


def normalize_text(s: str) -> str:
    """Unicode NFKC, case-folded, whitespace collapsed, surrounding quotes/backticks and final . ! stripped."""
    s = unicodedata.normalize("NFKC", s).casefold().strip()
    s = _WS.sub(" ", s)
    s = s.strip("\"'`“”‘’ ")
    s = s.rstrip(".!").strip()
    return s


def strip_fence(text: str) -> tuple[str, bool]:
    """If the whole answer is one fenced code block, its body; else the answer. Returns (text, fenced)."""
    m = _FENCE_WHOLE.match(text.strip())
    return (m.group(1), True) if m else (text, False)


def extract_code(text: str) -> tuple[str, bool]:
    """The first fenced code block anywhere in the answer, else the whole answer."""
    m = _FENCE_ANY.search(text)
    return (m.group(1), True) if m else (text, False)


def short(value: Any, limit: int = 80) -> str:
    """A one-line, bounded repr for reasons."""
    s = value if isinstance(value, str) else repr(value)
    s = s.replace("\n", "\\n")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def gold_text(gold: Any) -> str | None:
    """The gold answer as text (JSON for objects), or None."""
    if gold is None:
        return None
    if isinstance(gold, str):
        return gold
    import json

    return json.dumps(gold, ensure_ascii=False, sort_keys=True)
