"""A small declarative checker that turns parsed YAML into frozen dataclasses, collecting human errors.

`profiler/scenario.py` declares the scenario as dataclasses whose fields carry their constraints
(``opt(350.0, gt=0)``); :func:`build` walks the parsed YAML against them. Every problem becomes one line
``KEY.PATH: expected WHAT, got VALUE`` so the user sees the key, the rule and the offending value, and the
checker keeps going so that ``swapbench validate`` can list every problem at once.

The rule text comes from one place (:func:`describe`), so a missing value, a wrong type and a value out of
range all say the same "expected ..." for a given key.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import math
import os
import re
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from profiler.errors import UserError

NAME_PATTERN = "[A-Za-z0-9_.-]+"
NAME_RE = re.compile(r"[A-Za-z0-9_.-]+")


class _Invalid:
    """Marker for a value that failed its checks (the error is already recorded)."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "<invalid>"


INVALID: Any = _Invalid()


def opt(
    default: Any = dataclasses.MISSING,
    *,
    factory: Callable[[], Any] | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    prob: bool = False,
    choices: tuple[str, ...] | None = None,
    pattern: bool = False,
    exists: str | None = None,
    min_items: int | None = None,
    item_ge: float | None = None,
    item_le: float | None = None,
    internal: bool = False,
) -> Any:
    """A dataclass field with its validation rules.

    ``prob``: a probability in [0, 1]. ``pattern``: a name matching ``[A-Za-z0-9_.-]+`` (for strings, and
    for the keys of ``dict[str, X]`` fields). ``exists``: "file" for paths that must exist. ``internal``:
    not a YAML key (filled by the loader, left out of the manifest).
    """
    meta = {
        "ge": 0.0 if prob else ge,
        "gt": gt,
        "le": 1.0 if prob else le,
        "prob": prob,
        "choices": choices,
        "pattern": pattern,
        "exists": exists,
        "min_items": min_items,
        "item_ge": item_ge,
        "item_le": item_le,
        "internal": internal,
    }
    kw: dict[str, Any] = {"metadata": meta}
    if factory is not None:
        kw["default_factory"] = factory
    elif default is not dataclasses.MISSING:
        kw["default"] = default
    if internal:
        kw.update(repr=False, compare=False)
    return dataclasses.field(**kw)


@dataclasses.dataclass
class Context:
    """Where we are: the scenario folder (for relative paths) and the errors found so far."""

    base_dir: Path
    source: str = ""  # the file as the user named it, for messages raised later (e.g. a missing env var)
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def expected(self, path: str, what: str, value: Any) -> None:
        self.error(path, f"expected {what}, got {show(value)}")


# --------------------------------------------------------------------------------------------- text


def show(value: Any) -> str:
    """A value as the user wrote it in YAML (short)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true (a boolean)" if value else "false (a boolean)"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return type(value).__name__


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def describe(tp: Any, meta: dict | None = None) -> str:
    """What a field accepts, in words: ``a number >= 0``, ``a probability in [0, 1]``, ``one of a, b``."""
    meta = meta or {}
    tp, optional = _strip_optional(tp)
    if meta.get("choices"):
        text = "one of " + ", ".join(meta["choices"])
    elif meta.get("prob"):
        text = "a probability in [0, 1]"
    elif meta.get("pattern") and tp is str:
        text = f"a name matching {NAME_PATTERN}"
    else:
        origin = typing.get_origin(tp)
        if tp is bool:
            text = "true or false"
        elif tp is int:
            text = "an integer"
        elif tp is float:
            text = "a number"
        elif tp is str:
            text = "a string"
        elif tp is Path:
            text = "an existing file" if meta.get("exists") else "a file path"
        elif origin is list or tp is list:
            text = "a list"
            if meta.get("min_items"):
                text = f"a list of at least {meta['min_items']} item" + ("s" if meta["min_items"] > 1 else "")
        elif dataclasses.is_dataclass(tp) or origin is dict or tp is dict:
            text = "a mapping"
            if origin is dict and meta.get("min_items"):
                text = "a mapping with at least one entry"
        else:  # pragma: no cover - a schema declaration error
            text = str(tp)
        bounds = []
        if meta.get("gt") is not None:
            bounds.append(f"> {_num(meta['gt'])}")
        if meta.get("ge") is not None:
            bounds.append(f">= {_num(meta['ge'])}")
        if meta.get("le") is not None:
            bounds.append(f"<= {_num(meta['le'])}")
        if bounds and tp in (int, float):
            text += " " + " and ".join(bounds)
    if optional:
        text += " or null"
    return text


def unknown_key(ctx: Context, path: str, key: Any, known: list[str]) -> None:
    """``path.key: unknown key, did you mean 'x'?`` (or the list of keys allowed there)."""
    where = f"{path}.{key}" if path else str(key)
    close = suggest(str(key), known)
    if close:
        ctx.error(where, f"unknown key, did you mean '{close}'?")
    else:
        ctx.error(where, "unknown key, expected one of: " + ", ".join(known))


def suggest(word: str, options: typing.Iterable[str]) -> str | None:
    """The option the user probably meant: difflib's closest (case-insensitive), else a unique prefix match."""
    lowered = {o.lower(): o for o in options}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    if close:
        return lowered[close[0]]
    prefixed = [o for low, o in lowered.items() if word and low.startswith(word.lower())]
    return prefixed[0] if len(prefixed) == 1 else None


