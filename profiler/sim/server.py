"""``swapbench sim``: serve every model of a scenario from one OpenAI-compatible endpoint.

``main(argv)`` runs the server in the foreground (uvloop when available; Ctrl-C or SIGTERM stop it
cleanly, flushing the ground-truth file). ``start_subprocess(...)`` runs it as a child process
(``python -m profiler.sim.server ... --ready``) and returns once it listens; the child announces its port
with one ``SWAPBENCH_SIM_READY <port>`` line on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from profiler.errors import UserError
from profiler.sim.app import SimApp
from profiler.sim.catalog import Catalog
from profiler.sim.http import Connection
from profiler.sim.profile import ModelProfile
from profiler.sim.truth import TruthWriter

READY = "SWAPBENCH_SIM_READY"
FLUSH_INTERVAL_S = 1.0


def build_app(sc: Any, *, seed: int | None = None, truth_path: str | Path | None = None) -> SimApp:
    """A :class:`SimApp` serving every model of scenario ``sc``."""
    profiles = [ModelProfile.from_spec(key, m.model or key, m.simulator) for key, m in sc.models.items()]
    return SimApp(
        profiles,
        Catalog.from_scenario(sc),
        seed=sc.seed if seed is None else seed,
        truth=TruthWriter(truth_path),
    )


async def serve(
    app: SimApp,
    host: str,
    port: int,
    on_ready: Callable[[int], None] | None = None,
    parent_pid: int | None = None,
) -> None:
    """Serve ``app`` until SIGINT/SIGTERM (or cancellation, or the death of ``parent_pid``); flushes the
    truth file periodically and at the end."""
    loop = asyncio.get_running_loop()
    conns: set[Connection] = set()
    server = await loop.create_server(
        lambda: Connection(app, conns), host, port, backlog=4096, reuse_address=True
    )
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not the main thread / Windows
            pass

    async def flusher() -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL_S)
            app.truth.flush()

    async def orphan_watch() -> None:  # a child simulator never outlives the run that started it
        while os.getppid() == parent_pid:
            await asyncio.sleep(0.5)
        stop.set()

    flush_task = loop.create_task(flusher())
    watch_task = loop.create_task(orphan_watch()) if parent_pid else None
    gc.collect()
    gc.freeze()  # the scenario and datasets are long-lived: keep them out of collections
    if on_ready is not None:
        on_ready(server.sockets[0].getsockname()[1])
    try:
        await stop.wait()
    finally:
        flush_task.cancel()
        if watch_task is not None:
            watch_task.cancel()
        server.close()
        for c in list(conns):
            c.close()
        await asyncio.sleep(0)
        app.truth.flush()


def _run(coro: Any, use_uvloop: bool) -> None:
    if use_uvloop:
        try:
            import uvloop

            uvloop.run(coro)
            return
        except ImportError:
            pass
    asyncio.run(coro)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="swapbench sim", description="Run the embedded OpenAI-compatible model simulator."
    )
    ap.add_argument("--scenario", required=True, help="scenario YAML whose models and datasets are served")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    ap.add_argument("--truth", default=None, help="write one ground-truth JSON line per request to this file")
    ap.add_argument("--seed", type=int, default=None, help="override the scenario's seed")
    ap.add_argument("--no-uvloop", action="store_true", help="use the default asyncio event loop")
    ap.add_argument("--ready", action="store_true", help=argparse.SUPPRESS)  # handshake for start_subprocess
    ap.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)  # exit when it dies
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="swapbench sim: %(levelname)s %(message)s")
    from profiler.scenario import load_scenario

    sc = load_scenario(args.scenario)
    app = build_app(sc, seed=args.seed, truth_path=args.truth)

    def ready(port: int) -> None:
        names = ", ".join(s.profile.name for s in app.states)
        print(f"swapbench sim: serving {names} at http://{args.host}:{port}/v1 (Ctrl-C to stop)", flush=True)
        if args.ready:
            print(f"{READY} {port}", flush=True)

    try:
        _run(serve(app, args.host, args.port, ready, args.parent_pid), not args.no_uvloop)
    except OSError as err:
        raise UserError(
            f"--port {args.port}: expected a free port on {args.host}, got {err.strerror}"
        ) from None
    except KeyboardInterrupt:
        app.truth.flush()
    if not args.ready:  # started by another stage: that stage reports, keep its output quiet
        print(f"swapbench sim: stopped ({app.truth.written} ground-truth rows)", file=sys.stderr, flush=True)
    return 0


class SimProcess:
    """A simulator child process. ``url`` ends in ``/v1``; ``stop()`` terminates it and waits."""

    def __init__(self, proc: subprocess.Popen, host: str, port: int) -> None:
        self.proc = proc
        self.host = host
        self.port = port
        self.url = f"http://{host}:{port}/v1"
        self.base = f"http://{host}:{port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _admin(self, method: str, path: str, body: dict | None = None) -> dict:
        import json
        import urllib.request

        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def stall(self, ms: float, model: str | None = None) -> dict:
        """Pause every stream (or one model's) for ``ms`` milliseconds from now (``POST /sim/stall``)."""
        return self._admin("POST", "/sim/stall", {"ms": ms, "model": model})

    def stats(self) -> dict:
        """Per-model counters (``GET /sim/stats``)."""
        return self._admin("GET", "/sim/stats")

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, wait (kill after ``timeout``); returns the exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self) -> SimProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_subprocess(
    scenario_path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    truth_path: str | Path | None = None,
    seed: int | None = None,
    timeout: float = 30.0,
    extra_args: list[str] | None = None,
) -> SimProcess:
    """Start ``python -m profiler.sim.server`` and return once it accepts connections."""
    cmd = [sys.executable, "-m", "profiler.sim.server", "--scenario", str(scenario_path), "--host", host,
           "--port", str(port), "--ready", "--parent-pid", str(os.getpid())]  # fmt: skip
    if truth_path is not None:
        cmd += ["--truth", str(truth_path)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    cmd += extra_args or []
    env = os.environ.copy()  # make this very package importable in the child, installed or not
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    # Own session: a terminal Ctrl-C goes to the load run, which then stops the simulator itself after
    # the last in-flight request is recorded (instead of the two racing); --parent-pid covers crashes.
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env, start_new_session=True
    )
    found: list[int] = []
    done = threading.Event()

    def reader() -> None:  # reads the handshake, then drains stdout so the child never blocks on it
        assert proc.stdout is not None
        for line in proc.stdout:
            if not found and line.startswith(READY):
                found.append(int(line.split()[1]))
                done.set()
        done.set()

    threading.Thread(target=reader, daemon=True, name="sim-stdout").start()
    deadline = time.monotonic() + timeout
    while not done.wait(0.05):
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"simulator did not become ready within {timeout} s: {' '.join(cmd)}")
    if not found:
        code = proc.wait()
        raise UserError(
            f"{scenario_path}: the simulator exited with code {code} before it was ready (see stderr)"
        )
    return SimProcess(proc, host, found[0])


if __name__ == "__main__":
    try:
        sys.exit(main())
    except UserError as err:
        print(f"swapbench sim: error: {err}", file=sys.stderr)
        sys.exit(err.exit_code)
