"""The scenario: one experiment, loaded from YAML, checked, and exposed as frozen dataclasses.

This is the only module that reads scenario YAML (docs/scenario.md). Every YAML mapping is a dataclass
below whose attribute names are the YAML keys and whose defaults are the documented ones; the rules of
each key sit next to it (``opt(...)``, see ``profiler/scenario_schema.py``). Rules that involve several
keys live in the ``_check`` hooks. ``swapbench validate FILE...`` is :func:`main`.

Secrets never enter these objects: an endpoint names the environment variable that holds its key
(``api_key_env``) and :meth:`EndpointSpec.api_key` reads it on demand.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from profiler.errors import UserError
from profiler.scenario_schema import INVALID, Context, build, opt, read_yaml, show, to_plain

DEFAULT_RUBRIC = (
    "Pass if the candidate answer correctly and completely does what the task asks. The reference answer, "
    "when given, is one correct answer; other correct answers also pass. Fail answers that are wrong, "
    "incomplete, malformed, or that ignore the requested format."
)
_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TEMPLATE_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET_HEADERS = {"authorization", "api-key", "x-api-key", "cookie", "proxy-authorization"}
_BODY_KEYS_RESERVED = ("model", "messages", "stream")


# ------------------------------------------------------------------------------------------- models


@dataclass(frozen=True)
class EndpointSpec:
    base_url: str = opt()
    api_key_env: str = opt()
    api_key_header: str = opt("authorization")
    headers: dict = opt(factory=dict)
    query: dict = opt(factory=dict)
    verify_tls: bool = opt(True)
    where: str = opt("endpoint", internal=True)  # key path, for error messages

    @staticmethod
    def _check(v: dict, path: str, ctx: Context, raw: dict) -> None:
        url = v["base_url"]
        if isinstance(url, str) and not re.match(r"https?://[^/\s]+", url):
            ctx.expected(f"{path}.base_url", "an http:// or https:// URL", url)
            v["base_url"] = INVALID
        elif isinstance(url, str):
            v["base_url"] = url.rstrip("/")
        env = v["api_key_env"]
        if isinstance(env, str) and not _ENV_NAME_RE.fullmatch(env):
            # never echo something that may be the key itself
            looks_secret = len(env) > 24 or env.startswith(("sk-", "Bearer"))
            got = (
                "what looks like a key itself (put the key in the environment)" if looks_secret else show(env)
            )
            ctx.error(f"{path}.api_key_env", f"expected the name of an environment variable, got {got}")
            v["api_key_env"] = INVALID
        header = v["api_key_header"]
        if isinstance(header, str) and not re.fullmatch(r"[A-Za-z0-9-]+", header):
            ctx.expected(
                f"{path}.api_key_header", "an HTTP header name such as authorization or api-key", header
            )
            v["api_key_header"] = INVALID
        for name in ("headers", "query"):
            mapping = v[name]
            if mapping is INVALID:
                continue
            for key, value in mapping.items():
                where = f"{path}.{name}.{key}"
                if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                    ctx.expected(where, "a string", value)
                    v[name] = INVALID
                elif (
                    name == "headers"
                    and key.lower() in _SECRET_HEADERS
                    and not _TEMPLATE_RE.search(str(value))
                ):
                    ctx.error(
                        where,
                        "expected a ${ENV_VAR} template (secrets stay out of files), got a literal value",
                    )
                    v[name] = INVALID
        v["where"] = f"{ctx.source}: {path}" if ctx.source else path

    def api_key(self) -> str:
        """The API key, read from the environment now (never stored)."""
        value = os.environ.get(self.api_key_env, "")
        if not value:
            raise UserError(
                f"{self.where}.api_key_env: expected environment variable {self.api_key_env} to hold the "
                "API key, got it unset or empty"
            )
        return value

    def resolved_headers(self) -> dict[str, str]:
        """``headers`` with ``${VAR}`` expanded from the environment (UserError naming an unset variable)."""

        def expand(match: re.Match) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise UserError(
                    f"{self.where}.headers: expected environment variable {name} to be set, got it unset"
                )
            return os.environ[name]

        return {k: _TEMPLATE_RE.sub(expand, str(v)) for k, v in self.headers.items()}

    def auth_headers(self) -> dict[str, str]:
        """The key as a request header: ``Authorization: Bearer KEY`` or ``<api_key_header>: KEY``."""
        if self.api_key_header.lower() == "authorization":
            return {"Authorization": f"Bearer {self.api_key()}"}
        return {self.api_key_header: self.api_key()}


@dataclass(frozen=True)
class TtftSpec:
    median: float = opt(350.0, ge=0)
    p99: float = opt(1200.0, ge=0)

    @staticmethod
    def _check(v: dict, path: str, ctx: Context, raw: dict) -> None:
        if INVALID not in (v["median"], v["p99"]) and v["p99"] < v["median"]:
            ctx.error(f"{path}.p99", f"expected a number >= median ({v['median']:g}), got {v['p99']:g}")
            v["p99"] = INVALID


@dataclass(frozen=True)
class ItlSpec:
    mean: float = opt(20.0, ge=0)
    jitter: float = opt(0.25, ge=0)


@dataclass(frozen=True)
class ReasoningSpec:
    mean: float = opt(0.0, ge=0)
    cv: float = opt(0.5, ge=0)


@dataclass(frozen=True)
class RateLimitSpec:
    rpm: int = opt(0, ge=0)
    tpm: int = opt(0, ge=0)


@dataclass(frozen=True)
class FaultsSpec:
    http_5xx: float = opt(0.0, prob=True)
    disconnect: float = opt(0.0, prob=True)
    error_event: float = opt(0.0, prob=True)
    stall: float = opt(0.0, prob=True)
    stall_ms: float = opt(5000.0, ge=0)


@dataclass(frozen=True)
class AccuracySpec:
    default: float = opt(0.85, prob=True)
    tasks: dict[str, float] = opt(factory=dict, item_ge=0.0, item_le=1.0)


@dataclass(frozen=True)
class WrongMixSpec:
    """Relative weights of what a non-gold answer looks like (normalised; keys left out count as 0
    when the mapping is given)."""

    wrong: float = opt(0.6, ge=0)
    malformed: float = opt(0.2, ge=0)
    prose: float = opt(0.2, ge=0)
    _missing_is_zero = True

    @staticmethod
    def _check(v: dict, path: str, ctx: Context, raw: dict) -> None:
        if INVALID not in v.values() and sum(v.values()) <= 0:
            ctx.error(path, "expected at least one weight > 0, got all 0")
            v["wrong"] = INVALID


@dataclass(frozen=True)
class SimulatorSpec:
    ttft_ms: TtftSpec = opt(factory=TtftSpec)
    prefill_ms_per_1k_tokens: float = opt(15.0, ge=0)
    itl_ms: ItlSpec = opt(factory=ItlSpec)
    tokens_per_chunk: int = opt(1, ge=1)
    reasoning_tokens: ReasoningSpec = opt(factory=ReasoningSpec)
    verbosity: float = opt(1.0, gt=0)
    slots: int = opt(64, ge=1)
    queue: int = opt(1024, ge=0)
    rate_limit: RateLimitSpec = opt(factory=RateLimitSpec)
    faults: FaultsSpec = opt(factory=FaultsSpec)
    accuracy: AccuracySpec = opt(factory=AccuracySpec)
    wrong_mix: WrongMixSpec = opt(factory=WrongMixSpec)
    judge_agreement: float = opt(0.9, prob=True)
    cache_hit_rate: float = opt(0.0, prob=True)


@dataclass(frozen=True)
class PriceSpec:
    input_per_1m: float = opt(ge=0)
    output_per_1m: float = opt(ge=0)
    cached_input_per_1m: float | None = opt(None, ge=0)  # resolved: input_per_1m when not given
    reasoning_per_1m: float | None = opt(None, ge=0)  # resolved: output_per_1m when not given

    @staticmethod
    def _check(v: dict, path: str, ctx: Context, raw: dict) -> None:
        if v["cached_input_per_1m"] is None:
            v["cached_input_per_1m"] = v["input_per_1m"]
        if v["reasoning_per_1m"] is None:
            v["reasoning_per_1m"] = v["output_per_1m"]


@dataclass(frozen=True)
class ModelSpec:
    price: PriceSpec = opt()
    model: str | None = opt(None)  # resolved: the key when not given
    endpoint: EndpointSpec | None = opt(None)
    simulator: SimulatorSpec = opt(factory=SimulatorSpec)
    params: dict = opt(factory=dict)
    key: str = opt("", internal=True)

    @staticmethod
    def _check(v: dict, path: str, ctx: Context, raw: dict) -> None:
        v["key"] = path.split(".", 1)[1]
        if v["model"] is None:
            v["model"] = v["key"]
        elif v["model"] == "":
            ctx.expected(f"{path}.model", "a model name", "")
            v["model"] = INVALID
        if v["params"] is not INVALID:
            for reserved in _BODY_KEYS_RESERVED:
                if reserved in v["params"]:
                    ctx.error(f"{path}.params.{reserved}", "expected a request field swapbench does not set itself, "
                              f"got {reserved} (set it elsewhere in the scenario)")  # fmt: skip
                    v["params"] = INVALID
                    break

    @property
    def is_simulated(self) -> bool:
        """True when requests go to the embedded simulator (no endpoint configured)."""
        return self.endpoint is None


# ----------------------------------------------------------------------------------- client & load


@dataclass(frozen=True)
class BackoffSpec:
    initial_s: float = opt(0.5, ge=0)
    max_s: float = opt(8.0, ge=0)
    multiplier: float = opt(2.0, ge=1)
    jitter: float = opt(0.25, prob=True)
    respect_retry_after: bool = opt(True)
    max_retry_after_s: float = opt(120.0, ge=0)

    @staticmethod
    def _check(v: dict, path: str, ctx: Context, raw: dict) -> None:
        if INVALID not in (v["initial_s"], v["max_s"]) and v["max_s"] < v["initial_s"]:
            ctx.error(
                f"{path}.max_s", f"expected a number >= initial_s ({v['initial_s']:g}), got {v['max_s']:g}"
            )
            v["max_s"] = INVALID


@dataclass(frozen=True)
class ClientSpec:
    transport: str = opt("fast", choices=("fast", "sdk"))
    max_connections: int = opt(100, ge=1)
    max_keepalive: int = opt(100, ge=0)
    pool_timeout_s: float = opt(5.0, gt=0)
    connect_timeout_s: float = opt(5.0, gt=0)
    read_timeout_s: float = opt(60.0, gt=0)
    total_timeout_s: float = opt(300.0, gt=0)
    max_retries: int = opt(2, ge=0)
    retry_on: list[int] = opt(factory=lambda: [408, 409, 429, 500, 502, 503, 504], item_ge=100, item_le=599)
    backoff: BackoffSpec = opt(factory=BackoffSpec)


@dataclass(frozen=True)
class ArrivalSpec:
    rate_per_s: float = opt(gt=0)
    process: str = opt("poisson", choices=("poisson", "constant"))


@dataclass(frozen=True)
class LoadSpec:
    mode: str = opt("closed", choices=("closed", "open"))
    users: int = opt(16, ge=1)
    think_time_s: float = opt(0.0, ge=0)
    arrival: ArrivalSpec | None = opt(None)
    max_in_flight: int = opt(256, ge=1)
    duration_s: float = opt(120.0, gt=0)
    warmup_s: float = opt(10.0, ge=0)
    max_requests: int = opt(0, ge=0)

    @staticmethod
    def _check(v: dict, path: str, ctx: Context, raw: dict) -> None:
        if v["mode"] == "open" and v["arrival"] is None:
            ctx.error(
                f"{path}.arrival",
                "expected a mapping {rate_per_s, process} when load.mode is open, got nothing",
            )
            v["arrival"] = INVALID
        if INVALID not in (v["warmup_s"], v["duration_s"]) and v["warmup_s"] >= v["duration_s"]:
            ctx.error(
                f"{path}.warmup_s",
                f"expected a number < duration_s ({v['duration_s']:g}), got {v['warmup_s']:g}",
            )
            v["warmup_s"] = INVALID


# ------------------------------------------------------------------------------------------- prompts


@dataclass(frozen=True)
class TaskSpec:
    dataset: Path = opt(exists="file")
    weight: float = opt(1.0, gt=0)
    max_tokens: int = opt(1024, ge=1)
    temperature: float = opt(0.0, ge=0, le=2)
    response_format: dict | None = opt(None)  # json_schema: `schema` is an absolute path string
    scorers: list[dict] = opt(factory=list)
    judge: bool = opt(True)
    key: str = opt("", internal=True)

    @staticmethod
    def _check(v: dict, path: str, ctx: Context, raw: dict) -> None:
        v["key"] = path.removeprefix("prompt_mix.tasks.")
        if v["response_format"] not in (None, INVALID):
            from profiler.response_format import check_response_format

            v["response_format"] = check_response_format(v["response_format"], f"{path}.response_format", ctx)
        if v["scorers"] is not INVALID:
            for i, scorer in enumerate(v["scorers"]):
                if not isinstance(scorer.get("type"), str) or not scorer["type"]:
                    ctx.expected(f"{path}.scorers[{i}].type", "a scorer type such as judge or command",
                                 scorer.get("type"))  # fmt: skip
                    v["scorers"] = INVALID


@dataclass(frozen=True)
class PromptMixSpec:
    tasks: dict[str, TaskSpec] = opt(pattern=True, min_items=1)
    order: str = opt("shuffled", choices=("shuffled", "sequential"))


# ----------------------------------------------------------------------------------- judge, slo ...


@dataclass(frozen=True)
class JudgeSpec:
    model: str = opt()
    rubric: str | None = opt(None)  # resolved: the text of rubric_file, or a generic rubric
    rubric_file: Path | None = opt(None, exists="file")
    labels: Path | None = opt(None, exists="file")
    min_kappa: float = opt(0.6, ge=-1, le=1)
    concurrency: int = opt(8, ge=1)
    max_tokens: int = opt(300, ge=1)

    @staticmethod
    def _check(v: dict, path: str, ctx: Context, raw: dict) -> None:
        if v["rubric"] is not None and v["rubric_file"] is not None:
            ctx.error(f"{path}.rubric_file", "expected either rubric or rubric_file, got both")
            v["rubric_file"] = INVALID
        elif v["rubric_file"] not in (None, INVALID):
            try:
                v["rubric"] = v["rubric_file"].read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as err:
                ctx.error(f"{path}.rubric_file", f"expected a readable UTF-8 text file, got {err}")
                v["rubric_file"] = INVALID
        elif v["rubric"] is None:
            v["rubric"] = DEFAULT_RUBRIC


@dataclass(frozen=True)
class SloSpec:
    ttft_p99_ms: float | None = opt(None, gt=0)
    e2e_p99_ms: float | None = opt(None, gt=0)
    error_rate_max: float | None = opt(None, prob=True)
    success_rate_min: float | None = opt(None, prob=True)
    timeout_rate_max: float | None = opt(None, prob=True)


_VERDICT_AXES = ("quality", "cost", "latency")


@dataclass(frozen=True)
class VerdictSpec:
    weights: dict[str, float] = opt(factory=lambda: {"quality": 0.5, "cost": 0.3, "latency": 0.2}, item_ge=0)
    min_success_gain_pt: float = opt(0.0)
    max_cost_increase_pct: float = opt(10.0)
    max_latency_increase_pct: float = opt(20.0)

    @staticmethod
    def _check(v: dict, path: str, ctx: Context, raw: dict) -> None:
        weights = v["weights"]
        if weights is INVALID:
            return
        from profiler.scenario_schema import unknown_key

        for key in weights:
            if key not in _VERDICT_AXES:
                unknown_key(ctx, f"{path}.weights", key, list(_VERDICT_AXES))
                v["weights"] = INVALID
        if v["weights"] is not INVALID:
            if sum(weights.values()) <= 0:
                ctx.error(f"{path}.weights", "expected at least one weight > 0, got all 0")
                v["weights"] = INVALID
            else:
                v["weights"] = {axis: float(weights.get(axis, 0.0)) for axis in _VERDICT_AXES}


# ---------------------------------------------------------------------------------------- scenario


@dataclass(frozen=True)
class Scenario:
    name: str = opt(pattern=True)
    baseline: str = opt()
    models: dict[str, ModelSpec] = opt(pattern=True, min_items=1)
    prompt_mix: PromptMixSpec = opt()
    description: str = opt("")
    seed: int = opt(0, ge=0)
    client: ClientSpec = opt(factory=ClientSpec)
    load: LoadSpec = opt(factory=LoadSpec)
    judge: JudgeSpec | None = opt(None)
    slo: SloSpec = opt(factory=SloSpec)
    verdict: VerdictSpec = opt(factory=VerdictSpec)
    path: Path = opt(Path("."), internal=True)

    @staticmethod
    def _check(v: dict, path: str, ctx: Context, raw: dict) -> None:
        # model keys as written, so these checks run even when a model has problems of its own
        names = list(raw["models"]) if isinstance(raw.get("models"), dict) else []
        models = v["models"] if isinstance(v["models"], dict) else {}
        keys = ", ".join(map(str, names))
        if isinstance(v["baseline"], str) and names and v["baseline"] not in names:
            ctx.expected("baseline", f"a key of models ({keys})", v["baseline"])
            v["baseline"] = INVALID
        judge_model = raw["judge"].get("model") if isinstance(raw.get("judge"), dict) else None
        if isinstance(judge_model, str) and names and judge_model not in names:
            ctx.expected("judge.model", f"a key of models ({keys})", judge_model)
            v["judge"] = INVALID
        mix = v["prompt_mix"]
        task_keys = list(mix.tasks) if mix is not INVALID else None
        for key, m in models.items():
            if m is INVALID or task_keys is None:
                continue
            for task in m.simulator.accuracy.tasks:
                if task not in task_keys:
                    ctx.expected(
                        f"models.{key}.simulator.accuracy.tasks",
                        f"task keys of prompt_mix.tasks ({', '.join(task_keys)})",
                        task,
                    )
                    v["models"] = INVALID

    # -- extras -------------------------------------------------------------------------------------

    @property
    def dir(self) -> Path:
        """The scenario's folder: relative paths in the file resolve against it."""
        return self.path.parent

    @property
    def model_keys(self) -> list[str]:
        """The models under comparison, baseline first, then the others in file order.

        A model used only as the judge (``judge.model`` when it is not the baseline) is not compared and
        not load-tested; ``models`` still holds it.
        """
        judge_only = self.judge.model if self.judge and self.judge.model != self.baseline else None
        return [self.baseline] + [k for k in self.models if k not in (self.baseline, judge_only)]

    @property
    def task_keys(self) -> list[str]:
        return list(self.prompt_mix.tasks)

    def manifest(self) -> dict[str, Any]:
        """The resolved scenario as JSON-able data: no secret values (env var names, unexpanded templates)."""
        data = to_plain(self)
        data["path"] = str(self.path)
        data["model_keys"] = self.model_keys
        return data