def join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


# ---------------------------------------------------------------------------------------- checking


@functools.cache
def field_rules(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    """The YAML keys of a dataclass with their resolved types (internal fields left out)."""
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in dataclasses.fields(cls) if not f.metadata.get("internal")]


def check_value(value: Any, tp: Any, meta: dict, path: str, ctx: Context) -> Any:
    """Convert and check one value against its declared type and rules; INVALID after recording an error."""
    inner, optional = _strip_optional(tp)
    if value is None:
        if optional:
            return None
        ctx.expected(path, describe(tp, meta), value)
        return INVALID
    tp = inner
    origin = typing.get_origin(tp)

    if tp is bool:
        if not isinstance(value, bool):
            ctx.expected(path, describe(tp, meta), value)
            return INVALID
        return value
    if tp in (int, float):
        ok = isinstance(value, int) and not isinstance(value, bool)
        if tp is float:
            ok = ok or (isinstance(value, float) and math.isfinite(value))
        if not ok:
            ctx.expected(path, describe(tp, meta), value)
            return INVALID
        lo, lo_open, hi = meta.get("ge"), meta.get("gt"), meta.get("le")
        if (
            (lo is not None and value < lo)
            or (lo_open is not None and value <= lo_open)
            or (hi is not None and value > hi)
        ):
            ctx.expected(path, describe(tp, meta), value)
            return INVALID
        return float(value) if tp is float else value
    if tp is str:
        if not isinstance(value, str):
            ctx.expected(path, describe(tp, meta), value)
            return INVALID
        if meta.get("choices") and value not in meta["choices"]:
            close = suggest(value, meta["choices"])
            hint = f" (did you mean '{close}'?)" if close else ""
            ctx.expected(path, describe(tp, meta), value)
            if hint:
                p, m = ctx.errors[-1]
                ctx.errors[-1] = (p, m + hint)
            return INVALID
        if meta.get("pattern") and not NAME_RE.fullmatch(value):
            ctx.expected(path, describe(tp, meta), value)
            return INVALID
        return value
    if tp is Path:
        if not isinstance(value, str) or not value.strip():
            ctx.expected(path, describe(tp, meta), value)
            return INVALID
        resolved = Path(os.path.normpath(ctx.base_dir / os.path.expanduser(value)))
        if meta.get("exists") == "file" and not resolved.is_file():
            reason = "a folder" if resolved.is_dir() else "not found"
            ctx.error(path, f"expected an existing file, got {show(value)} ({reason}: {resolved})")
            return INVALID
        return resolved
    if dataclasses.is_dataclass(tp):
        return build(tp, value, path, ctx)
    if tp is dict or origin is dict:
        if not isinstance(value, dict):
            ctx.expected(path, describe(tp, meta), value)
            return INVALID
        if meta.get("min_items") and len(value) < meta["min_items"]:
            ctx.expected(path, describe(tp, meta), value)
            return INVALID
        if tp is dict:
            bad = [k for k in value if not isinstance(k, str)]
            for k in bad:
                ctx.expected(join(path, k), "a string key (quote it)", k)
            return INVALID if bad else dict(value)
        _key_tp, val_tp = typing.get_args(tp)
        out: dict[str, Any] = {}
        ok = True
        val_meta = {"ge": meta.get("item_ge"), "le": meta.get("item_le")}
        for k, v in value.items():
            if not isinstance(k, str):
                ctx.expected(path, f"key names matching {NAME_PATTERN} (quote them)", k)
                ok = False
                continue
            if meta.get("pattern") and not NAME_RE.fullmatch(k):
                ctx.expected(path, f"key names matching {NAME_PATTERN}", k)
                ok = False
                continue
            checked = check_value(v, val_tp, val_meta, join(path, k), ctx)
            if checked is INVALID:
                ok = False
            out[k] = checked
        return out if ok else INVALID
    if tp is list or origin is list:
        if not isinstance(value, list):
            ctx.expected(path, describe(tp, meta), value)
            return INVALID
        if meta.get("min_items") and len(value) < meta["min_items"]:
            ctx.expected(path, describe(tp, meta), value)
            return INVALID
        args = typing.get_args(tp)
        if not args:
            return list(value)
        item_meta = {"ge": meta.get("item_ge"), "le": meta.get("item_le")}
        items = [check_value(v, args[0], item_meta, f"{path}[{i}]", ctx) for i, v in enumerate(value)]
        return INVALID if any(i is INVALID for i in items) else items
    raise TypeError(f"unsupported schema type {tp!r} at {path}")  # pragma: no cover


