"""The tool-call scorer: expected tool names and arguments vs the captured ``tool_calls``."""

from __future__ import annotations

import json
from typing import Any

from profiler.quality.base import BuildContext, Scorer, ScoreResult, failed, passed, register, short, unscored
from profiler.quality.text import json_equal


def _subset(want: Any, got: Any) -> bool:
    """Every key of ``want`` is in ``got`` with an equal value (recursively for objects)."""
    if isinstance(want, dict) and isinstance(got, dict):
        return all(k in got and _subset(v, got[k]) for k, v in want.items())
    return json_equal(want, got)


@register
class ToolCallScorer(Scorer):
    """Compare ``row.tool_calls`` with ``prompt.gold_tool_calls``.

    ``order: strict`` (default) wants the same calls in the same order; ``any`` matches each expected call
    to a distinct captured one. ``arguments: exact`` (default) or ``subset`` (captured may add keys).
    ``allow_extra: true`` tolerates captured calls beyond the expected ones.
    """

    kind = "tool_call"
    keys = frozenset({"order", "arguments", "allow_extra"})

    def configure(self, entry: dict, ctx: BuildContext) -> None:
        self.order = entry.get("order", "strict")
        if self.order not in ("strict", "any"):
            raise ctx.error("order", f"expected strict or any, got {self.order!r}")
        self.args_mode = entry.get("arguments", "exact")
        if self.args_mode not in ("exact", "subset"):
            raise ctx.error("arguments", f"expected exact or subset, got {self.args_mode!r}")
        self.allow_extra = entry.get("allow_extra", False)
        if not isinstance(self.allow_extra, bool):
            raise ctx.error("allow_extra", f"expected true or false, got {self.allow_extra!r}")

    def _same(self, want: dict, got: dict) -> bool:
        if want.get("name") != got["name"]:
            return False
        wargs = want.get("arguments") or {}
        if isinstance(wargs, str):
            try:
                wargs = json.loads(wargs)
            except ValueError:
                return False
        if self.args_mode == "subset":
            return _subset(wargs, got["arguments"])
        return json_equal(wargs, got["arguments"])

    def score(self, answer: str, prompt: Any, row: dict) -> ScoreResult:
        expected = getattr(prompt, "gold_tool_calls", None)
        if not expected:
            return unscored("no gold_tool_calls for this prompt")
        raw = row.get("tool_calls") or []
        if not raw:
            return failed(f"no tool calls (answer {short(answer, 40)})", expected=len(expected), got=0)
        calls = []
        for i, c in enumerate(raw):
            args = c.get("arguments")
            if isinstance(args, str):
                try:
                    args = json.loads(args) if args.strip() else {}
                except ValueError:
                    return failed(f"arguments of call {i} ({c.get('name')}) are not JSON: {short(args, 40)}")
            calls.append({"name": c.get("name"), "arguments": args if args is not None else {}})
        names = [c["name"] for c in calls]
        details = {"expected": [w.get("name") for w in expected], "got": names}
        if len(calls) < len(expected) or (len(calls) > len(expected) and not self.allow_extra):
            return failed(f"expected {len(expected)} call(s), got {len(calls)}: {short(names)}", **details)
        if self.order == "strict":
            for i, want in enumerate(expected):
                if not self._same(want, calls[i]):
                    return failed(
                        f"call {i}: expected {want.get('name')}, got {calls[i]['name']} "
                        f"{short(json.dumps(calls[i]['arguments']), 60)}",
                        **details,
                    )
            return passed(f"{len(expected)} call(s) match in order", **details)
        free = list(range(len(calls)))
        for want in expected:
            hit = next((j for j in free if self._same(want, calls[j])), None)
            if hit is None:
                return failed(f"no matching call for {want.get('name')}", **details)
            free.remove(hit)
        return passed(f"{len(expected)} call(s) match", **details)
