"""Scoring a run: which (request, scorer) pairs are pending, running them, writing rows as they come.

Flow: read the run (``profiler.rundir``) -> load the scenario and prompts -> build every task's scorers
-> (judge) run the judge on the human labels -> score every pending pair (cheap scorers inline, judge
and command scorers in a bounded thread pool) -> append rows to ``scores.jsonl`` in small flushed
batches -> write ``judge_calibration.json`` -> return everything the summary needs.

Resume: pairs already in ``scores.jsonl`` are not scored again; a ``task`` row is written once every
*required* scorer of the request has a row. Only this module writes score rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from profiler import rundir as rundir_mod
from profiler.errors import UserError
from profiler.metrics import CANCELLED
from profiler.quality import labels as labels_mod
from profiler.quality.base import FAIL, PASS, UNSCORED, BuildContext, Scorer, ScoreResult, build_scorer
from profiler.quality.judge import JudgeCache, JudgeClient, JudgeScorer
from profiler.quality.judge_report import build_calibration

TASK = "task"
FLUSH_ROWS = 200
FLUSH_S = 0.25


# ------------------------------------------------------------------------------------------ setup


CANCELLED_REASON = "not scored: in flight when the load run stopped (cancelled)"


def task_scorers(sc: Any) -> dict[str, list[Scorer]]:
    """Build (and so validate) every task's scorers.

    A task whose ``judge`` flag is true gets an implicit ``judge`` scorer (id ``judge``, not required)
    when the scenario has a ``judge:`` section and the task lists no ``{type: judge}`` entry itself; an
    explicit entry is required unless it says ``required: false``. ``judge: false`` removes every judge
    scorer of the task.
    """
    out: dict[str, list[Scorer]] = {}
    shown = str(getattr(sc, "path", "scenario"))
    for task, spec in sc.prompt_mix.tasks.items():
        scorers: list[Scorer] = []
        seen: set[str] = set()
        for i, entry in enumerate(spec.scorers or []):
            ctx = BuildContext(shown, Path(sc.dir), task, i)
            s = build_scorer(entry, ctx)
            if s.kind == "judge" and sc.judge is None:
                raise ctx.error("type", "expected a top-level judge: section for a judge scorer, got none")
            if s.id in seen:
                raise ctx.error("id", f"expected ids unique within the task, got {s.id!r} twice")
            seen.add(s.id)
            if s.kind == "judge" and not spec.judge:
                continue
            scorers.append(s)
        if sc.judge is not None and spec.judge and not any(s.kind == "judge" for s in scorers):
            ctx = BuildContext(shown, Path(sc.dir), task, len(spec.scorers or []))
            implicit = JudgeScorer({"type": "judge", "required": False}, ctx)
            implicit.id = "judge" if "judge" not in seen else f"judge#{ctx.index}"
            scorers.append(implicit)
        out[task] = scorers
    return out


def resolve_scenario_path(rd: rundir_mod.RunDir, given: str | Path | None) -> Path:
    if given is not None:
        p = Path(given)
        if not p.is_file():
            raise UserError(f"{p}: scenario file not found")
        return p
    p = rd.scenario_path
    if p is None:
        raise UserError(f"{rd.path / rundir_mod.MANIFEST}: scenario_path: missing; pass --scenario FILE")
    candidates = [p] if p.is_absolute() else [p, rd.path.parent.parent / p, rd.path / p]
    for c in candidates:
        if c.is_file():
            return c
    raise UserError(
        f"{rd.path / rundir_mod.MANIFEST}: scenario_path: expected an existing file, got {str(p)!r}; "
        "pass --scenario FILE"
    )


# ------------------------------------------------------------------------------------------- rows


def make_row(req: dict, scorer_id: str, kind: str, res: ScoreResult) -> dict[str, Any]:
    row: dict[str, Any] = {
        "rid": req.get("rid"),
        "model": req.get("model"),
        "task": req.get("task"),
        "prompt_id": req.get("prompt_id"),
        "scorer": scorer_id,
        "kind": kind,
        "status": res.status,
        "score": res.score,
        "reason": res.reason,
        "details": res.details,
    }
    if kind == "judge":
        row["judge_usage"] = res.judge_usage or {"prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}
    return row


def task_result(
    outcome: str | None, scorers: list[Scorer], results: dict[str, tuple[str, str]]
) -> ScoreResult:
    """The ``task`` row: pass when the request is ``ok`` and every required scorer that could score
    passed (at least one must have); fail on a failed request or any failing required scorer;
    unscored when no required scorer could score."""
    if outcome == CANCELLED:  # still running when the load run stopped: neither success nor failure
        return ScoreResult(UNSCORED, None, CANCELLED_REASON, {"outcome": outcome})
    if outcome != "ok":
        return ScoreResult(FAIL, 0.0, f"request failed: {outcome}", {"outcome": outcome})
    required = [s.id for s in scorers if s.required]
    if not scorers:
        return ScoreResult(UNSCORED, None, "no scorers configured for this task")
    if not required:
        return ScoreResult(UNSCORED, None, "no required scorers for this task")
    fails = [sid for sid in required if results.get(sid, ("", ""))[0] == FAIL]
    unsc = [sid for sid in required if results.get(sid, ("", ""))[0] == UNSCORED]
    details = {"required": required, "failed": fails, "unscored": unsc}
    if fails:
        first = fails[0]
        return ScoreResult(FAIL, 0.0, f"{first} failed: {results[first][1]}"[:200], details)
    if len(unsc) == len(required):
        return ScoreResult(
            UNSCORED, None, f"no required scorer could score: {results[unsc[0]][1]}"[:200], details
        )
    return ScoreResult(
        PASS, 1.0, "all required scorers pass" + (f" ({len(unsc)} unscored)" if unsc else ""), details
    )


class RowSink:
    """Buffers rows and appends them to scores.jsonl in flushed batches (at most FLUSH_S old)."""

    def __init__(self, rd: rundir_mod.RunDir) -> None:
        self.rd = rd
        self.buf: list[dict] = []
        self.last = time.monotonic()
        self.written = 0

    def add(self, row: dict) -> None:
        self.buf.append(row)
        if len(self.buf) >= FLUSH_ROWS or time.monotonic() - self.last >= FLUSH_S:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.written += self.rd.append_scores(self.buf)
            self.buf = []
        self.last = time.monotonic()


# ------------------------------------------------------------------------------------------- run


@dataclass
class Job:
    req: dict
    prompt: Any
    scorer: Scorer


@dataclass
class ScoreRun:
    """What a scoring pass did, for the summary and the tests."""

    run_path: Path
    scenario: Any
    rows: list[dict] = field(default_factory=list)  # every score row of the run (old + new, deduplicated)
    new_rows: int = 0
    skipped_existing: int = 0
    pending_judge: int = 0  # task rows not written because a required judge was disabled
    calibration: dict | None = None
    judge_usage: dict | None = None
    warnings: list[str] = field(default_factory=list)


def _safe_score(job: Job) -> ScoreResult:
    answer = job.req.get("response") or ""
    try:
        return job.scorer.score(answer, job.prompt, job.req)
    except UserError:
        raise
    except Exception as e:  # noqa: BLE001 - one bad row must not stop the run
        return ScoreResult(UNSCORED, None, f"scorer error: {type(e).__name__}: {str(e)[:120]}")


def unscoreable(req: dict, capture: str) -> str | None:
    """Why this request's answer cannot be scored, or None."""
    if req.get("outcome") == CANCELLED:
        return CANCELLED_REASON
    if req.get("outcome") != "ok":
        return f"request failed: {req.get('outcome')}"
    resp = req.get("response")
    if capture == "off" or (resp is None and not req.get("tool_calls") and capture != "full"):
        return "response not captured (capture: off)"
    if capture == "hash" or (isinstance(resp, str) and resp.startswith("sha256:") and capture != "full"):
        return "response captured as a hash only (capture: hash)"
    return None


