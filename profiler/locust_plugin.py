"""Locust wiring for swapbench: options, run lifecycle, the run directory and the distributed merge.

``locustfiles/compare.py`` calls :func:`setup` at import time. That parses the swapbench options early
(the user classes depend on the scenario), loads the scenario and the prompt mix, builds one User class
per model (:mod:`profiler.locust_users`) and registers the event listeners below.

Options (command line, ``locust.conf`` / ``pyproject.toml [tool.locust]``, ``LOCUST_*`` env vars; all but
``--scenario`` also appear in the web UI's start form; ``locust --help`` cannot list them because Locust
prints its help before importing the locustfile). Precedence: command line > env var > config file >
the scenario's value > built-in default.

==================  =======================================================================================
``--scenario``      scenario file (default ``scenarios/gpt4o-vs-gpt55.yaml``; relative to the cwd, else to
                    the repository). Fixed when Locust starts: the user classes are generated from it.
``--reports-dir``   where run directories are created (default ``reports``)
``--run-id``        name of the run directory (default ``YYYYmmdd-HHMMSS-SCENARIO``)
``--capture``       ``full`` | ``hash`` | ``off``: what ``requests.jsonl`` keeps of each answer
``--transport``     ``fast`` | ``sdk`` (default: the scenario's ``client.transport``)
``--mode``          ``closed`` | ``open`` (default: ``load.mode``)
``--rate``          open loop: arrivals/s per model (default: ``load.arrival.rate_per_s``)
``--warmup``        seconds excluded from the results (default: ``load.warmup_s``)
``--sim-url``       use an already running simulator for the simulated models (no simulator is started)
``--no-report``     do not print the comparison at the end
==================  =======================================================================================

Headless defaults: without ``-t`` the run lasts ``load.duration_s``; without ``-u`` it runs
``load.users`` users per model; without ``-r`` all users start within a second (at most 100/s). Every model
gets the same number of users (equal weights): ``-u 64`` with two models is 32 users each (``-u`` is
rounded up to a multiple of the number of models in headless runs).

Processes: the master (or the local runner) creates the run directory at ``test_start``, starts the
simulator when a model is simulated and no ``--sim-url`` is given (``--truth`` = ``sim_truth.jsonl`` in the
run directory; one simulator, stopped at the end of the run) and sends the run's settings, the simulator
URL and the worker count to the workers inside Locust's spawn message (custom options travel with it).
Each run (each start in the web UI) gets its own run directory and its own simulator (fresh rate-limit and
queue state, its own ground-truth file). Prompt indices: see :mod:`profiler.locust_users` (the master
grants blocks, so every model replays a prefix of the same sequence whatever the user placement).
Workers ship ``Recorder.drain().to_wire()`` under the key ``swapbench`` of every ``report_to_master``
payload; the master writes them (rows as batches, histograms as deltas). The last worker reports arrive
after the master's ``test_stop``, so the run is closed when every worker sent its final report, or at
``quitting`` at the latest (field notes 1.5, #11). Ctrl-C / SIGTERM: what was measured is flushed and
``run.json`` says ``interrupted``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

import gevent
from locust import events
from locust.runners import STATE_RUNNING, STATE_SPAWNING, MasterRunner, WorkerRunner

from profiler import metrics
from profiler.errors import UserError
from profiler.locust_options import (
    add_arguments,
    check_options,
    early_options,
    resolve_scenario,
    resolve_settings,
    versions,
)
from profiler.locust_summary import print_report
from profiler.locust_users import BlockSeq, LoadEngine, LoadSettings, SeqAllocator, build_user_classes
from profiler.locust_webui import LiveStats, install_web_ui
from profiler.prompts import PromptMix
from profiler.rundir import RunWriter
from profiler.scenario import load_scenario

log = logging.getLogger("swapbench")

WIRE_KEY = "swapbench"
MSG_SEQ = "swapbench_seq"  # worker -> master: {model, n, run_id}
MSG_GRANT = "swapbench_seq_grant"  # master -> worker: {model, start, n, run_id}
DRAIN_INTERVAL_S = 1.0
WRITE_CHUNK = 250
MANIFEST_INTERVAL_S = 10.0
FINAL_REPORT_WAIT_S = 6.0  # > Locust's WORKER_REPORT_INTERVAL (3 s): a web-UI stop sends no final report

LOOP_LAG_WARN_MS = 20.0
QUIET_LOGGERS = ("httpx", "httpx2", "httpcore", "httpcore2", "openai")

PLUGIN: Plugin | None = None


# ------------------------------------------------------------------------------------------- options
# ------------------------------------------------------------------------------------------- plugin
class Plugin:
    """One per process: the scenario, the load engine, and (master/local) the run being written."""

    def __init__(self, sc: Any, transport_factory: Any = None) -> None:
        self.sc = sc
        self.mix = PromptMix(sc)
        self.engine = LoadEngine(sc, self.mix, transport_factory)
        self.user_classes = build_user_classes(self.engine)
        self.model_keys = list(self.engine.model_keys)
        self.environment: Any = None
        self.role = "local"  # local | master | worker
        self.headless = True
        # master/local run state
        self.writer: RunWriter | None = None
        self.sim: Any = None
        self.live = LiveStats(self.model_keys)
        self.settings = LoadSettings()
        self.allocator: SeqAllocator | None = None
        self.finalized = True
        self.interrupted = False
        self.last_status: str | None = None  # of the last run closed in this session
        self.broken = False  # a model failed every measured request of that run
        self.stopping_since: float | None = None
        self.final_from: set[str] = set()
        self.expected_workers = 0
        self.cpu_max: dict[str, float] = {}
        self.loop_lag: dict[str, dict] = {}
        self._drainer: Any = None
        self._ingesting = 0
        self._finalizing = False
        self.t_stop: float | None = None
        self._finalizer: Any = None
        self._last_manifest = 0.0
        # worker state
        self.worker_stopped = False
        self.pending_warnings: list[str] = []

    # -- registration ------------------------------------------------------------------------------
    def register(self) -> None:
        events.init.add_listener(self.on_init)
        events.test_start.add_listener(self.on_test_start)
        events.test_stop.add_listener(self.on_test_stop)
        events.report_to_master.add_listener(self.on_report_to_master)
        events.worker_report.add_listener(self.on_worker_report)
        events.quitting.add_listener(self.on_quitting)
        events.cpu_warning.add_listener(self.on_cpu_warning)
        events.usage_monitor.add_listener(self.on_usage_monitor)

    @property
    def options(self) -> Any:
        return self.environment.parsed_options

    def on_init(self, environment: Any, runner: Any = None, web_ui: Any = None, **_: Any) -> None:
        self.environment = environment
        # Locust logs at INFO: httpx/httpx2 would log a line per request (CPU inside the measurement)
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        # Runners register their own quitting listener when created (the master's quits the test and so
        # fires test_stop); quitting fires listeners in reverse order, so this one runs before it.
        events.quitting.add_listener(self.on_quitting_first)
        if isinstance(runner, WorkerRunner):
            self.role = "worker"
        elif isinstance(runner, MasterRunner):
            self.role = "master"
        else:
            self.role = "local"
        opts = environment.parsed_options
        if opts is None:
            return
        self.headless = bool(getattr(opts, "headless", False))
        if self.role != "worker":
            n = len(self.model_keys)
            if self.headless and not getattr(opts, "run_time", None):
                opts.run_time = int(round(self.sc.load.duration_s))
            if getattr(opts, "num_users", None) is None:
                opts.num_users = self.sc.load.users * n
            elif self.headless and opts.num_users % n:
                rounded = -(-opts.num_users // n) * n
                log.warning(
                    "swapbench: -u %d rounded up to %d (equal users per model)", opts.num_users, rounded
                )
                opts.num_users = rounded
            if getattr(opts, "spawn_rate", None) is None:
                opts.spawn_rate = float(min(max(opts.num_users, 1), 100))
        if web_ui is not None:
            install_web_ui(web_ui, self.live)
        if self.role == "master":
            runner.register_message(MSG_SEQ, self.on_seq_request)
        elif self.role == "worker":
            runner.register_message(MSG_GRANT, self.on_seq_grant)

    # -- settings ----------------------------------------------------------------------------------
    # -- run lifecycle (master/local) ---------------------------------------------------------------
    def on_test_start(self, environment: Any, **_: Any) -> None:
        runner = environment.runner
        if self.role != "worker":
            try:
                self.begin_run(runner)
            except UserError as err:
                log.error("swapbench: %s", err)
                environment.process_exit_code = 2
                gevent.spawn(runner.quit if self.headless else runner.stop)
                return
        if self.role == "worker":
            data = getattr(self.options, "swapbench_settings", None) or {}
            self.settings = LoadSettings.from_dict(data)
            self.worker_stopped = False
        if self.role == "local":
            self.engine.begin(self.settings, environment, 0)
        elif self.role == "worker":
            run_id = self.settings.run_id

            def ask(model_key: str, n: int) -> None:
                runner.send_message(MSG_SEQ, {"model": model_key, "n": n, "run_id": run_id})

            source = BlockSeq(self.model_keys, ask)
            self.engine.begin(self.settings, environment, runner.worker_index, source)

    # -- prompt indices in distributed mode ---------------------------------------------------------
    def on_seq_request(self, environment: Any, msg: Any, **_: Any) -> None:
        """Master: grant a worker the next block of prompt indices of a model."""
        d = msg.data or {}
        start, n = 0, 0
        if self.allocator is not None and d.get("run_id") == self.settings.run_id:
            start, n = self.allocator.allocate(str(d.get("model")), int(d.get("n") or 0))
        environment.runner.send_message(
            MSG_GRANT,
            {"model": d.get("model"), "start": start, "n": n, "run_id": d.get("run_id")},
            msg.node_id,
        )

    def on_seq_grant(self, environment: Any, msg: Any, **_: Any) -> None:
        d = msg.data or {}
        source = self.engine.seq_source
        if d.get("run_id") == self.settings.run_id and isinstance(source, BlockSeq):
            source.grant(str(d.get("model")), int(d.get("start") or 0), int(d.get("n") or 0))

    def begin_run(self, runner: Any) -> None:
        self.end_previous_run()
        s = resolve_settings(self.sc, self.options, runner, self.model_keys)
        o = self.options
        manifest = {
            "scenario_path": str(self.sc.path),
            "scenario": self.sc.manifest(),
            "baseline": self.sc.baseline,
            "models": self.model_keys,
            "tasks": list(self.sc.task_keys),
            "load": {
                "mode": s.mode,
                "users": int(getattr(runner, "target_user_count", 0) or o.num_users or 0),
                "users_per_model": s.users_per_model,
                "spawn_rate": getattr(o, "spawn_rate", None),
                "rate_per_s": s.rate_per_s if s.mode == "open" else None,
                "process": s.process if s.mode == "open" else None,
                "think_time_s": s.think_time_s if s.mode == "closed" else None,
                "max_in_flight": s.max_in_flight if s.mode == "open" else None,
                "duration_s": getattr(o, "run_time", None),
                "warmup_s": s.warmup_s,
                "max_requests": s.max_requests,
                "transport": s.transport,
                "processes": getattr(o, "processes", None) or 1,
                "workers": s.n_workers if self.role == "master" else 0,
                "distributed": self.role == "master",
                "headless": self.headless,
            },
            "capture": s.capture,
            "versions": versions(),
            "achieved": {},
            "client_cpu_max": {},
            "client_loop_lag": {},
            "simulator": None,
        }
        self.writer = RunWriter.create(o.reports_dir, self.sc.name, manifest, run_id=o.run_id or None)
        s.run_id = self.writer.path.name
        s.t0_epoch = float(self.writer.manifest["t0_epoch"])
        if any(self.sc.models[k].is_simulated for k in self.model_keys):
            if s.sim_url:
                self.writer.manifest["simulator"] = {"url": s.sim_url, "ground_truth": None, "started": False}
            else:
                from profiler.sim.server import start_subprocess

                truth = self.writer.path / "sim_truth.jsonl"
                self.sim = start_subprocess(self.sc.path, truth_path=truth, seed=self.sc.seed)
                s.sim_url = self.sim.url
                self.writer.manifest["simulator"] = {
                    "url": self.sim.url, "ground_truth": truth.name, "started": True, "pid": self.sim.pid,
                }  # fmt: skip
        run_time = getattr(o, "run_time", None)
        if run_time and s.warmup_s >= run_time:
            msg = (
                f"warm-up ({s.warmup_s:g} s) is not shorter than the run ({run_time} s): nothing is measured"
            )
            log.warning("swapbench: %s", msg)
            self.writer.warn(msg)
        self.writer.save_manifest()
        self.settings = s
        self.allocator = SeqAllocator(self.model_keys, s.max_requests)
        # custom options travel to the workers in Locust's spawn message
        self.options.swapbench_settings = s.to_dict()
        self.live.reset(s)
        self.finalized = False
        self.interrupted = False
        self.stopping_since = None
        self.t_stop: float | None = None
        self.final_from = set()
        self.cpu_max = {}
        self.loop_lag = {}
        if self.role == "local":
            self._drainer = gevent.spawn(self._drain_loop)
        log.info("swapbench: run directory %s", self.writer.path)

    def end_previous_run(self) -> None:
        """A new test started from the web UI before the previous one was closed: close it now."""
        if not self.finalized:
            self.finalize("complete")

    def _drain_loop(self) -> None:
        while not self.finalized:
            gevent.sleep(DRAIN_INTERVAL_S)
            if not self.finalized:
                self.ingest(self.engine.recorder.drain(), source="local")

    def ingest(self, drained: metrics.Drained, source: str, warnings: list[str] | None = None) -> None:
        """Master/local: write a batch of rows and interval histograms into the run directory."""
        w = self.writer
        if w is None or self.finalized:
            return
        self._ingesting += 1
        try:
            self._write(w, drained, warnings)
        finally:
            self._ingesting -= 1
        self._check_max_requests()

    def _write(self, w: RunWriter, drained: metrics.Drained, warnings: list[str] | None) -> None:
        rows = drained.rows
        for i in range(0, len(rows), WRITE_CHUNK):
            # JSON-encoding a few thousand rows at once would stall the users of a local run
            w.write_rows(rows[i : i + WRITE_CHUNK])
            if len(rows) > WRITE_CHUNK:
                gevent.sleep(0)
        w.write_drained(metrics.Drained(intervals=drained.intervals, out_of_range=drained.out_of_range))
        self.live.update(drained)
        for msg in warnings or ():
            w.warn(msg)
        now = time.time()
        if now - self._last_manifest >= MANIFEST_INTERVAL_S:
            self._last_manifest = now
            w.update_manifest(achieved=self.live.achieved(now), client_cpu_max=dict(self.cpu_max))

    def _check_max_requests(self) -> None:
        s = self.settings
        if not s.max_requests or self.finalized or self.stopping_since is not None:
            return
        if all(self.live.rows.get(k, 0) >= s.max_requests for k in self.model_keys):
            log.info("swapbench: load.max_requests (%d per model) reached, stopping", s.max_requests)
            runner = self.environment.runner
            gevent.spawn(runner.quit if self.headless else runner.stop)

    # -- distributed merge --------------------------------------------------------------------------
    def on_report_to_master(self, client_id: str, data: dict, **_: Any) -> None:
        """Worker: ship what was measured since the last report (histograms of ended intervals)."""
        final = self.worker_stopped
        drained = self.engine.recorder.drain(final=final)
        payload = drained.to_wire()
        payload["final"] = final
        payload["run_id"] = self.settings.run_id
        payload["warnings"], self.pending_warnings = self.pending_warnings, []
        payload["cpu_max"] = self.cpu_max.get("self", 0.0)
        payload["loop_lag"] = self.engine.loop_lag_summary()
        payload["worker"] = self.engine.worker_index
        data[WIRE_KEY] = payload

    def on_worker_report(self, client_id: str, data: dict, **_: Any) -> None:
        payload = data.get(WIRE_KEY)
        if not payload or self.writer is None:
            return
        if payload.get("run_id") and payload["run_id"] != self.settings.run_id:
            if payload.get("rows"):
                log.warning(
                    "swapbench: dropped %d rows of an earlier run from %s", len(payload["rows"]), client_id
                )
            return
        self.ingest(metrics.Drained.from_wire(payload), source=client_id, warnings=payload.get("warnings"))
        name = f"worker{payload.get('worker', client_id)}"
        if payload.get("loop_lag", {}).get("n"):
            self.loop_lag[name] = payload["loop_lag"]
        if payload.get("cpu_max"):
            self.cpu_max[name] = max(self.cpu_max.get(name, 0.0), float(payload["cpu_max"]))
        if payload.get("final") and self.stopping_since is not None:
            self.final_from.add(client_id)

    # -- stop ---------------------------------------------------------------------------------------
    def on_test_stop(self, environment: Any, **_: Any) -> None:
        if self.role != "worker" and not self.finalized and self.t_stop is None:
            self.t_stop = time.time()
        if self.role in ("local", "worker"):
            self.engine.end()
        if self.role == "worker":
            self.worker_stopped = True
            return
        if self.finalized:
            return
        if self.role == "local":
            self.finalize("interrupted" if self.interrupted else "complete")
            return
        # master: the workers' final reports arrive after test_stop
        self.stopping_since = time.time()
        runner = environment.runner
        self.expected_workers = runner.worker_count
        if self._finalizer is None or self._finalizer.dead:
            self._finalizer = gevent.spawn(self._finalize_when_reported)

    def _finalize_when_reported(self) -> None:
        deadline = time.time() + FINAL_REPORT_WAIT_S
        while time.time() < deadline and len(self.final_from) < self.expected_workers:
            gevent.sleep(0.1)
        if not self.finalized:
            self.finalize("interrupted" if self.interrupted else "complete")

    def on_quitting_first(self, environment: Any, **_: Any) -> None:
        """Runs before the runner's own quitting listener: is this a SIGTERM / Ctrl-C mid-run?"""
        runner = environment.runner
        if runner is None or runner.state not in (STATE_RUNNING, STATE_SPAWNING):
            return
        if self.role == "worker":
            # interrupted: stop the users and send the final report before the runner says "quit"
            runner.stop()
            try:
                runner._send_stats()
            except Exception:  # the master may be gone already
                pass
        elif not self.finalized:
            self.interrupted = True

    def on_quitting(self, environment: Any, **_: Any) -> None:
        """Runs last: close the run if nothing closed it yet, stop the simulator."""
        if self.role == "worker":
            return
        runner = environment.runner
        if not self.finalized and runner is not None and runner.state in (STATE_RUNNING, STATE_SPAWNING):
            # local runner (no quitting listener of its own): stop the users, then close the run
            self.interrupted = True
            runner.quit()
        if not self.finalized:
            self.finalize("interrupted" if self.interrupted else "complete")
        deadline = time.time() + 60
        while self._finalizing and time.time() < deadline:  # closing in another greenlet
            gevent.sleep(0.05)
        self._stop_sim()
        # Exit code: failed requests are measurements (they are in the results, and `swapbench report
        # --fail-on` gates on the verdict), so a complete run exits 0 whatever its outcomes; an
        # interrupted one exits 1, and so does one where a model failed every request (a broken setup). Setup errors (set earlier) and crashes in our code (Locust's 2) stand.
        from locust import log as locust_log

        if environment.process_exit_code is None and not locust_log.unhandled_greenlet_exception:
            ok = self.last_status == "complete" and not self.broken
            environment.process_exit_code = 0 if ok else 1

    def finalize(self, status: str) -> None:
        if self.finalized or self._finalizing or self.writer is None:
            return
        self._finalizing = True
        try:
            self._finalize(status)
        finally:
            self._finalizing = False

    def _finalize(self, status: str) -> None:
        self.last_status = status
        w = self.writer
        # let a batch being written (it yields between chunks) finish before the last one and close
        deadline = time.time() + 30
        while self._ingesting and time.time() < deadline:
            gevent.sleep(0.01)
        self.finalized = True
        if self._drainer is not None:
            self._drainer.kill(block=False)
            self._drainer = None
        if self.role == "local":
            self.engine.end()
            drained = self.engine.recorder.drain(final=True)
            w.write_drained(drained)
            self.live.update(drained)
        # rates over the time the load ran (not the shutdown that follows)
        now = self.t_stop or time.time()
        achieved = self.live.achieved(now)
        for key, a in achieved.items():
            tgt, got = a.get("target_rps"), a.get("rps") or 0.0
            if tgt and got < 0.9 * tgt:
                w.warn(f"{key}: achieved {got:.2f} req/s, below the target {tgt:.2f} req/s")
            if a.get("dropped"):
                w.warn(f"{key}: {a['dropped']} open-loop arrivals dropped (max_in_flight reached)")
        failures = self.live.failure_warnings()
        for msg in failures:
            w.warn(msg)
            log.warning("swapbench: %s", msg)
        self.broken = any(": every request failed" in msg for msg in failures)
        if self.role == "master" and len(self.final_from) < self.expected_workers and status == "complete":
            w.warn(f"{self.expected_workers - len(self.final_from)} worker(s) sent no final report")
        if self.role == "local":
            self.loop_lag["local"] = self.engine.loop_lag_summary()
        for proc, lag in self.loop_lag.items():
            if lag.get("p99_ms", 0) > LOOP_LAG_WARN_MS:
                w.warn(
                    f"client event loop lag p99 {lag['p99_ms']:.1f} ms ({proc}): latencies include up to "
                    "that much client-side delay; use --processes or fewer users"
                )
        w.manifest.update(
            achieved=achieved, client_cpu_max=dict(self.cpu_max), client_loop_lag=dict(self.loop_lag)
        )
        w.close(status)
        self._stop_sim()
        self.live.finished = True
        print_report(w.path, self.options)

    def _stop_sim(self) -> None:
        if self.sim is not None:
            sim, self.sim = self.sim, None
            try:
                sim.stop()
            except Exception as err:  # never lose the run over the simulator
                log.warning("swapbench: stopping the simulator failed: %s", err)

    # -- client health ------------------------------------------------------------------------------
    def on_cpu_warning(self, environment: Any, cpu_usage: float, **_: Any) -> None:
        msg = (
            f"client CPU at {cpu_usage:.0f}% ({self.role} pid {os.getpid()}) at "
            f"{time.strftime('%H:%M:%S', time.gmtime())} UTC: latencies include client-side delay; "
            "use --processes or fewer users"
        )
        if self.role == "worker":
            self.pending_warnings.append(msg)
        elif self.writer is not None and not self.finalized:
            self.writer.warn(msg)

    def on_usage_monitor(self, environment: Any, cpu_usage: float, **_: Any) -> None:
        key = "self" if self.role == "worker" else self.role
        self.cpu_max[key] = max(self.cpu_max.get(key, 0.0), float(cpu_usage))


# ------------------------------------------------------------------------------------------- entry
def setup(argv: list[str] | None = None, *, transport_factory: Any = None) -> dict[str, type]:
    """Called by the locustfile at import: returns ``{ClassName: UserClass}`` (one per model)."""
    global PLUGIN
    if PLUGIN is None:
        events.init_command_line_parser.add_listener(add_arguments)
        try:
            opts = early_options(argv)
            sc = load_scenario(resolve_scenario(opts.scenario))
            check_options(sc, opts)  # before any user starts: no traceback storm from a bad option
            plugin = Plugin(sc, transport_factory)
        except UserError as err:
            sys.stderr.write(f"swapbench: error: {err}\n")
            sys.exit(err.exit_code if isinstance(getattr(err, "exit_code", None), int) else 2)
        plugin.register()
        PLUGIN = plugin
    return dict(PLUGIN.user_classes)
