"""Terminal rendering with rich: headline, verdict, SLO gates and the paired comparison."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from profiler.report.tables import Table, run_tables, run_title, side_by_side_table

STYLES = {"swap justified": "bold green", "not yet": "bold red", "inconclusive": "bold yellow", "FAIL": "red"}


def _rich(t: Table) -> RichTable:
    rt = RichTable(
        title=escape(t.title), box=box.SIMPLE_HEAVY, title_justify="left", caption=escape(t.note) or None
    )
    for i, h in enumerate(t.headers):
        rt.add_column(
            escape(h), overflow="fold", justify="left" if i < 2 or h in ("reasons", "outcomes") else "right"
        )
    for row in t.rows:
        cells = []
        for c in row:
            style = next((s for k, s in STYLES.items() if str(c).startswith(k)), None)
            cells.append(f"[{style}]{escape(str(c))}[/]" if style else escape(str(c)))
        rt.add_row(*cells)
    return rt


def render(doc: dict[str, Any], console: Console | None = None, *, detail: bool = False) -> None:
    console = console or Console()
    if len(doc["runs"]) > 1:
        console.print(_rich(side_by_side_table(doc)))
    for run in doc["runs"]:
        console.rule(escape(run_title(run)))
        for w in run["warnings"]:
            console.print(f"[yellow]warning:[/] {escape(w)}")
        for t in run_tables(run, detail=detail):
            if t.rows:
                console.print(_rich(t))
