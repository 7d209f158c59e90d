"""The run directory: the contract between the load, score and report stages.

This module is the only code that knows the file formats of ``reports/RUN/`` (docs/run-directory.md):
``run.json`` (manifest), ``requests.jsonl`` (one row per logical request), ``latency.hlog`` (HDR
interval log, µs values, tagged ``metric:model:task``), ``scores.jsonl`` and ``judge_calibration.json``.

:class:`RunWriter` is used by the load stage (the local runner, or the master in distributed mode);
:class:`RunDir` reads a run for the score and report stages. Never imports locust.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from hdrh.histogram import HdrHistogram

from profiler import metrics
from profiler.errors import UserError

SCHEMA_VERSION = 1
MANIFEST = "run.json"
REQUESTS = "requests.jsonl"
HLOG = "latency.hlog"
SCORES = "scores.jsonl"
CALIBRATION = "judge_calibration.json"
STATUSES = ("running", "complete", "interrupted")

_HLOG_LINE = re.compile(r"^Tag=([^,]+),(-?[\d.]+),([\d.]+),([\d.]+),(\S+)$")


def _utc_iso(epoch: float | None = None) -> str:
    t = dt.datetime.fromtimestamp(epoch if epoch is not None else dt.datetime.now().timestamp(), dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _atomic_write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=False, default=str)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def new_run_id(scenario_name: str, epoch: float | None = None) -> str:
    t = dt.datetime.fromtimestamp(epoch if epoch is not None else dt.datetime.now().timestamp(), dt.UTC)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", scenario_name).strip("-") or "run"
    return f"{t:%Y%m%d-%H%M%S}-{safe}"


class RunWriter:
    """Creates and fills one run directory. Thread/greenlet safe for its own calls (one lock)."""

    def __init__(self, path: Path, manifest: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=False)
        self._lock = threading.Lock()
        now = dt.datetime.now().timestamp()
        self.manifest: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "tool": "swapbench",
            "tool_version": _tool_version(),
            "run_id": self.path.name,
            "status": "running",
            "started_at": _utc_iso(now),
            "ended_at": None,
            "t0_epoch": now,
            "hdr": {
                "lowest_us": metrics.HDR_LOWEST,
                "highest_us": metrics.HDR_HIGHEST,
                "significant_figures": metrics.HDR_SIGFIGS,
                "interval_s": metrics.INTERVAL_S,
            },
            "out_of_range": {},
            "warnings": [],
        }
        self.manifest.update(manifest)
        self.rows_written = 0
        self.interval_lines = 0
        self._requests = open(self.path / REQUESTS, "a", encoding="utf-8")  # noqa: SIM115
        self._hlog = open(self.path / HLOG, "a", encoding="utf-8")  # noqa: SIM115
        # Intervals are aligned to wall-clock multiples of interval_s; the log's base time is the
        # aligned start of the first interval, so every line's start offset is >= 0.
        t0 = float(self.manifest["t0_epoch"])
        interval = float(self.manifest["hdr"]["interval_s"])
        self.base_epoch = (t0 // interval) * interval
        self.manifest["hlog_base_epoch"] = self.base_epoch
        self._hlog.write("#[Histogram log format version 1.3]\n")
        self._hlog.write(f"#[swapbench {self.manifest['tool_version']}: values in microseconds]\n")
        self._hlog.write(f"#[run started at {t0:.6f} (seconds since epoch)]\n")
        self._hlog.write(
            f"#[StartTime: {self.base_epoch:.3f} (seconds since epoch), {_utc_iso(self.base_epoch)}]\n"
        )
        self._hlog.write(f"#[BaseTime: {self.base_epoch:.3f} (seconds since epoch)]\n")
        self._hlog.write(
            '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"\n'
        )
        self._hlog.flush()
        self.save_manifest()

    @classmethod
    def create(
        cls,
        reports_dir: str | Path,
        scenario_name: str,
        manifest: Mapping[str, Any],
        run_id: str | None = None,
    ) -> RunWriter:
        """A new, uniquely named run directory under ``reports_dir``."""
        reports = Path(reports_dir)
        reports.mkdir(parents=True, exist_ok=True)
        base = run_id or new_run_id(scenario_name)
        name, n = base, 1
        while (reports / name).exists():
            n += 1
            name = f"{base}-{n}"
        return cls(reports / name, manifest)

    # -- writing ---------------------------------------------------------------------------------
    def write_rows(self, rows: Iterable[Mapping[str, Any]]) -> int:
        lines = [json.dumps({k: v for k, v in r.items() if not k.startswith("_")}, default=str) for r in rows]
        if not lines:
            return 0
        with self._lock:
            self._requests.write("\n".join(lines) + "\n")
            self._requests.flush()
            self.rows_written += len(lines)
        return len(lines)

    def write_intervals(self, intervals: Iterable[Sequence[Any]]) -> int:
        """Append interval histograms ``(start_epoch_s, length_s, tag, base64_blob)`` as hlog lines."""
        base = self.base_epoch
        out = []
        for start, length, tag_, blob in intervals:
            blob_b = blob if isinstance(blob, bytes) else str(blob).encode()
            h = HdrHistogram.decode(blob_b)
            max_ms = h.get_max_value() / 1000.0
            out.append(
                f"Tag={tag_},{float(start) - base:.3f},{float(length):.3f},{max_ms:.3f},{blob_b.decode()}"
            )
        if not out:
            return 0
        with self._lock:
            self._hlog.write("\n".join(out) + "\n")
            self._hlog.flush()
            self.interval_lines += len(out)
        return len(out)

    def write_drained(self, drained: metrics.Drained) -> None:
        self.write_rows(drained.rows)
        self.write_intervals(drained.intervals)
        if drained.out_of_range:
            oor = self.manifest.setdefault("out_of_range", {})
            for k, v in drained.out_of_range.items():
                oor[k] = oor.get(k, 0) + int(v)

    def warn(self, message: str) -> None:
        warnings = self.manifest.setdefault("warnings", [])
        if message not in warnings:
            warnings.append(message)

    def update_manifest(self, **fields: Any) -> None:
        self.manifest.update(fields)
        self.save_manifest()

    def save_manifest(self) -> None:
        with self._lock:
            _atomic_write_json(self.path / MANIFEST, self.manifest)

    def close(self, status: str = "complete") -> None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        with self._lock:
            for f in (self._requests, self._hlog):
                if not f.closed:
                    f.flush()
                    os.fsync(f.fileno())
                    f.close()
        self.manifest["status"] = status
        self.manifest["ended_at"] = _utc_iso()
        self.manifest["rows_written"] = self.rows_written
        self.save_manifest()


def _tool_version() -> str:
    from profiler import __version__

    return __version__


# ------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------
class HlogLine:
    __slots__ = ("tag", "start", "length", "payload")

    def __init__(self, tag: str, start: float, length: float, payload: str) -> None:
        self.tag, self.start, self.length, self.payload = tag, start, length, payload


class RunDir:
    """Read access to one run directory (raises :class:`UserError` with file and line on bad input)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise UserError(f"{self.path}: run directory not found")
        mpath = self.path / MANIFEST
        if not mpath.is_file():
            raise UserError(f"{mpath}: missing; expected a run directory written by the load stage")
        try:
            self.manifest: dict[str, Any] = json.loads(mpath.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise UserError(f"{mpath}: not valid JSON ({e})") from None
        if not isinstance(self.manifest, dict):
            raise UserError(f"{mpath}: expected a JSON object")
        version = self.manifest.get("schema_version")
        if version != SCHEMA_VERSION:
            raise UserError(f"{mpath}: schema_version: expected {SCHEMA_VERSION}, got {version!r}")
        self._hlog_lines: list[HlogLine] | None = None
        # hlog line starts are relative to hlog_base_epoch (the run start rounded down to the interval);
        # readers get times relative to the run start (t0_epoch) instead
        t0, base = self.manifest.get("t0_epoch"), self.manifest.get("hlog_base_epoch")
        self.hlog_offset_s = float(t0) - float(base) if t0 is not None and base is not None else 0.0
        self.truncated_rows = 0

    # -- manifest --------------------------------------------------------------------------------
    @property
    def run_id(self) -> str:
        return str(self.manifest.get("run_id", self.path.name))

    @property
    def status(self) -> str:
        return str(self.manifest.get("status", "running"))

    @property
    def interrupted(self) -> bool:
        """True when the run did not end cleanly (interrupted, or still marked running)."""
        return self.status != "complete"

    @property
    def models(self) -> list[str]:
        return list(self.manifest.get("models") or [])

    @property
    def baseline(self) -> str | None:
        return self.manifest.get("baseline")

    @property
    def scenario_path(self) -> Path | None:
        p = self.manifest.get("scenario_path")
        return Path(p) if p else None

    # -- requests --------------------------------------------------------------------------------
    @property
    def requests_path(self) -> Path:
        return self.path / REQUESTS

    def iter_requests(self, phase: str | None = "measure") -> Iterator[dict[str, Any]]:
        """Rows of requests.jsonl (``phase=None`` for all). A torn last line of an interrupted run is
        skipped and counted in ``truncated_rows``; corruption elsewhere is an error naming the line."""
        path = self.requests_path
        if not path.is_file():
            raise UserError(f"{path}: missing; expected one JSON row per request")
        self.truncated_rows = 0
        with open(path, encoding="utf-8") as f:
            pending: tuple[int, str] | None = None
            for lineno, line in enumerate(f, 1):
                if pending is not None:
                    raise UserError(f"{path}:{pending[0]}: not valid JSON: {pending[1][:60]!r}")
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    pending = (lineno, line)
                    continue
                if not isinstance(row, dict):
                    raise UserError(f"{path}:{lineno}: expected a JSON object, got {type(row).__name__}")
                if phase is None or row.get("phase") == phase:
                    yield row
            if pending is not None:
                if line.endswith("\n") or not self.interrupted:
                    raise UserError(f"{path}:{pending[0]}: not valid JSON: {pending[1][:60]!r}")
                self.truncated_rows = 1

    def columns(
        self, keys: Sequence[str], phase: str | None = "measure", chunk: int = 65_536
    ) -> dict[str, np.ndarray]:
        """Columnar view of requests.jsonl for the given keys (numbers as float64 with NaN for null,
        booleans as bool, everything else as object arrays). Rows are converted in chunks, so peak
        memory stays proportional to the columns asked for, not to a list of row dicts."""
        parts: dict[str, list[np.ndarray]] = {k: [] for k in keys}
        buf: dict[str, list[Any]] = {k: [] for k in keys}

        def flush() -> None:
            for k in keys:
                parts[k].append(_to_array(buf[k]))
                buf[k] = []

        for n, row in enumerate(self.iter_requests(phase), 1):
            for k in keys:
                buf[k].append(row.get(k))
            if n % chunk == 0:
                flush()
        flush()
        return {k: _concat(v) for k, v in parts.items()}

    # -- histograms ------------------------------------------------------------------------------
    @property
    def hlog_path(self) -> Path:
        return self.path / HLOG

    def _lines(self) -> list[HlogLine]:
        if self._hlog_lines is None:
            path = self.hlog_path
            if not path.is_file():
                raise UserError(f"{path}: missing; expected an HDR interval log")
            lines: list[HlogLine] = []
            with open(path, encoding="utf-8") as f:
                for lineno, raw in enumerate(f, 1):
                    raw = raw.rstrip("\n")
                    if not raw or raw.startswith("#") or raw.startswith('"'):
                        continue
                    m = _HLOG_LINE.match(raw)
                    if not m:
                        if not self.interrupted:
                            raise UserError(
                                f"{path}:{lineno}: expected 'Tag=metric:model:task,start,length,max,histogram'"
                            )
                        continue
                    start = float(m.group(2)) - self.hlog_offset_s
                    lines.append(HlogLine(m.group(1), start, float(m.group(3)), m.group(5)))
            self._hlog_lines = lines
        return self._hlog_lines

    def tags(self) -> list[str]:
        return sorted({ln.tag for ln in self._lines()})

    def _match(self, metric: str, model: str | None, task: str | None) -> list[HlogLine]:
        out = []
        for ln in self._lines():
            m, mo, ta = metrics.parse_tag(ln.tag)
            if m == metric and (model is None or mo == model) and (task is None or ta == task):
                out.append(ln)
        return out

    def histogram(
        self,
        metric: str,
        model: str | None = None,
        task: str | None = None,
        t_from: float | None = None,
        t_to: float | None = None,
    ) -> HdrHistogram:
        """All intervals of ``metric`` (for one model/task or all) merged; optional window in seconds
        relative to the run start (``t0_epoch``; the first interval may start up to one interval before it) (intervals whose start lies in ``[t_from, t_to)``)."""
        h = metrics.new_histogram()
        for ln in self._match(metric, model, task):
            if t_from is not None and ln.start < t_from:
                continue
            if t_to is not None and ln.start >= t_to:
                continue
            h.decode_and_add(ln.payload)
        return h

    def intervals(
        self, metric: str, model: str | None = None, task: str | None = None
    ) -> list[tuple[float, float, HdrHistogram]]:
        """``(start_s, length_s, merged histogram)`` per interval, in time order; ``start_s`` is seconds
        from the run start (``t0_epoch``), so the first interval may start slightly before 0."""
        merged: dict[tuple[float, float], HdrHistogram] = {}
        for ln in self._match(metric, model, task):
            key = (ln.start, ln.length)
            h = merged.get(key)
            if h is None:
                h = merged[key] = metrics.new_histogram()
            h.decode_and_add(ln.payload)
        return [(s, length, merged[(s, length)]) for s, length in sorted(merged)]

    # -- scores ----------------------------------------------------------------------------------
    @property
    def scores_path(self) -> Path:
        return self.path / SCORES

    def has_scores(self) -> bool:
        return self.scores_path.is_file() and self.scores_path.stat().st_size > 0

    def iter_scores(self) -> Iterator[dict[str, Any]]:
        """Rows of scores.jsonl, streamed; a torn last line (scoring interrupted mid-write) is ignored."""
        path = self.scores_path
        if not path.is_file():
            return
        with open(path, encoding="utf-8") as f:
            bad: tuple[int, str] | None = None
            for lineno, line in enumerate(f, 1):
                if bad is not None:  # a bad line that is not the last one
                    raise UserError(f"{path}:{bad[0]}: not valid JSON")
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    bad = (lineno, line)
                    continue
                if not isinstance(row, dict):
                    raise UserError(f"{path}:{lineno}: expected a JSON object")
                yield row
            if bad is not None and bad[1].endswith("\n"):
                raise UserError(f"{path}:{bad[0]}: not valid JSON")

    def append_scores(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Append score rows, flushed and fsynced, so an interruption loses nothing already written.
        A torn last line left by an earlier crash is cut first."""
        path = self.scores_path
        _repair_tail(path)
        lines = [json.dumps(dict(r), default=str) for r in rows]
        if not lines:
            return 0
        with open(path, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
            f.flush()
            os.fsync(f.fileno())
        return len(lines)

    def reset_scores(self) -> None:
        for name in (SCORES, CALIBRATION):
            p = self.path / name
            if p.exists():
                p.unlink()

    @property
    def calibration(self) -> dict[str, Any] | None:
        p = self.path / CALIBRATION
        if not p.is_file():
            return None
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise UserError(f"{p}: not valid JSON ({e})") from None
        return data if isinstance(data, dict) else None

    def write_calibration(self, data: Mapping[str, Any]) -> None:
        _atomic_write_json(self.path / CALIBRATION, dict(data))

    # -- reports ---------------------------------------------------------------------------------
    def write_file(self, name: str, content: str | bytes) -> Path:
        """Write a report artefact (``report.md``...) atomically into the run directory."""
        if "/" in name or name in (MANIFEST, REQUESTS, HLOG, SCORES, CALIBRATION):
            raise ValueError(f"refusing to overwrite {name}")
        p = self.path / name
        tmp = p.with_name(p.name + ".tmp")
        if isinstance(content, bytes):
            tmp.write_bytes(content)
        else:
            tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, p)
        return p


def _repair_tail(path: Path) -> None:
    if not path.is_file() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as f:
        f.seek(-1, os.SEEK_END)
        if f.read(1) == b"\n":
            return
        f.seek(0)
        data = f.read()
        cut = data.rfind(b"\n") + 1
        f.truncate(cut)


def _to_array(values: list[Any]) -> np.ndarray:
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {bool}:
        return np.array([bool(v) for v in values], dtype=bool)
    if kinds <= {int, float}:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def _concat(arrays: list[np.ndarray]) -> np.ndarray:
    arrays = [a for a in arrays if a.size] or arrays[:1]
    kinds = {a.dtype.kind for a in arrays}
    if len(kinds) > 1:  # e.g. a column that is bool in one chunk and numeric in another
        return _to_array([v for a in arrays for v in a.tolist()])
    return np.concatenate(arrays) if len(arrays) > 1 else arrays[0]


def find_run(arg: str | Path, reports_dir: str | Path = "reports") -> Path:
    """Resolve a run argument: a path, a run id under ``reports_dir``, or ``latest``."""
    p = Path(arg)
    if p.is_dir():
        return p
    reports = Path(reports_dir)
    if str(arg) == "latest":
        runs = sorted(d for d in reports.glob("*") if (d / MANIFEST).is_file()) if reports.is_dir() else []
        if not runs:
            raise UserError(f"{reports}: no runs found")
        return max(runs, key=lambda d: (d / MANIFEST).stat().st_mtime)
    if (reports / str(arg)).is_dir():
        return reports / str(arg)
    raise UserError(f"{arg}: run directory not found (give a path, a run id under {reports}/, or 'latest')")


def decode_blob(blob: str | bytes) -> HdrHistogram:
    """Decode one base64 HDR payload (as stored in the hlog)."""
    return HdrHistogram.decode(blob.encode() if isinstance(blob, str) else blob)
