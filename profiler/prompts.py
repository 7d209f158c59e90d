"""Prompt datasets, the weighted prompt mix and the OpenAI request body.

``PromptMix.at(i)`` is the i-th prompt of the replay sequence: a pure function of (scenario seed, i), so
every model, every Locust user and every worker process replays the same sequence without talking to
each other. The sequence is built from fixed-size blocks:

- a block holds each task a fixed number of times, proportional to its weight (largest remainder), so
  the realised mix matches the weights exactly over every block, not just on average;
- ``order: shuffled``: each block's order is shuffled with a generator seeded from (seed, block number),
  and within a task the prompts are taken from a seeded permutation per cycle, so every prompt is used
  once before any repeats; ``order: sequential``: blocks interleave tasks by smooth weighted round robin
  and prompts come in file order.

A block is built at once with numpy (task and prompt index for each of its positions) and cached, so
``at(i)`` is two array lookups; sequential access builds each block once (O(1) amortised).

Seeds are derived with SHA-256 (never Python's salted ``hash()``) and numpy's PCG64, so sequences are
identical across processes, platforms and runs. Blocks and permutations are cached, so ``at(i)`` for
consecutive ``i`` is O(1) amortised.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from profiler.errors import UserError
from profiler.response_format import check_response_format, openai_response_format
from profiler.scenario_schema import INVALID, Context, check_value, show, unknown_key

BLOCK = 1000  # task slots per block: weights are honoured exactly at a resolution of 1/BLOCK
_ROLES = ("system", "developer", "user", "assistant", "tool")
_RECORD_KEYS = (
    "id", "messages", "tools", "tool_choice", "response_format", "max_tokens", "temperature", "gold",
    "gold_tool_calls", "distractors", "labels", "meta",
)  # fmt: skip
MAX_PROBLEMS_PER_FILE = 20


@dataclass(frozen=True)
class Prompt:
    """One dataset record with the task defaults applied. ``response_format`` is in OpenAI's form."""

    task: str
    id: str
    prompt_id: str
    messages: list[dict]
    tools: list[dict] | None = None
    tool_choice: str | dict | None = None
    response_format: dict | None = None
    max_tokens: int = 1024
    temperature: float = 0.0
    gold: Any = None
    gold_tool_calls: list[dict] | None = None
    distractors: list = field(default_factory=list)
    labels: list[str] | None = None
    meta: dict = field(default_factory=dict)
    line: int = field(default=0, compare=False, repr=False)  # line in the dataset file


# ----------------------------------------------------------------------------------------- datasets


