"""Scenario loading: defaults, relative paths, secrets, and the exact message for each kind of mistake."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from profiler.errors import UserError
from profiler.scenario import DEFAULT_RUBRIC, Scenario, load_scenario, validate_file

SCHEMA = {
    "type": "object",
    "properties": {"total": {"type": "number"}},
    "required": ["total"],
    "additionalProperties": False,
}

BASE = {
    "name": "unit",
    "seed": 7,
    "baseline": "gpt-4o",
    "models": {
        "gpt-4o": {"price": {"input_per_1m": 2.5, "output_per_1m": 10.0}},
        "gpt-5_5": {
            "model": "gpt-5.5",
            "endpoint": {"base_url": "https://api.example.com/v1/", "api_key_env": "SWAPBENCH_TEST_KEY"},
            "price": {"input_per_1m": 1.25, "output_per_1m": 10.0, "cached_input_per_1m": 0.125},
            "params": {"reasoning_effort": "low"},
        },
    },
    "prompt_mix": {
        "tasks": {
            "ts_codegen": {"weight": 0.3, "dataset": "datasets/ts.jsonl", "max_tokens": 800},
            "extraction": {
                "weight": 0.7,
                "dataset": "datasets/ex.jsonl",
                "response_format": {"type": "json_schema", "schema": "schemas/invoice.json"},
            },
        }
    },
}


def _rows(prefix: str, n: int) -> list[dict]:
    return [
        {"id": f"{prefix}-{i}", "messages": [{"role": "user", "content": f"{prefix} {i}"}]} for i in range(n)
    ]


def write_jsonl(path: Path, rows: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))


def _set(data: dict, dotted: str, value: object) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        data = data.setdefault(key, {})
    if value is _DROP:
        data.pop(last, None)
    else:
        data[last] = value


_DROP = object()


def scenario_file(tmp_path: Path, changes: dict | None = None, *, text: str | None = None) -> str:
    """Write the base scenario (with ``changes`` applied to dotted keys) plus its datasets; return its path."""
    write_jsonl(tmp_path / "datasets" / "ts.jsonl", _rows("ts", 12))
    write_jsonl(tmp_path / "datasets" / "ex.jsonl", _rows("ex", 5))
    (tmp_path / "schemas").mkdir(exist_ok=True)
    (tmp_path / "schemas" / "invoice.json").write_text(json.dumps(SCHEMA))
    data = copy.deepcopy(BASE)
    for dotted, value in (changes or {}).items():
        _set(data, dotted, value)
    path = tmp_path / "scenario.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(data, sort_keys=False))
    return str(path)


# ------------------------------------------------------------------------------------------ loading


def test_loads_with_documented_defaults(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path))
    assert isinstance(sc, Scenario)
    assert sc.path == tmp_path / "scenario.yaml" and sc.dir == tmp_path
    assert sc.model_keys == ["gpt-4o", "gpt-5_5"]
    base, cand = sc.models["gpt-4o"], sc.models["gpt-5_5"]
    assert base.key == "gpt-4o" and base.model == "gpt-4o" and base.is_simulated
    assert cand.key == "gpt-5_5" and cand.model == "gpt-5.5" and not cand.is_simulated
    assert cand.endpoint.base_url == "https://api.example.com/v1"  # trailing slash dropped
    assert cand.endpoint.api_key_header == "authorization" and cand.endpoint.verify_tls is True
    # price defaults: cached = input, reasoning = output
    assert base.price.cached_input_per_1m == 2.5 and base.price.reasoning_per_1m == 10.0
    assert cand.price.cached_input_per_1m == 0.125 and cand.price.reasoning_per_1m == 10.0
    sim = base.simulator
    assert (sim.ttft_ms.median, sim.ttft_ms.p99) == (350.0, 1200.0)
    assert (sim.itl_ms.mean, sim.itl_ms.jitter, sim.tokens_per_chunk) == (20.0, 0.25, 1)
    assert (sim.slots, sim.queue, sim.rate_limit.rpm, sim.faults.stall_ms) == (64, 1024, 0, 5000.0)
    assert sim.accuracy.default == 0.85 and sim.accuracy.tasks == {}
    assert (sim.wrong_mix.wrong, sim.wrong_mix.malformed, sim.wrong_mix.prose) == (0.6, 0.2, 0.2)
    assert sim.judge_agreement == 0.9 and sim.cache_hit_rate == 0.0
    c = sc.client
    assert (c.transport, c.max_connections, c.pool_timeout_s, c.read_timeout_s, c.total_timeout_s) == (
        "fast", 100, 5.0, 60.0, 300.0)  # fmt: skip
    assert c.max_retries == 2 and c.retry_on == [408, 409, 429, 500, 502, 503, 504]
    assert (c.backoff.initial_s, c.backoff.max_s, c.backoff.multiplier, c.backoff.jitter) == (
        0.5,
        8.0,
        2.0,
        0.25,
    )
    assert c.backoff.respect_retry_after is True and c.backoff.max_retry_after_s == 120.0
    ld = sc.load
    assert (ld.mode, ld.users, ld.think_time_s, ld.arrival, ld.max_in_flight) == (
        "closed",
        16,
        0.0,
        None,
        256,
    )
    assert (ld.duration_s, ld.warmup_s, ld.max_requests) == (120.0, 10.0, 0)
    assert sc.prompt_mix.order == "shuffled"
    ex = sc.prompt_mix.tasks["extraction"]
    assert ex.key == "extraction" and ex.dataset == tmp_path / "datasets" / "ex.jsonl"
    assert ex.max_tokens == 1024 and ex.temperature == 0.0 and ex.scorers == [] and ex.judge is True
    assert ex.response_format == {
        "type": "json_schema",
        "schema": str(tmp_path / "schemas" / "invoice.json"),
        "name": "invoice",
        "strict": True,
    }
    assert sc.judge is None and sc.description == "" and sc.seed == 7
    assert sc.slo.ttft_p99_ms is None and sc.slo.error_rate_max is None
    assert sc.verdict.weights == {"quality": 0.5, "cost": 0.3, "latency": 0.2}
    assert sc.verdict.max_cost_increase_pct == 10.0 and sc.verdict.max_latency_increase_pct == 20.0


def test_dataclasses_are_frozen(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path))
    with pytest.raises(AttributeError):
        sc.seed = 1  # type: ignore[misc]
    with pytest.raises(AttributeError):
        sc.models["gpt-4o"].price.input_per_1m = 0  # type: ignore[misc]


def test_baseline_first_in_model_keys_and_types_converted(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path, {"baseline": "gpt-5_5", "load.duration_s": 60, "seed": 0}))
    assert sc.model_keys == ["gpt-5_5", "gpt-4o"]
    assert sc.load.duration_s == 60.0 and isinstance(sc.load.duration_s, float)


def test_partial_wrong_mix_means_missing_kinds_are_zero(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path, {"models.gpt-4o.simulator": {"wrong_mix": {"prose": 1}}}))
    mix = sc.models["gpt-4o"].simulator.wrong_mix
    assert (mix.wrong, mix.malformed, mix.prose) == (0.0, 0.0, 1.0)


def test_open_loop_and_judge_and_slo(tmp_path: Path) -> None:
    (tmp_path / "rubric.md").write_text("Pass if the total is right.\n")
    write_jsonl(tmp_path / "labels" / "human.jsonl", [])
    changes = {
        "load": {"mode": "open", "arrival": {"rate_per_s": 2.5}},
        "judge": {"model": "gpt-4o", "rubric_file": "rubric.md", "labels": "labels/human.jsonl"},
        "slo": {"ttft_p99_ms": 2000, "error_rate_max": 0.02},
        "verdict": {"weights": {"quality": 1}},
    }
    sc = load_scenario(scenario_file(tmp_path, changes))
    assert sc.load.arrival.rate_per_s == 2.5 and sc.load.arrival.process == "poisson"
    assert (
        sc.judge.rubric == "Pass if the total is right."
        and sc.judge.labels == tmp_path / "labels" / "human.jsonl"
    )
    assert (sc.judge.min_kappa, sc.judge.concurrency, sc.judge.max_tokens) == (0.6, 8, 300)
    assert sc.slo.ttft_p99_ms == 2000.0 and sc.slo.error_rate_max == 0.02
    assert sc.verdict.weights == {"quality": 1.0, "cost": 0.0, "latency": 0.0}


def test_judge_without_rubric_gets_the_generic_one(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path, {"judge": {"model": "gpt-5_5"}}))
    assert sc.judge.rubric == DEFAULT_RUBRIC


def test_relative_paths_resolve_against_the_scenario_folder(tmp_path: Path, monkeypatch) -> None:
    scenario_file(tmp_path)  # datasets and schema under tmp_path
    sub = tmp_path / "experiments" / "q4"
    sub.mkdir(parents=True)
    data = copy.deepcopy(BASE)
    data["prompt_mix"]["tasks"]["ts_codegen"]["dataset"] = "../../datasets/ts.jsonl"
    data["prompt_mix"]["tasks"]["extraction"]["dataset"] = str(tmp_path / "datasets" / "ex.jsonl")  # absolute
    data["prompt_mix"]["tasks"]["extraction"]["response_format"]["schema"] = "../../schemas/invoice.json"
    (sub / "s.yaml").write_text(yaml.safe_dump(data))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    sc = load_scenario(Path("../experiments/q4/s.yaml"))
    assert sc.path == sub / "s.yaml"
    assert sc.prompt_mix.tasks["ts_codegen"].dataset == tmp_path / "datasets" / "ts.jsonl"
    assert sc.prompt_mix.tasks["extraction"].dataset == tmp_path / "datasets" / "ex.jsonl"
    assert sc.prompt_mix.tasks["extraction"].response_format["schema"] == str(
        tmp_path / "schemas" / "invoice.json"
    )
    # the same file, looked for relative to the working folder, would not exist
    assert not (elsewhere / "../../datasets/ts.jsonl").resolve().exists()


# ------------------------------------------------------------------------------------------ secrets


def test_manifest_has_no_secrets(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SWAPBENCH_TEST_KEY", "sk-test-SECRET-123456")
    monkeypatch.setenv("SWAPBENCH_TEAM_TOKEN", "tok-SECRET-7890")
    changes = {"models.gpt-5_5.endpoint.headers": {"X-Team": "${SWAPBENCH_TEAM_TOKEN}", "X-Plain": "hello"}}
    sc = load_scenario(scenario_file(tmp_path, changes))
    ep = sc.models["gpt-5_5"].endpoint
    # the key is read from the environment on demand ...
    assert ep.api_key() == "sk-test-SECRET-123456"
    assert ep.resolved_headers() == {"X-Team": "tok-SECRET-7890", "X-Plain": "hello"}
    assert ep.auth_headers() == {"Authorization": "Bearer sk-test-SECRET-123456"}
    # ... and never stored: not in the manifest, not in any repr
    text = json.dumps(sc.manifest())
    assert "SECRET" not in text and "SECRET" not in repr(sc)
    assert "SWAPBENCH_TEST_KEY" in text and "${SWAPBENCH_TEAM_TOKEN}" in text
    manifest = sc.manifest()
    assert manifest["models"]["gpt-5_5"]["endpoint"]["api_key_env"] == "SWAPBENCH_TEST_KEY"
    assert manifest["prompt_mix"]["tasks"]["ts_codegen"]["dataset"] == str(tmp_path / "datasets" / "ts.jsonl")
    assert manifest["model_keys"] == ["gpt-4o", "gpt-5_5"] and manifest["path"] == str(sc.path)
    assert json.loads(text) == manifest  # plain JSON data


def test_missing_environment_variables_name_the_variable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SWAPBENCH_TEST_KEY", raising=False)
    monkeypatch.delenv("SWAPBENCH_NOPE", raising=False)
    path = scenario_file(tmp_path, {"models.gpt-5_5.endpoint.headers": {"X-Team": "t-${SWAPBENCH_NOPE}"}})
    ep = load_scenario(path).models["gpt-5_5"].endpoint
    with pytest.raises(UserError) as err:
        ep.api_key()
    assert str(err.value) == (
        f"{path}: models.gpt-5_5.endpoint.api_key_env: expected environment variable SWAPBENCH_TEST_KEY "
        "to hold the API key, got it unset or empty"
    )
    with pytest.raises(UserError) as err:
        ep.resolved_headers()
    assert str(err.value) == (
        f"{path}: models.gpt-5_5.endpoint.headers: expected environment variable SWAPBENCH_NOPE to be set, "
        "got it unset"
    )


def test_azure_style_key_header(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SWAPBENCH_TEST_KEY", "k1")
    changes = {"models.gpt-5_5.endpoint.api_key_header": "api-key", "models.gpt-5_5.endpoint.query": {"api-version": "2024-10-21"}}  # fmt: skip
    ep = load_scenario(scenario_file(tmp_path, changes)).models["gpt-5_5"].endpoint
    assert ep.auth_headers() == {"api-key": "k1"} and ep.query == {"api-version": "2024-10-21"}


# ------------------------------------------------------------------------------ malformed scenarios

MALFORMED = [
    pytest.param(
        {"load.user": 5}, "load.user: unknown key, did you mean 'users'?", id="unknown-key-suggestion"
    ),
    pytest.param(
        {"colour": "red"},
        "colour: unknown key, expected one of: name, baseline, models, prompt_mix, description, seed, client, "
        "load, judge, slo, verdict",
        id="unknown-key-no-match",
    ),
    pytest.param(
        {"models.gpt-4o.pricee": 1},
        "models.gpt-4o.pricee: unknown key, did you mean 'price'?",
        id="typo-model-key",
    ),  # fmt: skip
    pytest.param({"load.users": "many"}, 'load.users: expected an integer >= 1, got "many"', id="wrong-type"),
    pytest.param({"load.users": 2.5}, "load.users: expected an integer >= 1, got 2.5", id="float-for-int"),
    pytest.param(
        {"load.duration_s": float("inf")}, "load.duration_s: expected a number > 0, got inf", id="infinity"
    ),
    pytest.param(
        {"models.gpt-4o.price.input_per_1m": True},
        "models.gpt-4o.price.input_per_1m: expected a number >= 0, got true (a boolean)",
        id="bool-is-not-a-number",
    ),
    pytest.param(
        {"models.gpt-5_5.price.output_per_1m": -1},
        "models.gpt-5_5.price.output_per_1m: expected a number >= 0, got -1",
        id="negative-price",
    ),
    pytest.param(
        {"models.gpt-4o.simulator": {"faults": {"disconnect": 1.2}}},
        "models.gpt-4o.simulator.faults.disconnect: expected a probability in [0, 1], got 1.2",
        id="bad-probability",
    ),
    pytest.param(
        {"models.gpt-4o.simulator": {"ttft_ms": {"median": 500, "p99": 100}}},
        "models.gpt-4o.simulator.ttft_ms.p99: expected a number >= median (500), got 100",
        id="p99-below-median",
    ),
    pytest.param(
        {"baseline": _DROP}, "baseline: expected a string, got nothing (required)", id="missing-baseline"
    ),
    pytest.param(
        {"baseline": "gpt-9"},
        'baseline: expected a key of models (gpt-4o, gpt-5_5), got "gpt-9"',
        id="unknown-baseline",
    ),
    pytest.param(
        {"judge": {"model": "judge"}},
        'judge.model: expected a key of models (gpt-4o, gpt-5_5), got "judge"',
        id="judge-not-a-model",
    ),
    pytest.param(
        {"load.mode": "opne"},
        "load.mode: expected one of closed, open, got \"opne\" (did you mean 'open'?)",
        id="bad-mode",
    ),
    pytest.param(
        {"client.transport": "SDK"},
        "client.transport: expected one of fast, sdk, got \"SDK\" (did you mean 'sdk'?)",
        id="case",
    ),
    pytest.param(
        {"load.mode": "open"},
        "load.arrival: expected a mapping {rate_per_s, process} when load.mode is open, got nothing",
        id="open-without-arrival",
    ),
    pytest.param(
        {"load": {"mode": "open", "arrival": {"rate_per_s": 0}}},
        "load.arrival.rate_per_s: expected a number > 0, got 0",
        id="zero-rate",
    ),
    pytest.param(
        {"client.read_timeout_s": 0}, "client.read_timeout_s: expected a number > 0, got 0", id="zero-timeout"
    ),
    pytest.param(
        {"client.retry_on": [429, 700]},
        "client.retry_on[1]: expected an integer >= 100 and <= 599, got 700",
        id="bad-status-code",
    ),
    pytest.param(
        {"client.backoff": {"initial_s": 4, "max_s": 1}},
        "client.backoff.max_s: expected a number >= initial_s (4), got 1",
        id="backoff-max-below-initial",
    ),
    pytest.param(
        {"load.warmup_s": 200},
        "load.warmup_s: expected a number < duration_s (120), got 200",
        id="warmup-too-long",
    ),
    pytest.param(
        {"prompt_mix.tasks.ts_codegen.weight": 0},
        "prompt_mix.tasks.ts_codegen.weight: expected a number > 0, got 0",
        id="zero-weight",
    ),
    pytest.param(
        {"prompt_mix.tasks.ts codegen": {"dataset": "datasets/ts.jsonl"}},
        'prompt_mix.tasks: expected key names matching [A-Za-z0-9_.-]+, got "ts codegen"',
        id="bad-task-key",
    ),
    pytest.param(
        {"name": "my run"}, 'name: expected a name matching [A-Za-z0-9_.-]+, got "my run"', id="bad-name"
    ),
    pytest.param(
        {"models.gpt-4o.endpoint": {"base_url": "https://x.test/v1"}},
        "models.gpt-4o.endpoint.api_key_env: expected a string, got nothing (required)",
        id="endpoint-without-api-key-env",
    ),
    pytest.param(
        {"models.gpt-4o.endpoint": {"base_url": "x.test/v1", "api_key_env": "K"}},
        'models.gpt-4o.endpoint.base_url: expected an http:// or https:// URL, got "x.test/v1"',
        id="endpoint-bad-url",
    ),
    pytest.param(
        {"models.gpt-5_5.endpoint.headers": {"Authorization": "Bearer sk-live-abc"}},
        "models.gpt-5_5.endpoint.headers.Authorization: expected a ${ENV_VAR} template (secrets stay out of "
        "files), got a literal value",
        id="literal-secret-header",
    ),
    pytest.param(
        {"models.gpt-5_5.endpoint.api_key_env": "sk-proj-0123456789abcdefghijklmnop"},
        "models.gpt-5_5.endpoint.api_key_env: expected the name of an environment variable, got what looks like "
        "a key itself (put the key in the environment)",
        id="key-instead-of-env-name",
    ),
    pytest.param(
        {"models.gpt-4o.params": {"stream": False}},
        "models.gpt-4o.params.stream: expected a request field swapbench does not set itself, got stream "
        "(set it elsewhere in the scenario)",
        id="params-overrides-stream",
    ),
    pytest.param(
        {"models.gpt-4o.simulator": {"accuracy": {"tasks": {"extract": 0.5}}}},
        "models.gpt-4o.simulator.accuracy.tasks: expected task keys of prompt_mix.tasks (ts_codegen, "
        'extraction), got "extract"',
        id="accuracy-for-unknown-task",
    ),
    pytest.param(
        {"prompt_mix.tasks.extraction.response_format": {"type": "json"}},
        "prompt_mix.tasks.extraction.response_format.type: expected one of text, json_object, json_schema, "
        'got "json"',  # ambiguous: no suggestion
        id="bad-response-format-type",
    ),
    pytest.param(
        {"prompt_mix.tasks.ts_codegen.scorers": [{"command": ["tsc"]}]},
        "prompt_mix.tasks.ts_codegen.scorers[0].type: expected a scorer type such as judge or command, got null",
        id="scorer-without-type",
    ),
    pytest.param(
        {"verdict": {"weights": {"qualty": 1}}},
        "verdict.weights.qualty: unknown key, did you mean 'quality'?",
        id="verdict-weight-typo",
    ),
    pytest.param(
        {"slo": {"error_rate_max": 2}},
        "slo.error_rate_max: expected a probability in [0, 1], got 2",
        id="slo-rate",
    ),  # fmt: skip
    pytest.param(
        {"models": {}},
        "models: expected a mapping with at least one entry, got an empty mapping",
        id="no-models",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("changes", "expected"), MALFORMED)
def test_malformed_scenario_gives_one_exact_line(tmp_path: Path, changes: dict, expected: str) -> None:
    path = scenario_file(tmp_path, changes)
    if "models" in changes and changes["models"] == {}:
        expected_lines = [f"{path}: {expected}"]
        assert validate_file(path)[:1] == expected_lines  # baseline then also fails; first line is the cause
    else:
        assert validate_file(path) == [f"{path}: {expected}"]
    with pytest.raises(UserError) as err:
        load_scenario(path)
    assert str(err.value) == f"{path}: {expected}"


def test_missing_dataset_file(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, {"prompt_mix.tasks.ts_codegen.dataset": "datasets/nope.jsonl"})
    missing = tmp_path / "datasets" / "nope.jsonl"
    assert validate_file(path) == [
        f'{path}: prompt_mix.tasks.ts_codegen.dataset: expected an existing file, got "datasets/nope.jsonl" '
        f"(not found: {missing})"
    ]


def test_missing_schema_file(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, {"prompt_mix.tasks.extraction.response_format.schema": "schemas/x.json"})
    assert validate_file(path) == [
        f'{path}: prompt_mix.tasks.extraction.response_format.schema: expected an existing file, got "schemas/x.json" '
        f"(not found: {tmp_path / 'schemas' / 'x.json'})"
    ]


def test_invalid_json_schema_file(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, {"prompt_mix.tasks.extraction.response_format.schema": "schemas/bad.json"})
    (tmp_path / "schemas" / "bad.json").write_text(
        '{"type": "object", "properties": {"a": {"type": "strin"}}}'
    )
    assert validate_file(path) == [
        f"{path}: prompt_mix.tasks.extraction.response_format.schema: expected a valid JSON Schema, got "
        "schemas/bad.json with an error at properties/a/type: 'strin' is not valid under any of the given schemas"
    ]
    (tmp_path / "schemas" / "bad.json").write_text('{"type": "object",\n "properties": }')
    assert validate_file(path) == [
        f"{path}: prompt_mix.tasks.extraction.response_format.schema: expected a JSON Schema file, got invalid "
        "JSON in schemas/bad.json (line 2: Expecting value)"
    ]


def test_yaml_syntax_error_has_the_line(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, text="name: x\nbaseline: a\nmodels:\n  a: [1, 2\nseed: 3\n")
    assert validate_file(path) == [
        f"{path}:5: YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow sequence started "
        "on line 4)"
    ]


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, text="name: x\nseed: 1\nname: y\n")
    assert validate_file(path) == [f"{path}:3: YAML syntax error: duplicate key 'name' (first on line 1)"]


def test_duplicate_dataset_id(tmp_path: Path) -> None:
    path = scenario_file(tmp_path)
    rows = _rows("ts", 3) + [{"id": "ts-1", "messages": [{"role": "user", "content": "again"}]}]
    write_jsonl(tmp_path / "datasets" / "ts.jsonl", rows)
    assert validate_file(path) == [
        f'{tmp_path / "datasets" / "ts.jsonl"}:4: id: expected a unique id, got "ts-1" again (first on line 2)'
    ]


def test_bad_dataset_rows(tmp_path: Path) -> None:
    path = scenario_file(tmp_path)
    rows = [
        {"id": "a", "messages": [{"role": "usr", "content": "hi"}]},
        {"id": "b", "messages": [{"role": "user", "content": "hi"}], "max_token": 5},
        "not json",
        {"messages": [{"role": "user", "content": "hi"}], "temperature": 3},
    ]
    write_jsonl(tmp_path / "datasets" / "ex.jsonl", rows)
    ds = tmp_path / "datasets" / "ex.jsonl"
    assert validate_file(path) == [
        f'{ds}:1: messages[0].role: expected one of system, developer, user, assistant, tool, got "usr" '
        "(did you mean 'user'?)",
        f"{ds}:2: max_token: unknown key, did you mean 'max_tokens'?",
        f"{ds}:3: expected one JSON object per line, got invalid JSON (Expecting value)",
        f"{ds}:4: id: expected a non-empty string, got null",
        f"{ds}:4: temperature: expected a number >= 0 and <= 2, got 3",
    ]


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    changes = {"load.user": 5, "seed": -1, "models.gpt-4o.price.input_per_1m": "2.5", "baseline": "nope"}
    path = scenario_file(tmp_path, changes)
    problems = validate_file(path)
    assert len(problems) == 4
    assert all(p.startswith(f"{path}: ") and "\n" not in p for p in problems)
    with pytest.raises(UserError) as err:
        load_scenario(path)
    assert str(err.value) == problems[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "expected a scenario mapping (name, baseline, models, prompt_mix), got an empty file"),
        ("- a\n- b\n", "(top level): expected a mapping, got a list"),
    ],
)
def test_not_a_mapping(tmp_path: Path, text: str, expected: str) -> None:
    path = scenario_file(tmp_path, text=text)
    assert validate_file(path) == [f"{path}: {expected}"]


def test_missing_scenario_file(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.yaml")
    assert validate_file(path) == [f"{path}: expected a scenario file, got nothing at that path"]
    with pytest.raises(UserError):
        load_scenario(path)


def test_rubric_and_rubric_file_are_exclusive(tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("x")
    path = scenario_file(tmp_path, {"judge": {"model": "gpt-4o", "rubric": "a", "rubric_file": "r.md"}})
    assert validate_file(path) == [
        f"{path}: judge.rubric_file: expected either rubric or rubric_file, got both"
    ]


def test_validate_also_checks_scorers_and_human_labels(tmp_path: Path) -> None:
    """Problems the scoring stage would hit later are reported by validate_file (not by load_scenario)."""
    path = scenario_file(tmp_path, {"prompt_mix.tasks.ts_codegen.scorers": [{"type": "nonsense"}]})
    load_scenario(path)  # the scenario itself is fine ...
    problems = validate_file(path)  # ... but its scorer is not
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: prompt_mix.tasks.ts_codegen.scorers[0].type: expected one of ")
    labels = tmp_path / "labels.jsonl"
    write_jsonl(
        labels, [{"task": "ts_codegen", "prompt_id": "ts_codegen/ts-1", "answer": "x", "verdict": "ok"}]
    )
    path = scenario_file(tmp_path, {"judge": {"model": "gpt-4o", "labels": "labels.jsonl"}})
    problems = validate_file(path)
    assert len(problems) == 1 and problems[0].startswith(f"{labels}:1: verdict: expected ")
    write_jsonl(
        labels, [{"task": "ts_codegen", "prompt_id": "ts_codegen/ts-1", "answer": "x", "verdict": "pass"}]
    )
    assert validate_file(path) == []


WEIRD = [None, "", [], {}, True, -1, float("inf"), "x" * 300, {"unexpected": 1}, [{"a": 1}]]


def _key_paths(data: object, prefix: str = "") -> list[str]:
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            out.append(path)
            out.extend(_key_paths(v, path))
    return out


def test_no_input_crashes_the_validator(tmp_path: Path) -> None:
    """Every key of a full scenario replaced by odd values: always one-line problems, never an exception."""
    full = {
        "models.gpt-4o.simulator": {
            "ttft_ms": {"median": 1},
            "faults": {"stall": 0.1},
            "accuracy": {"tasks": {}},
        },
        "models.gpt-5_5.endpoint.headers": {"X-A": "${A}"},
        "client": {"backoff": {"initial_s": 1}, "retry_on": [429]},
        "load": {"mode": "open", "arrival": {"rate_per_s": 1}},
        "judge": {"model": "gpt-4o", "rubric": "r"},
        "slo": {"ttft_p99_ms": 10},
        "verdict": {"weights": {"cost": 1}},
    }
    scenario_file(tmp_path, full)
    base = yaml.safe_load((tmp_path / "scenario.yaml").read_text())
    paths = _key_paths(base)
    assert len(paths) > 50
    checked = 0
    for i, dotted in enumerate(paths):
        for value in WEIRD[i % 3 :: 3]:  # a third of the odd values per key keeps this quick
            data = copy.deepcopy(base)
            *parents, last = dotted.split(".")
            node = data
            for key in parents:
                node = node[key]
            node[last] = value
            path = tmp_path / "odd.yaml"
            path.write_text(yaml.safe_dump(data))
            problems = validate_file(str(path))
            assert all(isinstance(p, str) and "\n" not in p and p.startswith(f"{path}") for p in problems), (
                problems
            )
            if problems:
                with pytest.raises(UserError):
                    load_scenario(path)
            checked += 1
    assert checked > 150