def dedupe(rows: Iterable[dict]) -> list[dict]:
    """Last row wins per (rid, scorer)."""
    seen: dict[tuple, dict] = {}
    for r in rows:
        seen[(r.get("rid"), r.get("scorer"))] = r
    return list(seen.values())


def score_run(
    run: str | Path,
    scenario_path: str | Path | None = None,
    *,
    use_judge: bool = True,
    concurrency: int | None = None,
    rescore: bool = False,
    progress: Callable[[str, int], Any] | None = None,
    start_judge: Callable[[Any, Any], tuple[str, Any]] | None = None,
) -> ScoreRun:
    """Score every pending (request, scorer) pair of a run. ``progress(event, n)`` is called with
    ("total", n) then ("advance", n) events; ``start_judge(sc, model)`` may override how
    the judge endpoint is obtained (returns ``(base_url, closer)``)."""
    from profiler.prompts import load_prompts
    from profiler.scenario import load_scenario

    rd = rundir_mod.RunDir(run)
    sc = load_scenario(resolve_scenario_path(rd, scenario_path))
    scorers = task_scorers(sc)
    prompts = {p.prompt_id: p for plist in load_prompts(sc).values() for p in plist}
    out = ScoreRun(run_path=rd.path, scenario=sc)
    capture = str(rd.manifest.get("capture", "full"))
    requests = list(rd.iter_requests("measure"))
    if rd.truncated_rows:
        out.warnings.append(f"{rd.requests_path}: ignored a torn last line (interrupted run)")
    if rescore:
        rd.reset_scores()
    existing = {(r.get("rid"), r.get("scorer")): r for r in rd.iter_scores()}

    judged_tasks = {t for t, ss in scorers.items() if any(s.kind == "judge" for s in ss)}
    need_judge_calls = use_judge and sc.judge is not None and bool(judged_tasks)
    workers = max(1, int(concurrency or (sc.judge.concurrency if sc.judge else 4)))

    # -- plan -------------------------------------------------------------------------------------
    sink = RowSink(rd)
    jobs: list[Job] = []
    immediate: list[tuple[dict, Scorer, ScoreResult]] = []
    task_need: dict[str, set[str]] = {}
    task_results: dict[str, dict[str, tuple[str, str]]] = {}
    req_by_rid: dict[str, dict] = {}
    unknown_task_rows: list[dict] = []
    seen_rids: set[Any] = set()
    duplicates = 0
    for req in requests:
        rid = req.get("rid")
        task = req.get("task")
        if rid in seen_rids:
            duplicates += 1
            continue
        seen_rids.add(rid)
        if task not in scorers:
            if (rid, TASK) not in existing:
                res = ScoreResult(
                    FAIL if req.get("outcome") != "ok" else UNSCORED,
                    0.0 if req.get("outcome") != "ok" else None,
                    f"request failed: {req.get('outcome')}"
                    if req.get("outcome") != "ok"
                    else f"task {task!r} is not in the scenario",
                )
                unknown_task_rows.append(make_row(req, TASK, TASK, res))
            continue
        task_list = scorers[task]
        prompt = prompts.get(req.get("prompt_id"))
        why = unscoreable(req, capture)
        if why is None and prompt is None:
            why = f"prompt {req.get('prompt_id')!r} not found in the scenario's datasets"
        needs_task_row = (rid, TASK) not in existing
        if needs_task_row:
            req_by_rid[rid] = req
            task_need[rid] = set()
            task_results[rid] = {}
        for s in task_list:
            prev = existing.get((rid, s.id))
            if prev is not None:
                out.skipped_existing += 1
                if needs_task_row and s.required:
                    task_results[rid][s.id] = (prev.get("status"), prev.get("reason") or "")
                continue
            if needs_task_row and s.required:
                task_need[rid].add(s.id)
            if why is not None:
                immediate.append((req, s, ScoreResult(UNSCORED, None, why)))
            elif s.kind == "judge" and not need_judge_calls:
                continue  # --no-judge: leave the pair pending for a later run
            else:
                jobs.append(Job(req, prompt, s))

    if duplicates:
        out.warnings.append(
            f"{rd.requests_path}: {duplicates} row(s) repeat an earlier rid; scored the first only"
        )

    # -- judge ------------------------------------------------------------------------------------
    judge_client: JudgeClient | None = None
    label_rows: list[labels_mod.LabelRow] = []
    if need_judge_calls and sc.judge is not None:
        if sc.judge.labels is not None:
            label_rows = labels_mod.load_labels(sc.judge.labels, prompts)
        has_judge_jobs = any(j.scorer.kind == "judge" for j in jobs)
        if has_judge_jobs or label_rows:
            judge_client = _open_judge(sc, start_judge)
            if judge_client.cache.warning:
                out.warnings.append(judge_client.cache.warning)
            for ss in scorers.values():
                for s in ss:
                    if isinstance(s, JudgeScorer):
                        s.bind(judge_client, sc.judge.rubric)

    total = len(jobs) + len(immediate) + len(label_rows)
    if progress:
        progress("total", total)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="swapbench-score")

    def emit(req: dict, s: Scorer, res: ScoreResult) -> None:
        sink.add(make_row(req, s.id, s.kind, res))
        out.new_rows += 1
        rid = req.get("rid")
        need = task_need.get(rid)
        if need is not None and s.required:
            task_results[rid][s.id] = (res.status, res.reason)
            need.discard(s.id)
            if not need:
                _emit_task(rid)
        if progress:
            progress("advance", 1)

    def _emit_task(rid: str) -> None:
        req = req_by_rid[rid]
        res = task_result(req.get("outcome"), scorers[req["task"]], task_results[rid])
        sink.add(make_row(req, TASK, TASK, res))
        out.new_rows += 1
        del task_need[rid]

    try:
        # calibration verdicts first: an unreachable judge fails before any run row is scored
        verdicts: list[tuple[labels_mod.LabelRow, ScoreResult]] = []
        if label_rows and judge_client is not None:
            futs = {pool.submit(_judge_label, judge_client, sc, lr): lr for lr in label_rows}
            try:
                for fut in as_completed(futs):
                    verdicts.append((futs[fut], fut.result()))
                    if progress:
                        progress("advance", 1)
            except BaseException:
                for f in futs:
                    f.cancel()
                raise
        for row in unknown_task_rows:
            sink.add(row)
            out.new_rows += 1
        for req, s, res in immediate:
            emit(req, s, res)
        # task rows whose required scorers all had rows already (e.g. after a crash between writes)
        for rid in [r for r, need in task_need.items() if not need]:
            if rid in req_by_rid and task_results.get(rid) is not None and not task_need[rid]:
                _emit_task(rid)
        slow_futs: dict[Future, Job] = {}
        for job in jobs:
            if job.scorer.slow:
                slow_futs[pool.submit(_safe_score, job)] = job
        try:
            for job in jobs:
                if not job.scorer.slow:
                    emit(job.req, job.scorer, _safe_score(job))
            sink.flush()
            for fut in _completed(slow_futs, sink):
                job = slow_futs[fut]
                emit(job.req, job.scorer, fut.result())
        except BaseException:
            for f in slow_futs:
                f.cancel()
            raise
    finally:
        sink.flush()
        pool.shutdown(wait=False, cancel_futures=True)
        if judge_client is not None:
            try:
                judge_client.close()
            except Exception:  # noqa: BLE001 - best effort
                pass

    out.pending_judge = sum(1 for need in task_need.values() if need)
    out.rows = dedupe(rd.iter_scores())
    if judge_client is not None:
        out.judge_usage = judge_client.usage()
        judge_client.cache.close()
    if verdicts or (need_judge_calls and sc.judge is not None and sc.judge.labels is not None):
        out.calibration = build_calibration(sc, verdicts, out.rows, out.judge_usage)
        rd.write_calibration(out.calibration)
    elif rd.calibration is not None:
        out.calibration = rd.calibration
    return out


