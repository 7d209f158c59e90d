"""The simulator's index of the scenario's prompts and human judge labels.

Lookups: by ``prompt_id`` (header ``x-swapbench-prompt-id``), by ``message_key(messages)`` (body), and by
the judge's rendering of the messages (``judge_format.render_prompt``) for judge calls. Human labels map
(prompt text, answer) to a verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from profiler.errors import UserError
from profiler.judge_format import render_prompt


def norm_ws(text: str) -> str:
    return " ".join(text.split())


class Catalog:
    def __init__(self, prompts: list[Any], labels: list[dict] | None = None) -> None:
        from profiler.prompts import message_key

        self.by_id: dict[str, Any] = {}
        self.by_key: dict[str, Any] = {}
        self.by_text: dict[str, Any] = {}
        for p in prompts:
            self.by_id[p.prompt_id] = p
            self.by_key.setdefault(message_key(list(p.messages)), p)
            self.by_text.setdefault(norm_ws(render_prompt(list(p.messages))), p)
        self.labels: dict[tuple[str, str], bool] = {}
        for row in labels or []:
            p = self.by_id.get(str(row.get("prompt_id", "")))
            if p is None or row.get("verdict") not in ("pass", "fail"):
                continue
            text = norm_ws(render_prompt(list(p.messages)))
            self.labels[(text, norm_ws(str(row.get("answer", ""))))] = row["verdict"] == "pass"

    @classmethod
    def from_scenario(cls, sc: Any) -> Catalog:
        from profiler.prompts import load_prompts

        prompts = [p for ps in load_prompts(sc).values() for p in ps]
        judge = getattr(sc, "judge", None)
        labels_path = getattr(judge, "labels", None) if judge is not None else None
        return cls(prompts, read_labels(Path(labels_path)) if labels_path else [])

    def find(self, prompt_id: str | None, messages: list) -> Any:
        if prompt_id:
            p = self.by_id.get(prompt_id)
            if p is not None:
                return p
        from profiler.prompts import message_key

        try:
            return self.by_key.get(message_key(messages))
        except (TypeError, ValueError):
            return None


def read_labels(path: Path) -> list[dict]:
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        row = json.loads(line)
                    except ValueError as err:
                        raise UserError(
                            f"{path}:{n}: expected a JSON object, got invalid JSON ({err.msg})"
                        ) from None
                    if isinstance(row, dict):
                        rows.append(row)
    except OSError as err:
        raise UserError(f"{path}: expected a readable labels file, got {err.strerror}") from None
    return rows