def display_path(path: Path) -> str:
    """A path as short as is unambiguous: relative to the working folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _check_messages(value: Any, ctx: Context) -> Any:
    if not isinstance(value, list) or not value:
        ctx.expected("messages", "a non-empty list of {role, content} mappings", value)
        return INVALID
    ok = True
    for i, m in enumerate(value):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            ctx.expected(where, "a mapping {role, content}", m)
            ok = False
            continue
        if m.get("role") not in _ROLES:
            check_value(m.get("role"), str, {"choices": _ROLES}, f"{where}.role", ctx)  # records the error
            ok = False
        content = m.get("content")
        tool_call_turn = m.get("role") == "assistant" and bool(m.get("tool_calls"))
        if not isinstance(content, (str, list)) and not (content is None and tool_call_turn):
            ctx.expected(f"{where}.content", "a string or a list of content parts", content)
            ok = False
    return value if ok else INVALID


def _check_tools(value: Any, ctx: Context) -> Any:
    if not isinstance(value, list):
        ctx.expected("tools", "a list of {type: function, function: {name, parameters}}", value)
        return INVALID
    for i, tool in enumerate(value):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(fn, dict):
            ctx.expected(f"tools[{i}]", "a mapping {type: function, function: {name, parameters}}", tool)
            return INVALID
        if not isinstance(fn.get("name"), str) or not fn["name"]:
            ctx.expected(f"tools[{i}].function.name", "a string", fn.get("name"))
            return INVALID
    return value


def _check_gold_tool_calls(value: Any, ctx: Context) -> Any:
    if not isinstance(value, list):
        ctx.expected("gold_tool_calls", "a list of {name, arguments}", value)
        return INVALID
    for i, call in enumerate(value):
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            ctx.expected(f"gold_tool_calls[{i}]", "a mapping {name, arguments}", call)
            return INVALID
        args = call.get("arguments", {})
        if not isinstance(args, (dict, str)):
            ctx.expected(f"gold_tool_calls[{i}].arguments", "a mapping or a JSON string", args)
            return INVALID
    return value


def _parse_record(raw: dict, task_key: str, task: Any, line: int, ctx: Context) -> Prompt | None:
    ok = True
    for key in raw:
        if key not in _RECORD_KEYS:
            unknown_key(ctx, "", key, list(_RECORD_KEYS))
            ok = False
    rid = raw.get("id")
    if isinstance(rid, int) and not isinstance(rid, bool):
        rid = str(rid)
    if not isinstance(rid, str) or not rid.strip() or "\n" in rid:
        ctx.expected("id", "a non-empty string", raw.get("id"))
        ok = False
    messages = _check_messages(raw.get("messages"), ctx)
    tools = _check_tools(raw["tools"], ctx) if raw.get("tools") is not None else None
    tool_choice = raw.get("tool_choice")
    if tool_choice is not None and not (
        isinstance(tool_choice, dict) or tool_choice in ("auto", "none", "required")
    ):
        ctx.expected("tool_choice", "auto, none, required or a mapping", tool_choice)
        ok = False
    if raw.get("response_format") is not None:
        rf = check_response_format(raw["response_format"], "response_format", ctx)
    else:
        rf = task.response_format
    max_tokens = task.max_tokens
    if raw.get("max_tokens") is not None:
        max_tokens = check_value(raw["max_tokens"], int, {"ge": 1}, "max_tokens", ctx)
    temperature = task.temperature
    if raw.get("temperature") is not None:
        temperature = check_value(raw["temperature"], float, {"ge": 0, "le": 2}, "temperature", ctx)
    gold_calls = raw.get("gold_tool_calls")
    if gold_calls is not None:
        gold_calls = _check_gold_tool_calls(gold_calls, ctx)
    distractors = raw.get("distractors")
    distractors = [] if distractors is None else check_value(distractors, list, {}, "distractors", ctx)
    labels = raw.get("labels")
    if labels is not None:
        labels = check_value(labels, list[str], {}, "labels", ctx)
    meta = raw.get("meta")
    meta = {} if meta is None else check_value(meta, dict, {}, "meta", ctx)
    parts = (messages, tools, rf, max_tokens, temperature, gold_calls, distractors, labels, meta)
    if not ok or any(p is INVALID for p in parts):
        return None
    return Prompt(
        task=task_key,
        id=rid,
        prompt_id=f"{task_key}/{rid}",
        messages=messages,
        tools=tools,
        tool_choice=tool_choice,
        response_format=openai_response_format(rf),
        max_tokens=max_tokens,
        temperature=temperature,
        gold=raw.get("gold"),
        gold_tool_calls=gold_calls,
        distractors=distractors,
        labels=labels,
        meta=meta,
        line=line,
    )


def read_dataset(path: Path, task_key: str, task: Any) -> tuple[list[Prompt], list[str]]:
    """Parse one JSONL dataset: (prompts, problems as ``FILE:LINE: key: expected ..., got ...``)."""
    shown = display_path(path)
    prompts: list[Prompt] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    try:
        handle = path.open(encoding="utf-8")
    except OSError as err:
        return [], [f"{shown}: expected a readable dataset file, got {err.strerror or err}"]
    with handle:
        try:
            for n, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    raw = json.loads(text)
                except json.JSONDecodeError as err:
                    problems.append(
                        f"{shown}:{n}: expected one JSON object per line, got invalid JSON ({err.msg})"
                    )
                    continue
                if not isinstance(raw, dict):
                    problems.append(f"{shown}:{n}: expected a JSON object, got {show(raw)}")
                    continue
                ctx = Context(base_dir=path.parent)
                prompt = _parse_record(raw, task_key, task, n, ctx)
                problems.extend(f"{shown}:{n}: {where}: {msg}" for where, msg in ctx.errors)
                if prompt is None:
                    continue
                if prompt.id in first_line:
                    problems.append(
                        f"{shown}:{n}: id: expected a unique id, got {show(prompt.id)} again "
                        f"(first on line {first_line[prompt.id]})"
                    )
                    continue
                first_line[prompt.id] = n
                prompts.append(prompt)
        except UnicodeDecodeError as err:
            problems.append(f"{shown}: expected UTF-8 text, got undecodable bytes ({err.reason})")
    if not prompts and not problems:
        problems.append(
            f"{shown}: expected at least one prompt (one JSON object per line), got an empty file"
        )
    return prompts, problems


def read_all(sc: Any) -> tuple[dict[str, list[Prompt]], list[str]]:
    """Every task's prompts and every problem found in the datasets (at most 20 lines per file)."""
    out: dict[str, list[Prompt]] = {}
    problems: list[str] = []
    for key, task in sc.prompt_mix.tasks.items():
        prompts, found = read_dataset(task.dataset, key, task)
        out[key] = prompts
        if len(found) > MAX_PROBLEMS_PER_FILE:
            more = len(found) - MAX_PROBLEMS_PER_FILE
            found = found[:MAX_PROBLEMS_PER_FILE] + [
                f"{display_path(task.dataset)}: ... and {more} more problem(s) in this file"
            ]
        problems.extend(found)
    return out, problems


