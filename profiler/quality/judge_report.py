"""``judge_calibration.json``: the judge against the human labels, and each model's judge-based
success rate raw and Rogan–Gladen corrected. Pure (no I/O); the maths is in ``calibration`` / ``stats``."""

from __future__ import annotations

from typing import Any

from profiler.quality import calibration as cal
from profiler.quality import labels as labels_mod
from profiler.quality.base import FAIL, PASS, ScoreResult


def build_calibration(
    sc: Any,
    verdicts: list[tuple[labels_mod.LabelRow, ScoreResult]],
    rows: list[dict],
    judge_usage: dict | None,
    *,
    level: float = 0.95,
) -> dict[str, Any]:
    """``judge_calibration.json``: the judge vs the human labels (overall and per task) and each model's
    judge-based success rate, raw and Rogan–Gladen corrected."""
    from profiler.quality.stats import wilson

    min_kappa = float(sc.judge.min_kappa)
    scored = [(lr, r) for lr, r in verdicts if r.status in (PASS, FAIL)]
    pairs = [(lr.human_pass, r.status == PASS) for lr, r in scored]
    overall_c = cal.confusion(pairs)
    data: dict[str, Any] = {"judge_model": sc.judge.model}
    data.update(cal.summary(overall_c, min_kappa))
    data["labels_file"] = str(sc.judge.labels) if sc.judge.labels else None
    data["labels_unscored"] = len(verdicts) - len(scored)
    task_c: dict[str, cal.Confusion] = {}
    per_task: dict[str, Any] = {}
    for task in sorted({lr.task for lr, _ in scored}):
        c = cal.confusion((lr.human_pass, r.status == PASS) for lr, r in scored if lr.task == task)
        task_c[task] = c
        per_task[task] = cal.summary(c, min_kappa)
    data["per_task"] = per_task
    data["correction"] = {
        "method": "rogan-gladen",
        "formula": "(p_judge - fpr) / (tpr - fpr), clipped to [0, 1]",
        "interval": "Monte Carlo over Jeffreys Beta draws of tpr, fpr (calibration set) and p_judge (run)",
        "level": level,
        "per_task_calibration": "the task's own tpr/fpr when its labels hold both verdicts, else overall",
    }

    def corrected(k: int, n: int, c: cal.Confusion, trust: bool, basis: str, note: str | None) -> dict:
        p = k / n if n else None
        est = cal.rogan_gladen(p, cal.tpr(c), cal.fpr(c)) if p is not None else None
        ci = cal.corrected_interval(k, n, c, level=level) if n else None
        return {
            "n": n,
            "passed": k,
            "raw": p,
            "raw_ci": list(wilson(k, n, level)) if n else None,
            "corrected": est,
            "corrected_ci": list(ci) if ci else None,
            "calibration": basis,
            "trustworthy": trust,
            "note": note,
        }

    judge_rows = [r for r in rows if r.get("kind") == "judge" and r.get("status") in (PASS, FAIL)]
    models: dict[str, Any] = {}
    for model in sorted({r.get("model") for r in judge_rows}, key=str):
        mrows = [r for r in judge_rows if r.get("model") == model]
        k = sum(r["status"] == PASS for r in mrows)
        entry = {
            "overall": corrected(
                k, len(mrows), overall_c, data["trustworthy"], "overall", data["untrustworthy_reason"]
            )
        }
        tasks: dict[str, Any] = {}
        for task in sorted({r.get("task") for r in mrows}, key=str):
            trows = [r for r in mrows if r.get("task") == task]
            kt = sum(r["status"] == PASS for r in trows)
            c = task_c.get(task)
            if c is not None and c.positives and c.negatives:
                t_sum = per_task[task]
                tasks[task] = corrected(
                    kt, len(trows), c, t_sum["trustworthy"], "task", t_sum["untrustworthy_reason"]
                )
            else:
                note = "no human labels for this task; overall calibration used"
                if c is not None:
                    note = "this task's labels hold one verdict only; overall calibration used"
                tasks[task] = corrected(kt, len(trows), overall_c, data["trustworthy"], "overall", note)
        entry["per_task"] = tasks
        models[model] = entry
    data["models"] = models
    data["judge_usage"] = judge_usage
    return data
