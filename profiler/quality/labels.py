"""The human-labels file (``judge.labels``): one ``{task, prompt_id, answer, verdict, note}`` per line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from profiler.errors import UserError


@dataclass(frozen=True)
class LabelRow:
    task: str
    prompt_id: str
    prompt: Any
    answer: str
    human_pass: bool
    note: str = ""
    line: int = 0


def load_labels(path: str | Path, prompts: dict[str, Any]) -> list[LabelRow]:
    """Read and check the labels file; UserError ``FILE:LINE: key: expected ..., got ...``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: labels file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: expected a readable UTF-8 JSONL file, got {e}") from None
    rows: list[LabelRow] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except ValueError:
            raise UserError(f"{where}: not valid JSON: {line[:60]!r}") from None
        if not isinstance(obj, dict):
            raise UserError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        pid = obj.get("prompt_id")
        if not isinstance(pid, str) or "/" not in pid:
            raise UserError(f"{where}: prompt_id: expected 'TASK/ID', got {pid!r}")
        task = obj.get("task", pid.split("/", 1)[0])
        if task != pid.split("/", 1)[0]:
            raise UserError(
                f"{where}: task: expected {pid.split('/', 1)[0]!r} (from prompt_id), got {task!r}"
            )
        answer = obj.get("answer")
        if not isinstance(answer, str):
            raise UserError(f"{where}: answer: expected a string, got {type(answer).__name__}")
        verdict = obj.get("verdict")
        if verdict not in ("pass", "fail"):
            raise UserError(f"{where}: verdict: expected 'pass' or 'fail', got {verdict!r}")
        prompt = prompts.get(pid)
        if prompt is None:
            raise UserError(f"{where}: prompt_id: expected a prompt of the scenario's datasets, got {pid!r}")
        rows.append(
            LabelRow(task, pid, prompt, answer, verdict == "pass", str(obj.get("note") or ""), lineno)
        )
    return rows