# ------------------------------------------------------------------------------------------ loading


def _check_file(path: str | Path) -> tuple[Scenario | None, list[str]]:
    shown = str(path)
    abspath = Path(os.path.abspath(path))
    try:
        data = read_yaml(abspath, shown)
    except UserError as err:
        return None, [str(err)]
    if data is None:
        return None, [
            f"{shown}: expected a scenario mapping (name, baseline, models, prompt_mix), got an empty file"
        ]
    ctx = Context(base_dir=abspath.parent, source=shown)
    sc = build(Scenario, data, "", ctx, path=abspath)
    return (None if sc is INVALID else sc), [f"{shown}: {where}: {msg}" for where, msg in ctx.errors]


def load_scenario(path: str | Path) -> Scenario:
    """Load and check a scenario file; UserError with the first problem (see :func:`validate_file`)."""
    sc, problems = _check_file(path)
    if problems:
        raise UserError(problems[0])
    assert sc is not None
    return sc


def validate_file(path: str | Path) -> list[str]:
    """Every problem of a scenario file and its datasets, one line each; [] when it is valid."""
    return check_all(path)[2]


def check_all(path: str | Path) -> tuple[Scenario | None, dict | None, list[str]]:
    """``(scenario, prompts by task, problems)``: the scenario, then its datasets, then what the scoring
    stage would reject (scorers, human labels); each step only when the one before it is clean."""
    sc, problems = _check_file(path)
    if sc is None or problems:
        return None, None, problems
    from profiler.prompts import read_all

    prompts, problems = read_all(sc)
    if problems:
        return sc, None, problems
    return sc, prompts, _stage_problems(sc, prompts)


def _stage_problems(sc: Scenario, prompts: dict) -> list[str]:
    """What the scoring stage would reject later: scorer configurations and the human-labels file."""
    problems: list[str] = []
    try:
        from profiler.quality.engine import task_scorers
        from profiler.quality.labels import load_labels
    except ImportError:  # the quality stage is optional for validation
        return problems
    try:
        task_scorers(sc)
    except UserError as err:
        problems.append(str(err))
    if sc.judge is not None and sc.judge.labels is not None:
        try:
            load_labels(sc.judge.labels, {p.prompt_id: p for plist in prompts.values() for p in plist})
        except UserError as err:
            problems.append(str(err))
    return problems


# ---------------------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    """``swapbench validate FILE...`` (see profiler/scenario_cli.py)."""
    from profiler.scenario_cli import main as validate_main

    return validate_main(argv)


__all__ = [
    "ArrivalSpec", "BackoffSpec", "ClientSpec", "EndpointSpec", "JudgeSpec", "LoadSpec", "ModelSpec",
    "PriceSpec", "PromptMixSpec", "Scenario", "SimulatorSpec", "SloSpec", "TaskSpec", "VerdictSpec",
    "load_scenario", "main", "validate_file",
]  # fmt: skip
