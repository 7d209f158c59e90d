"""The JSON scorer: parse, validate against a JSON Schema, match fields against the gold object."""

from __future__ import annotations

import json
import math
from typing import Any

import jsonschema

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
)
from profiler.quality.text import json_equal, parse_number

MATCHES = ("exact", "normalized", "numeric")
_MISSING = object()


def load_schema(path_s: Any, ctx: BuildContext, key: str = "schema") -> dict:
    if not isinstance(path_s, str) or not path_s:
        raise ctx.error(key, f"expected a JSON Schema file path, got {path_s!r}")
    path = ctx.resolve(path_s)
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ctx.error(key, f"schema file not found: {path}") from None
    except (OSError, ValueError) as e:
        raise ctx.error(key, f"expected a JSON Schema file, {path} is not JSON ({e})") from None
    return check_schema(schema, ctx, key, str(path))


def check_schema(schema: Any, ctx: BuildContext, key: str, label: str) -> dict:
    if not isinstance(schema, dict):
        raise ctx.error(key, f"expected a JSON Schema object in {label}, got {type(schema).__name__}")
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as e:
        raise ctx.error(key, f"invalid JSON Schema in {label}: {e.message}") from None
    return schema


def get_path(obj: Any, dotted: str) -> Any:
    """``a.b.0.c`` into nested dicts/lists; ``_MISSING`` when absent."""
    cur = obj
    for part in dotted.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return _MISSING
    return cur


def default_paths(gold: Any, listed: dict[str, Any] | set[str], prefix: str = "") -> list[str]:
    """The paths compared exactly by default: the gold's top-level keys, except that a key with listed
    sub-paths (``address.city``) is opened up: its other leaves are compared one by one instead of the
    whole value, so a listed rule on a nested field is not overruled by an exact match of its parent."""
    out: list[str] = []
    items = gold.items() if isinstance(gold, dict) else enumerate(gold) if isinstance(gold, list) else []
    for key, value in items:
        path = f"{prefix}{key}"
        if path in listed:
            continue
        if any(str(p).startswith(path + ".") for p in listed) and isinstance(value, dict | list):
            out.extend(default_paths(value, listed, path + "."))
        else:
            out.append(path)
    return out


def _normalized(v: Any) -> Any:
    if isinstance(v, str):
        return normalize_text(v)
    if isinstance(v, list):
        return [_normalized(x) for x in v]
    if isinstance(v, dict):
        return {normalize_text(str(k)): _normalized(x) for k, x in v.items()}
    return v


def field_matches(got: Any, want: Any, match: str, tolerance: float) -> bool:
    if match == "numeric":
        a, b = parse_number(got), parse_number(want)
        return a is not None and b is not None and math.isfinite(a) and abs(a - b) <= tolerance + 1e-12
    if match == "normalized":
        return json_equal(_normalized(got), _normalized(want))
    return json_equal(got, want)


@register
class JsonScorer(Scorer):
    """Parse -> JSON Schema -> field-level match against the gold object.

    ``schema`` (file, relative to the scenario) defaults to the prompt's ``response_format`` json_schema
    when there is one. ``fields: {PATH: {match: exact|normalized|numeric, tolerance: 0.01}}``; every
    top-level key of the gold not listed is matched exactly. Score = share of matching fields.
    """

    kind = "json"
    keys = frozenset({"schema", "fields"})

    def configure(self, entry: dict, ctx: BuildContext) -> None:
        self.schema = load_schema(entry["schema"], ctx) if "schema" in entry else None
        fields = entry.get("fields", {}) or {}
        if not isinstance(fields, dict):
            raise ctx.error("fields", f"expected a mapping FIELD -> {{match, tolerance}}, got {fields!r}")
        self.fields: dict[str, tuple[str, float]] = {}
        for name, spec in fields.items():
            spec = spec or {}
            if not isinstance(spec, dict):
                raise ctx.error(f"fields.{name}", f"expected a mapping with 'match', got {spec!r}")
            for k in spec:
                if k not in ("match", "tolerance"):
                    raise ctx.error(f"fields.{name}.{k}", "unknown key (expected match, tolerance)")
            match = spec.get("match", "exact")
            if match not in MATCHES:
                raise ctx.error(
                    f"fields.{name}.match", f"expected one of {', '.join(MATCHES)}, got {match!r}"
                )
            tol = spec.get("tolerance", 0.01 if match == "numeric" else 0.0)
            if isinstance(tol, bool) or not isinstance(tol, int | float) or tol < 0:
                raise ctx.error(f"fields.{name}.tolerance", f"expected a number >= 0, got {tol!r}")
            self.fields[str(name)] = (match, float(tol))
        self._validators: dict[int, Any] = {}

    def _validator(self, schema: dict) -> Any:
        v = self._validators.get(id(schema))
        if v is None:
            v = jsonschema.validators.validator_for(schema)(schema)
            self._validators[id(schema)] = v
        return v

    def _schema_for(self, prompt: Any) -> dict | None:
        if self.schema is not None:
            return self.schema
        rf = getattr(prompt, "response_format", None)
        if isinstance(rf, dict) and rf.get("type") == "json_schema":
            js = rf.get("json_schema") or {}
            schema = js.get("schema") if isinstance(js, dict) else None
            return schema if isinstance(schema, dict) else None
        return None

    def score(self, answer: str, prompt: Any, row: dict) -> ScoreResult:
        body, fenced = strip_fence(answer)
        try:
            obj = json.loads(body)
        except ValueError as e:
            return failed(f"not JSON: {e}", stage="parse", fenced=fenced, answer_head=short(answer, 60))
        details: dict[str, Any] = {"fenced": fenced}
        schema = self._schema_for(prompt)
        if schema is not None:
            errors = sorted(self._validator(schema).iter_errors(obj), key=lambda e: list(e.absolute_path))
            if errors:
                msgs = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:5]]
                return failed(f"schema: {short(msgs[0], 120)}", stage="schema", schema_errors=msgs, **details)
        details["schema_checked"] = schema is not None
        gold = getattr(prompt, "gold", None)
        if gold is None:
            return passed("valid JSON" + (" (schema ok)" if schema is not None else ""), **details)
        if not isinstance(gold, dict):
            if json_equal(obj, gold):
                return passed("equal to gold", **details)
            return failed("differs from gold", stage="fields", **details)
        specs = {k: ("exact", 0.0) for k in default_paths(gold, self.fields)}
        specs.update(self.fields)
        bad: list[str] = []
        for name, (match, tol) in specs.items():
            want = get_path(gold, name)
            if want is _MISSING:
                continue  # a configured field the gold does not have: nothing to compare
            got = get_path(obj, name)
            if got is _MISSING or not field_matches(got, want, match, tol):
                bad.append(name)
        checked = sum(1 for n in specs if get_path(gold, n) is not _MISSING)
        frac = (checked - len(bad)) / checked if checked else 1.0
        details.update(fields_checked=checked, fields_failed=bad)
        if bad:
            return failed(
                f"fields differ: {short(', '.join(bad), 100)}", score=frac, stage="fields", **details
            )
        return passed(f"all {checked} fields match", score=1.0, **details)
