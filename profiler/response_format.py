"""``response_format``: checking the scenario/dataset form and building OpenAI's request form.

A task (or a dataset record) may ask for ``{type: json_object}`` or for a JSON Schema response,
``{type: json_schema, schema: FILE, name: str, strict: true}`` (OpenAI's own
``{type: json_schema, json_schema: {name, schema, strict}}`` is accepted too). The schema file is checked
to be a valid JSON Schema when the scenario is loaded and sent inline in every request body.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from profiler.scenario_schema import INVALID, Context, check_value, unknown_key

_RF_TYPES = ("text", "json_object", "json_schema")
_SCHEMA_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def check_response_format(rf: Any, path: str, ctx: Context) -> Any:
    """Check a response_format and normalise it to ``{type, schema, name, strict}`` (schema: an absolute
    path string or an inline mapping). Accepts the scenario form ``{type: json_schema, schema: FILE}`` and
    OpenAI's own ``{type: json_schema, json_schema: {name, schema, strict}}``."""
    if not isinstance(rf, dict):
        ctx.expected(path, "a mapping such as {type: json_object}", rf)
        return INVALID
    kind = check_value(rf.get("type"), str, {"choices": _RF_TYPES}, f"{path}.type", ctx)
    if kind is INVALID:
        return INVALID
    if kind != "json_schema":
        for key in rf:
            if key != "type":
                unknown_key(ctx, path, key, ["type"])
                return INVALID
        return {"type": kind}
    spec = dict(rf)
    inner_path = path
    if "json_schema" in spec:  # OpenAI's form
        for key in spec:
            if key not in ("type", "json_schema"):
                unknown_key(ctx, path, key, ["type", "json_schema"])
                return INVALID
        inner_path = f"{path}.json_schema"
        if not isinstance(spec["json_schema"], dict):
            ctx.expected(inner_path, "a mapping {name, schema, strict}", spec["json_schema"])
            return INVALID
        spec = dict(spec["json_schema"])
    else:
        spec.pop("type")
    allowed = ["schema", "name", "strict", "description"]
    ok = True
    for key in spec:
        if key not in allowed:
            unknown_key(ctx, inner_path, key, allowed)
            ok = False
    schema = spec.get("schema")
    if isinstance(schema, str):
        file = check_value(schema, Path, {"exists": "file"}, f"{inner_path}.schema", ctx)
        if file is INVALID:
            return INVALID
        loaded = _load_schema_file(file, f"{inner_path}.schema", schema, ctx)
        if loaded is INVALID:
            return INVALID
        default_name = re.sub(r"[^A-Za-z0-9_-]", "_", file.stem)[:64]
        schema = str(file)
    elif isinstance(schema, dict):
        if _check_schema(schema, f"{inner_path}.schema", "the schema", ctx) is INVALID:
            return INVALID
        default_name = "response"
    else:
        ctx.expected(f"{inner_path}.schema", "a JSON Schema file path or mapping", schema)
        return INVALID
    name = spec.get("name", default_name)
    if not isinstance(name, str) or not _SCHEMA_NAME_RE.fullmatch(name):
        ctx.expected(f"{inner_path}.name", "a name of 1-64 letters, digits, _ or -", name)
        ok = False
    strict = spec.get("strict", True)
    if not isinstance(strict, bool):
        ctx.expected(f"{inner_path}.strict", "true or false", strict)
        ok = False
    if not ok:
        return INVALID
    out = {"type": "json_schema", "schema": schema, "name": name, "strict": strict}
    if isinstance(spec.get("description"), str):
        out["description"] = spec["description"]
    return out


def _check_schema(schema: dict, path: str, what: str, ctx: Context) -> Any:
    import jsonschema

    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as err:
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        message = " ".join(err.message.split())
        if len(message) > 160:
            message = message[:157] + "..."
        ctx.error(path, f"expected a valid JSON Schema, got {what} with an error at {where}: {message}")
        return INVALID
    return schema


def _load_schema_file(file: Path, path: str, shown: str, ctx: Context) -> Any:
    try:
        schema = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        ctx.error(
            path, f"expected a JSON Schema file, got invalid JSON in {shown} (line {err.lineno}: {err.msg})"
        )
        return INVALID
    except (OSError, UnicodeDecodeError) as err:
        ctx.error(path, f"expected a readable JSON Schema file, got {err}")
        return INVALID
    if not isinstance(schema, dict):
        ctx.expected(path, "a JSON Schema (a JSON object)", schema)
        return INVALID
    return _check_schema(schema, path, shown, ctx)


_RF_CACHE: dict[str, dict] = {}


def strict_schema_issues(schema: Any, where: str = "") -> list[str]:
    """Why OpenAI would reject ``schema`` in strict mode (every object needs ``additionalProperties:
    false`` and every property listed in ``required``), as key paths; [] when it is strict-compatible."""
    issues: list[str] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object" or "properties" in schema:
            props = schema.get("properties") or {}
            if schema.get("additionalProperties") is not False:
                issues.append(f"{where or '(root)'}: additionalProperties is not false")
            missing = [k for k in props if k not in (schema.get("required") or [])]
            if missing:
                issues.append(f"{where or '(root)'}: not required: {', '.join(missing)}")
        for key, value in schema.items():
            if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
                for name, sub in value.items():
                    issues += strict_schema_issues(sub, f"{where}/{key}/{name}".lstrip("/"))
            elif key in ("items", "anyOf", "allOf", "oneOf"):
                for n, sub in enumerate(value if isinstance(value, list) else [value]):
                    issues += strict_schema_issues(
                        sub, f"{where}/{key}" + (f"/{n}" if isinstance(value, list) else "")
                    )
    return issues


def openai_response_format(rf: dict | None) -> dict | None:
    """A normalised response_format (see :func:`check_response_format`) in OpenAI's request form.

    Prompts sharing a response_format share one dict: treat it as read-only."""
    if rf is None:
        return None
    memo = json.dumps(rf, sort_keys=True)
    hit = _RF_CACHE.get(memo)
    if hit is not None:
        return hit
    if rf["type"] != "json_schema":
        out = {"type": rf["type"]}
    else:
        schema = rf["schema"]
        if isinstance(schema, str):
            schema = json.loads(Path(schema).read_text(encoding="utf-8"))
        inner = {"name": rf["name"], "schema": copy.deepcopy(schema), "strict": rf["strict"]}
        if "description" in rf:
            inner["description"] = rf["description"]
        out = {"type": "json_schema", "json_schema": inner}
    if len(_RF_CACHE) < 256:
        _RF_CACHE[memo] = out
    return out