def load_prompts(sc: Any) -> dict[str, list[Prompt]]:
    """Every task's prompts (task -> prompts in file order); UserError with the first dataset problem."""
    prompts, problems = read_all(sc)
    if problems:
        raise UserError(problems[0])
    return prompts


def dataset_problems(sc: Any) -> list[str]:
    """Every problem in the scenario's datasets (for ``swapbench validate``)."""
    return read_all(sc)[1]


# ------------------------------------------------------------------------------------------ the mix


def _rng(seed: int, *parts: object) -> np.random.Generator:
    digest = hashlib.sha256("\x1f".join(map(str, (seed, *parts))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def _block_counts(weights: list[float], size: int) -> list[int]:
    """Slots per task in a block: proportional to weight (largest remainder), at least 1 each."""
    total = sum(weights)
    exact = [w / total * size for w in weights]
    counts = [max(1, int(x)) for x in exact]
    order = sorted(range(len(weights)), key=lambda t: (exact[t] - int(exact[t]), weights[t]), reverse=True)
    i = 0
    while sum(counts) < size:
        counts[order[i % len(order)]] += 1
        i += 1
    return counts


def _smooth_round_robin(counts: list[int]) -> np.ndarray:
    """nginx-style smooth weighted round robin: tasks spread evenly through the block."""
    total = sum(counts)
    current = [0] * len(counts)
    out = np.empty(total, dtype=np.int32)
    for pos in range(total):
        for t, c in enumerate(counts):
            current[t] += c
        best = max(range(len(counts)), key=lambda t: current[t])
        current[best] -= total
        out[pos] = best
    return out


class PromptMix:
    """The replay sequence: ``at(i)`` is a pure function of (scenario seed, i), the same in every process."""

    def __init__(self, sc: Any, prompts: dict[str, list[Prompt]] | None = None) -> None:
        self.seed = int(sc.seed)
        self.shuffled = sc.prompt_mix.order == "shuffled"
        self.prompts = prompts if prompts is not None else load_prompts(sc)
        self.tasks = [t for t in sc.prompt_mix.tasks if self.prompts.get(t)]
        if not self.tasks:
            raise UserError(f"{sc.path}: prompt_mix.tasks: expected at least one task with prompts, got none")
        raw = [sc.prompt_mix.tasks[t].weight for t in self.tasks]
        self.weights = {t: w / sum(raw) for t, w in zip(self.tasks, raw, strict=True)}
        self.counts = _block_counts(raw, max(BLOCK, len(self.tasks)))
        self.block_size = sum(self.counts)  # more than BLOCK only when many tiny weights get their 1 slot
        self._lists = [self.prompts[t] for t in self.tasks]
        self._base = np.repeat(np.arange(len(self.tasks), dtype=np.int32), self.counts)
        if not self.shuffled:
            self._base = _smooth_round_robin(self.counts)
        self._by_id = {p.prompt_id: p for plist in self._lists for p in plist}
        self._lock = threading.Lock()
        self._blocks: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._perms: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()

    def __len__(self) -> int:
        """Distinct prompts in the mix."""
        return len(self._by_id)

    def _block(self, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Block b: the task index and the prompt index (within the task) at each of its positions."""
        hit = self._blocks.get(b)
        if hit is not None:
            return hit
        with self._lock:  # building is pure; the lock only keeps the caches consistent across threads
            hit = self._blocks.get(b)
            return hit if hit is not None else self._build_block(b)

    def _build_block(self, b: int) -> tuple[np.ndarray, np.ndarray]:
        order = _rng(self.seed, "block", b).permutation(self._base) if self.shuffled else self._base
        picks = np.empty(len(order), dtype=np.int64)
        for t, n_t in enumerate(self.counts):
            positions = np.flatnonzero(order == t)  # in order, so slot r is the task's r-th in the block
            k = b * n_t + np.arange(n_t, dtype=np.int64)  # occurrences of task t before each slot
            size = len(self._lists[t])
            cycles, j = np.divmod(k, size)
            if not self.shuffled or size == 1:
                picks[positions] = j
                continue
            for cycle in np.unique(cycles).tolist():
                sel = cycles == cycle
                picks[positions[sel]] = self._perm(t, cycle)[j[sel]]
        self._blocks[b] = (order, picks)
        if len(self._blocks) > 32:
            self._blocks.popitem(last=False)
        return order, picks

    def _perm(self, t: int, cycle: int) -> np.ndarray:
        """The order of task t's prompts in its cycle-th pass (a cycle may straddle two blocks).

        Small datasets go through many cycles per block, so permutations are drawn in groups of
        ``group = ceil(1024 / size)`` cycles from one generator seeded from (seed, task, group number)."""
        size = len(self._lists[t])
        group = -(-1024 // size)
        key = (t, cycle // group)
        hit = self._perms.get(key)
        if hit is None:
            rng = _rng(self.seed, "task", self.tasks[t], cycle // group)
            hit = rng.permuted(np.tile(np.arange(size, dtype=np.int64), (group, 1)), axis=1)
            self._perms[key] = hit
            if len(self._perms) > 4 * len(self.tasks) + 8:
                self._perms.popitem(last=False)
        return hit[cycle % group]

    def at(self, i: int) -> Prompt:
        """The i-th prompt (i >= 0) of the replay sequence."""
        if i < 0:
            raise ValueError(f"PromptMix.at: expected i >= 0, got {i}")
        b, pos = divmod(i, self.block_size)
        order, picks = self._block(b)
        return self._lists[order[pos]][picks[pos]]

    def by_id(self, prompt_id: str) -> Prompt:
        """The prompt whose ``prompt_id`` is ``TASK/ID`` (KeyError if unknown)."""
        try:
            return self._by_id[prompt_id]
        except KeyError:
            raise KeyError(f"unknown prompt_id {prompt_id!r}") from None

    def sequence(self, n: int, start: int = 0) -> list[Prompt]:
        """``[at(start), ..., at(start + n - 1)]``."""
        return [self.at(i) for i in range(start, start + n)]


# ------------------------------------------------------------------------------------ request body


def request_body(prompt: Prompt, model: Any, *, stream: bool = True) -> dict:
    """The OpenAI chat-completions body for ``prompt`` sent to ``model`` (a ModelSpec).

    ``model.params`` is merged last; a param set to null removes that field (e.g. ``temperature: null``
    for models that reject it).
    """
    body: dict[str, Any] = {"model": model.model, "messages": list(prompt.messages)}
    if prompt.tools is not None:
        body["tools"] = prompt.tools
    if prompt.tool_choice is not None:
        body["tool_choice"] = prompt.tool_choice
    if prompt.response_format is not None:
        body["response_format"] = prompt.response_format
    body["max_tokens"] = prompt.max_tokens
    body["temperature"] = prompt.temperature
    body["stream"] = stream
    if stream:
        body["stream_options"] = {"include_usage": True}
    for key, value in model.params.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def message_key(messages: list[dict]) -> str:
    """sha256 hex of the canonical JSON of ``messages`` (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(messages, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


__all__ = [
    "Prompt", "PromptMix", "check_response_format", "dataset_problems", "load_prompts", "message_key",
    "openai_response_format", "read_all", "read_dataset", "request_body",
]  # fmt: skip