def _completed(futures: Iterable[Future], sink: RowSink) -> Iterable[Future]:
    """Futures as they finish; rows waiting in the sink are flushed whenever nothing finishes for FLUSH_S."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=FLUSH_S, return_when=FIRST_COMPLETED)
        if not done:
            sink.flush()
        yield from done


def _judge_label(client: JudgeClient, sc: Any, lr: labels_mod.LabelRow) -> ScoreResult:
    from profiler.judge_format import render_prompt
    from profiler.quality.judge import reference_for

    return client.judge(
        sc.judge.rubric, render_prompt(lr.prompt.messages), reference_for(lr.prompt), lr.answer
    )


def _open_judge(sc: Any, start_judge: Callable | None) -> JudgeClient:
    """Judge client for the scenario's judge model: its endpoint, or a simulator started on first use."""
    model = sc.models[sc.judge.model]
    if start_judge is not None:
        return JudgeClient(
            model,
            sc.judge,
            JudgeCache(),
            identity=f"{model.model}@custom",
            opener=lambda: start_judge(sc, model),
        )
    if model.endpoint is not None:
        base_url = model.endpoint.base_url
        return JudgeClient(
            model, sc.judge, JudgeCache(), identity=f"{model.model}@{base_url}", base_url=base_url
        )

    def start_sim() -> tuple[str, Callable[[], Any]]:
        from profiler.sim.server import start_subprocess

        sim = start_subprocess(sc.path, seed=sc.seed)
        return sim.url, sim.stop

    identity = "sim:" + JudgeCache.key(model.model, sc.seed, _plain(model.simulator))
    return JudgeClient(model, sc.judge, JudgeCache(), identity=identity, opener=start_sim)


def _plain(obj: Any) -> Any:
    try:
        from profiler.scenario_schema import to_plain

        return to_plain(obj)
    except Exception:  # noqa: BLE001
        return repr(obj)
