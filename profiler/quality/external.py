"""User-supplied checks: a command run on the answer, and a Python function."""

from __future__ import annotations

import importlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from profiler.quality.base import (
    BuildContext,
    Scorer,
    ScoreResult,
    extract_code,
    failed,
    passed,
    register,
    short,
    unscored,
)

STDERR_TAIL = 600
# compilers are CPU-bound: never run more of them at once than there are cores, whatever --concurrency says
_CPU_SLOTS = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


@register
class CommandScorer(Scorer):
    """Write the answer to ``filename`` in a fresh temp dir and run ``command`` there.

    ``{file}`` in the command is the answer file's path, ``{dir}`` the temp dir. Exit 0 passes. The first
    fenced code block of the answer is written when there is one (``extract: raw`` writes it as is).
    A missing executable gives ``unscored``; a timeout fails. At most one command per CPU core runs at once.
    """

    kind = "command"
    keys = frozenset({"command", "filename", "timeout_s", "extract"})
    slow = True

    def configure(self, entry: dict, ctx: BuildContext) -> None:
        cmd = entry.get("command")
        if isinstance(cmd, str):
            cmd = [cmd]
        if not isinstance(cmd, list) or not cmd or not all(isinstance(c, str) and c for c in cmd):
            raise ctx.error("command", f"expected a list of strings, got {entry.get('command')!r}")
        self.command = cmd
        fn = entry.get("filename", "answer.txt")
        if not isinstance(fn, str) or not fn or "/" in fn or "\\" in fn or fn in (".", ".."):
            raise ctx.error("filename", f"expected a plain file name, got {fn!r}")
        self.filename = fn
        t = entry.get("timeout_s", 30)
        if isinstance(t, bool) or not isinstance(t, int | float) or not t > 0 or not math.isfinite(t):
            raise ctx.error("timeout_s", f"expected a number > 0, got {t!r}")
        self.timeout_s = float(t)
        self.extract = entry.get("extract", "fenced")
        if self.extract not in ("fenced", "raw"):
            raise ctx.error("extract", f"expected fenced or raw, got {self.extract!r}")

    def score(self, answer: str, prompt: Any, row: dict) -> ScoreResult:
        exe = self.command[0]
        if shutil.which(exe) is None:
            return unscored(f"executable not found: {exe}", command=self.command)
        text, fenced = extract_code(answer) if self.extract == "fenced" else (answer, False)
        with _CPU_SLOTS, tempfile.TemporaryDirectory(prefix="swapbench-cmd-") as tmp:
            path = Path(tmp) / self.filename
            path.write_text(text, encoding="utf-8")
            argv = [a.replace("{file}", str(path)).replace("{dir}", tmp) for a in self.command]
            try:
                proc = subprocess.run(
                    argv, cwd=tmp, capture_output=True, timeout=self.timeout_s, stdin=subprocess.DEVNULL
                )
            except FileNotFoundError:
                return unscored(f"executable not found: {exe}", command=self.command)
            except subprocess.TimeoutExpired as e:
                tail = (e.stderr or b"").decode("utf-8", "replace")[-STDERR_TAIL:]
                return failed(f"timed out after {self.timeout_s:g} s", exit_status=None, stderr_tail=tail)
            except OSError as e:
                return unscored(f"could not run {exe}: {e}", command=self.command)
        err = (proc.stderr or b"").decode("utf-8", "replace")
        out = (proc.stdout or b"").decode("utf-8", "replace")
        tail = (err or out)[-STDERR_TAIL:]
        details = {"exit_status": proc.returncode, "stderr_tail": tail, "fenced": fenced}
        if proc.returncode == 0:
            return passed("exit 0", **details)
        last = next((ln for ln in reversed(tail.strip().splitlines()) if ln.strip()), "")
        return failed(f"exit {proc.returncode}: {short(last, 100)}", **details)


@register
class PythonScorer(Scorer):
    """``function: "module:function"`` called as ``f(answer, prompt, row)``.

    The scenario's folder is put on ``sys.path`` first. The function returns a bool, a float in [0, 1]
    (pass when ``>= threshold``, default 0.5) or a dict ``{pass, score?, reason?, details?}``.
    An exception in the function makes that row ``unscored`` with the exception as reason.
    """

    kind = "python"
    keys = frozenset({"function", "threshold"})

    def configure(self, entry: dict, ctx: BuildContext) -> None:
        spec = entry.get("function")
        if not isinstance(spec, str) or spec.count(":") != 1 or not all(spec.split(":")):
            raise ctx.error("function", f"expected 'module:function', got {spec!r}")
        mod_name, fn_name = spec.split(":")
        base = str(ctx.base_dir)
        if base not in sys.path:
            sys.path.insert(0, base)
        try:
            module = importlib.import_module(mod_name)
        except Exception as e:  # noqa: BLE001 - user code: any import failure is a config error
            raise ctx.error(
                "function", f"cannot import module {mod_name!r}: {type(e).__name__}: {e}"
            ) from None
        fn = getattr(module, fn_name, None)
        if not callable(fn):
            raise ctx.error("function", f"module {mod_name!r} has no function {fn_name!r}")
        self.fn = fn
        self.spec = spec
        th = entry.get("threshold", 0.5)
        if isinstance(th, bool) or not isinstance(th, int | float):
            raise ctx.error("threshold", f"expected a number, got {th!r}")
        self.threshold = float(th)

    def score(self, answer: str, prompt: Any, row: dict) -> ScoreResult:
        try:
            out = self.fn(answer, prompt, row)
        except Exception as e:  # noqa: BLE001 - user code
            return unscored(f"{self.spec} raised {type(e).__name__}: {short(str(e), 100)}")
        if isinstance(out, bool):
            return passed("function returned true") if out else failed("function returned false")
        if isinstance(out, int | float):
            s = float(out)
            if s >= self.threshold:
                return passed(f"score {s:g} >= {self.threshold:g}", score=s)
            return failed(f"score {s:g} < {self.threshold:g}", score=s)
        if isinstance(out, dict) and isinstance(out.get("pass"), bool):
            s = out.get("score")
            s = (
                float(s)
                if isinstance(s, int | float) and not isinstance(s, bool)
                else (1.0 if out["pass"] else 0.0)
            )
            reason = str(out.get("reason") or ("pass" if out["pass"] else "fail"))
            details = out.get("details") if isinstance(out.get("details"), dict) else {}
            return (passed if out["pass"] else failed)(short(reason, 200), score=s, **details)
        return unscored(
            f"{self.spec} returned {type(out).__name__}, expected bool, float or dict with 'pass'"
        )
