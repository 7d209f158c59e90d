"""swapbench's Locust options and how a run's settings are resolved from them and the scenario.

Precedence: command line > ``LOCUST_*`` env var > config file (``locust.conf``, ``pyproject.toml``) > the
scenario's value > built-in default. The option table is in :mod:`profiler.locust_plugin`.
"""

from __future__ import annotations

import importlib.metadata
import logging
import platform
import sys
import time
from pathlib import Path
from typing import Any

from locust.runners import MasterRunner

from profiler.errors import UserError
from profiler.locust_users import LoadSettings

log = logging.getLogger("swapbench")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = "scenarios/gpt4o-vs-gpt55.yaml"


def add_arguments(parser: Any) -> None:
    """Register swapbench's options on Locust's parser (``init_command_line_parser``)."""
    parser.add_argument(
        "--scenario", default=DEFAULT_SCENARIO, env_var="LOCUST_SCENARIO", include_in_web_ui=False,
        help="swapbench scenario file (relative to the cwd, else to the swapbench repository)",
    )  # fmt: skip
    parser.add_argument("--reports-dir", default="reports", env_var="LOCUST_REPORTS_DIR",
                        help="swapbench: folder for run directories")  # fmt: skip
    parser.add_argument("--run-id", default="", env_var="LOCUST_RUN_ID",
                        help="swapbench: run directory name (default: timestamp-scenario)")  # fmt: skip
    parser.add_argument("--capture", default="full", choices=["full", "hash", "off"],
                        help="swapbench: keep answers in requests.jsonl (full), their sha256 (hash) or nothing")  # fmt: skip
    parser.add_argument("--transport", default="scenario", choices=["scenario", "fast", "sdk"],
                        help="swapbench: streaming client (default: the scenario's client.transport)")  # fmt: skip
    parser.add_argument("--mode", default="scenario", choices=["scenario", "closed", "open"],
                        help="swapbench: closed loop (users) or open loop (arrival rate); default load.mode")  # fmt: skip
    parser.add_argument("--rate", default=None,
                        help="swapbench: open loop arrivals/s per model (default load.arrival.rate_per_s)")  # fmt: skip
    parser.add_argument("--warmup", default=None,
                        help="swapbench: warm-up seconds excluded from results (default load.warmup_s)")  # fmt: skip
    parser.add_argument("--sim-url", default="", env_var="LOCUST_SIM_URL",
                        help="swapbench: URL of a running simulator (e.g. http://127.0.0.1:8000/v1)")  # fmt: skip
    parser.add_argument("--no-report", action="store_true", default=False,
                        help="swapbench: do not score, report or print the comparison at the end")  # fmt: skip
    parser.add_argument("--score", default="auto", choices=["auto", "on", "off"],
                        help="swapbench: score the answers at the end of the run (auto: when the judge "
                             "is simulated or absent, so it costs nothing)")  # fmt: skip


def early_options(argv: list[str] | None = None) -> Any:
    """Parse the command line (and locust.conf / env vars) before Locust does: needed at import time."""
    from locust.argument_parser import get_parser

    parser = get_parser()
    opts, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return opts


def resolve_scenario(path: str) -> Path:
    p = Path(path).expanduser()
    if p.is_file():
        return p.resolve()
    if not p.is_absolute() and (REPO / p).is_file():
        return (REPO / p).resolve()
    raise UserError(f"{path}: --scenario: expected a scenario file, got a path that does not exist")


def _opt_float(value: Any, name: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UserError(f"{name}: expected a number, got {value!r}") from None


def check_options(sc: Any, o: Any) -> None:
    """The option combinations that cannot run, rejected with one line before anything starts."""
    mode = o.mode if getattr(o, "mode", None) in ("closed", "open") else sc.load.mode
    rate = _opt_float(getattr(o, "rate", None), "--rate")
    if rate is not None and rate <= 0:
        raise UserError(f"--rate: expected arrivals per second per model > 0, got {o.rate}")
    warmup = _opt_float(getattr(o, "warmup", None), "--warmup")
    if warmup is not None and warmup < 0:
        raise UserError(f"--warmup: expected seconds >= 0, got {o.warmup}")
    if mode == "open" and rate is None and (sc.load.arrival is None or not sc.load.arrival.rate_per_s):
        raise UserError(
            f"{sc.path}: load.arrival.rate_per_s: open loop needs an arrival rate; set it in the scenario "
            "or pass --rate N (arrivals per second per model)"
        )


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for dist in ("swapbench", "locust", "gevent", "openai", "httpx2", "hdrhistogram"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def resolve_settings(sc: Any, o: Any, runner: Any, model_keys: list[str]) -> LoadSettings:
    """The run's settings from the options ``o`` and the scenario (options win)."""
    load = sc.load
    mode = o.mode if o.mode in ("closed", "open") else load.mode
    rate = _opt_float(getattr(o, "rate", None), "--rate")
    if rate is None and load.arrival is not None:
        rate = load.arrival.rate_per_s
    if mode == "open" and (rate is None or rate <= 0):  # options set in the web UI form
        raise UserError(
            f"{sc.path}: load.arrival.rate_per_s: open loop needs an arrival rate > 0; set it in the "
            f"scenario or give a rate (got {rate})"
        )
    warmup = _opt_float(getattr(o, "warmup", None), "--warmup")
    users = int(getattr(runner, "target_user_count", 0) or getattr(o, "num_users", 0) or 0)
    n = len(model_keys)
    if users % n:
        log.warning("swapbench: %d users do not split equally over %d models", users, n)
    n_workers = 1
    if isinstance(runner, MasterRunner):
        n_workers = max(runner.worker_count, getattr(runner, "worker_index_max", 0), 1)
    return LoadSettings(
        mode=mode,
        rate_per_s=rate,
        process=load.arrival.process if load.arrival is not None else "poisson",
        think_time_s=load.think_time_s,
        max_in_flight=load.max_in_flight,
        warmup_s=load.warmup_s if warmup is None else max(warmup, 0.0),
        capture=o.capture,
        transport=o.transport if o.transport in ("fast", "sdk") else sc.client.transport,
        max_requests=load.max_requests,
        t0_epoch=time.time(),
        users_per_model=max(1, -(-users // n)),
        n_workers=n_workers,
        sim_url=(o.sim_url or None),
    )
