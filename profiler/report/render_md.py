"""Markdown rendering of the report (GitHub-flavoured tables)."""

from __future__ import annotations

from typing import Any

from profiler.report.tables import Table, run_tables, run_title, side_by_side_table


def _cell(s: str) -> str:
    # table cells stay one line; model text can contain anything, so neutralise HTML and pipes
    return (
        str(s)
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def table_md(t: Table, level: int = 3) -> str:
    lines = [f"{'#' * level} {_cell(t.title)}", ""]
    if t.rows:
        lines.append("| " + " | ".join(_cell(h) for h in t.headers) + " |")
        lines.append("|" + "|".join("---" for _ in t.headers) + "|")
        for row in t.rows:
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
        lines.append("")
    if t.note:
        lines += [_cell(t.note), ""]
    return "\n".join(lines)


def render(doc: dict[str, Any]) -> str:
    out = ["# swapbench report", ""]
    out.append(
        f"Generated {doc['generated_at']} by swapbench {doc['tool_version']} (schema {doc['schema_version']})."
    )
    out.append("")
    if doc["verdict"]["interrupted"]:
        out += [
            "> **Warning: at least one run was interrupted; its numbers cover only part of the run.**",
            "",
        ]
    if len(doc["runs"]) > 1:
        out.append(table_md(side_by_side_table(doc), 2))
    for run in doc["runs"]:
        out += [f"## {_cell(run_title(run))}", ""]
        for w in run["warnings"]:
            out.append(f"- **warning:** {_cell(w)}")
        if run["warnings"]:
            out.append("")
        for t in run_tables(run):
            out.append(table_md(t))
    b = doc["bootstrap"]
    out.append(
        f"Confidence intervals: 95 %, {b['resamples']} bootstrap resamples (seed {b['seed']}); success "
        "differences: McNemar's test on requests paired by prompt. See docs/report.md for the verdict rule."
    )
    return "\n".join(out) + "\n"