def build(cls: type, data: Any, path: str, ctx: Context, /, **internal: Any) -> Any:
    """Check a YAML mapping against dataclass ``cls`` and build it (INVALID if any problem was found).

    Problems are reported in file order (keys present, then required keys missing). A class may define
    ``_check(values, path, ctx, raw)`` (a staticmethod) for rules that involve several keys and for
    defaults that depend on other keys; it edits ``values`` in place (``raw`` is the YAML mapping).
    """
    if not isinstance(data, dict):
        ctx.expected(path or "(top level)", "a mapping", data)
        return INVALID
    rules = {f.name: (f, tp) for f, tp in field_rules(cls)}
    known = list(rules)
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in rules:
            unknown_key(ctx, path, key, known)
            continue
        f, tp = rules[key]
        values[key] = check_value(value, tp, dict(f.metadata), join(path, key), ctx)
    # e.g. wrong_mix: {wrong: 1.0} means "always wrong", not "wrong plus the default others"
    missing_is_zero = bool(data) and getattr(cls, "_missing_is_zero", False)
    for name, (f, tp) in rules.items():
        if name in data:
            continue
        where = join(path, name)
        if missing_is_zero:
            values[name] = 0.0
        elif f.default is not dataclasses.MISSING:
            values[name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            inner, _ = _strip_optional(tp)
            if dataclasses.is_dataclass(inner):  # build nested defaults through the checker too
                values[name] = build(inner, {}, where, ctx)
            else:
                values[name] = f.default_factory()
        else:
            ctx.error(where, f"expected {describe(tp, dict(f.metadata))}, got nothing (required)")
            values[name] = INVALID
    check = getattr(cls, "_check", None)
    if check is not None:
        check(values, path, ctx, data)
    if any(v is INVALID for v in values.values()) or any(k not in rules for k in data):
        return INVALID
    return cls(**values, **internal)


def to_plain(obj: Any) -> Any:
    """Dataclasses -> JSON-able data (Paths as strings, internal fields left out)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: to_plain(getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if not f.metadata.get("internal")
        }
    if isinstance(obj, dict):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


# ---------------------------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (str, int, float, bool)) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}' (first on line {seen[key] + 1})", key_node.start_mark
            )
        if isinstance(key, (str, int, float, bool)):
            seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path, shown: str) -> Any:
    """Parse a YAML file; UserError ``FILE:LINE: YAML syntax error: ...`` (also for duplicate keys)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{shown}: expected a scenario file, got nothing at that path") from None
    except IsADirectoryError:
        raise UserError(f"{shown}: expected a scenario file, got a folder") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"{shown}: expected a readable UTF-8 file, got {err}") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = " ".join(str(err.problem or err.context or "invalid YAML").split())
        if err.problem and err.context:
            started = err.context_mark
            where = (
                f" started on line {started.line + 1}" if started is not None and started is not mark else ""
            )
            problem += f" ({err.context}{where})"
        raise UserError(f"{shown}{line}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as err:
        raise UserError(f"{shown}: YAML syntax error: {' '.join(str(err).split())}") from None
