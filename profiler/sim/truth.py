"""Ground-truth file (``--truth FILE``): one JSON line per request, as injected by the simulator.

Rows are serialised when added (spreading the cost over requests) and appended to the file once a second
(by the server), when ``max_rows`` are buffered, and on shutdown, so writing never blocks a request for
long. Fields: docs/python-api.md (``profiler.sim``) plus ``target_ttft_us`` (the sampled queue-free TTFT
incl. reasoning), ``injected_ttfa_us``, ``stream``, ``cached_tokens`` and, on judge calls, ``judge_truth``,
``judge_pass``, ``judge_truth_source`` (see profiler/sim/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

from profiler.errors import UserError


class TruthWriter:
    def __init__(self, path: str | Path | None, max_rows: int = 2000) -> None:
        self.path = Path(path) if path else None
        self.rows: list[str] = []
        self.max_rows = max_rows
        self.written = 0
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.write_text("", encoding="utf-8")  # a fresh file per simulator run
            except OSError as err:
                raise UserError(f"--truth {path}: expected a writable file, got {err.strerror}") from None

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def add(self, row: dict) -> None:
        if self.path is not None:
            self.rows.append(json.dumps(row, separators=(",", ":")))
            if len(self.rows) >= self.max_rows:
                self.flush()

    def flush(self) -> None:
        if self.path is None or not self.rows:
            return
        rows, self.rows = self.rows, []
        data = "\n".join(rows) + "\n"
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(data)
        self.written += len(rows)
