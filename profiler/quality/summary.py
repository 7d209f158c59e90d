"""Aggregation of score rows and the tables printed at the end of ``swapbench score``.

``success_rates`` is pure (rows in, numbers out) so the report stage can reuse it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from profiler.quality.stats import wilson

ALL = "(all tasks)"


def success_rates(
    rows: Iterable[dict], *, scorer: str = "task", level: float = 0.95
) -> dict[tuple[str, str], dict]:
    """Per (model, task), and per (model, ALL), from the rows of one scorer id (default the task rows):
    ``{pass, fail, unscored, n, rate, ci}`` where ``n = pass + fail`` and ``ci`` is Wilson."""
    counts: dict[tuple[str, str], Counter] = {}
    for r in rows:
        if r.get("scorer") != scorer:
            continue
        for key in ((r.get("model"), r.get("task")), (r.get("model"), ALL)):
            counts.setdefault(key, Counter())[r.get("status")] += 1
    out = {}
    for key, c in counts.items():
        n = c["pass"] + c["fail"]
        out[key] = {
            "pass": c["pass"],
            "fail": c["fail"],
            "unscored": c["unscored"],
            "n": n,
            "rate": c["pass"] / n if n else None,
            "ci": wilson(c["pass"], n, level) if n else None,
        }
    return out


def scorer_rates(rows: Iterable[dict]) -> dict[tuple[str, str, str], Counter]:
    """Counts of status per (task, scorer id, model), excluding task rows."""
    out: dict[tuple[str, str, str], Counter] = {}
    for r in rows:
        if r.get("scorer") == "task":
            continue
        out.setdefault((r.get("task"), r.get("scorer"), r.get("model")), Counter())[r.get("status")] += 1
    return out


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _ci(ci: Any) -> str:
    return "—" if not ci else f"{100 * ci[0]:.1f}–{100 * ci[1]:.1f}%"


def _with_ci(x: float | None, ci: Any) -> str:
    if x is None:
        return "—"
    return f"{100 * x:.1f}%" + (f" ({100 * ci[0]:.1f}–{100 * ci[1]:.1f})" if ci else "")


def _num(x: float | None, fmt: str = ".2f") -> str:
    return "—" if x is None else format(x, fmt)


def render(result: Any, console: Any, model_order: list[str] | None = None) -> None:
    """Print the success table, per-scorer table and judge calibration summary with rich."""
    from rich.table import Table

    rows = result.rows
    rates = success_rates(rows)
    models = [m for m in (model_order or []) if any(k[0] == m for k in rates)]
    models += sorted({k[0] for k in rates if k[0] not in models}, key=str)
    tasks = sorted({k[1] for k in rates if k[1] != ALL}, key=str)

    t = Table(title="Task success (pass / (pass + fail), 95% Wilson interval)", title_justify="left")
    for col, just in (("model", "left"), ("task", "left"), ("n", "right"), ("pass", "right"),
                      ("fail", "right"), ("unscored", "right"), ("success", "right"), ("95% CI", "right")):  # fmt: skip
        t.add_column(col, justify=just)
    for m in models:
        for task in [*tasks, ALL]:
            s = rates.get((m, task))
            if s is None:
                continue
            style = "bold" if task == ALL else None
            t.add_row(m, task, str(s["n"]), str(s["pass"]), str(s["fail"]), str(s["unscored"]),
                      _pct(s["rate"]), _ci(s["ci"]), style=style)  # fmt: skip
        t.add_section()
    console.print(t)

    sr = scorer_rates(rows)
    if sr:
        t2 = Table(title="Per scorer: pass / scored (unscored)", title_justify="left")
        t2.add_column("task")
        t2.add_column("scorer")
        for m in models:
            t2.add_column(m, justify="right")
        for task, sid in sorted({(k[0], k[1]) for k in sr}, key=lambda x: (str(x[0]), str(x[1]))):
            cells = []
            for m in models:
                c = sr.get((task, sid, m))
                if not c:
                    cells.append("—")
                    continue
                n = c["pass"] + c["fail"]
                cell = f"{_pct(c['pass'] / n if n else None)} ({c['pass']}/{n})"
                if c["unscored"]:
                    cell += f" ({c['unscored']} unscored)"
                cells.append(cell)
            t2.add_row(str(task), str(sid), *cells)
        console.print(t2)

    cal = result.calibration
    if cal:
        t3 = Table(
            title=f"Judge calibration ({cal.get('judge_model')} vs human labels)", title_justify="left"
        )
        for col in ("scope", "n", "agreement", "kappa", "TPR", "FPR", "trusted"):
            t3.add_column(col, justify="left" if col == "scope" else "right")

        def add(scope: str, s: dict) -> None:
            trusted = "yes" if s.get("trustworthy") else "[red]NO[/red]"
            t3.add_row(scope, str(s.get("n")), _pct(s.get("agreement")), _num(s.get("kappa")),
                       _pct(s.get("tpr")), _pct(s.get("fpr")), trusted)  # fmt: skip

        add("overall", cal)
        for task, s in (cal.get("per_task") or {}).items():
            add(task, s)
        console.print(t3)
        if not cal.get("trustworthy"):
            console.print(
                f"[bold red]The judge is not trustworthy overall[/bold red]: {cal.get('untrustworthy_reason')}."
            )
        for task, s in (cal.get("per_task") or {}).items():
            if not s.get("trustworthy"):
                console.print(
                    f"[red]The judge is not trustworthy for task {task}[/red]: {s.get('untrustworthy_reason')}."
                )
        if cal.get("models"):
            t4 = Table(title="Judge-based success: raw and corrected for the judge's error rates (Rogan–Gladen)",
                       title_justify="left")  # fmt: skip
            for col in ("model", "task", "n", "raw (95% CI)", "corrected (95% CI)", "trusted"):
                t4.add_column(col, justify="left" if col in ("model", "task") else "right")
            for m, entry in cal["models"].items():
                for task, s in [*(entry.get("per_task") or {}).items(), (ALL, entry.get("overall") or {})]:
                    t4.add_row(m, task, str(s.get("n")), _with_ci(s.get("raw"), s.get("raw_ci")),
                               _with_ci(s.get("corrected"), s.get("corrected_ci")),
                               "yes" if s.get("trustworthy") else "[red]NO[/red]",
                               style="bold" if task == ALL else None)  # fmt: skip
                t4.add_section()
            console.print(t4)
    usage = result.judge_usage
    if usage:
        console.print(
            f"judge model {usage['model']}: {usage['calls']} call(s), {usage['cache_hits']} cache hit(s), "
            f"{usage['prompt_tokens']} prompt + {usage['completion_tokens']} completion tokens, "
            f"${usage['cost_usd']:.4f} (not counted in the models' cost)"
        )
    if result.pending_judge:
        console.print(
            f"{result.pending_judge} task row(s) wait for a required judge scorer (run without --no-judge)."
        )
    for w in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
