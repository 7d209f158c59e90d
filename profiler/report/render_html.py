"""Self-contained HTML report: inline CSS, tables, plots as data-URI SVG images, no script, no URLs.

Every piece of text that comes from a run (model keys, task names, prompt ids, responses, error
messages, warnings) goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
from typing import Any

from profiler.report import plots
from profiler.report.data import RunData
from profiler.report.tables import Table, run_tables, run_title, side_by_side_table

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:24px;color:#1d2330;
     background:#fff;max-width:1400px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #e3e7ef;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.meta{color:#5b6474;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:6px 0 4px;width:auto}
th,td{border:1px solid #dfe3ea;padding:4px 8px;text-align:right;vertical-align:top}
th{background:#f3f5f9;font-weight:600}
td:first-child,th:first-child,td.text,th.text{text-align:left}
tr:nth-child(even) td{background:#fafbfd}
.note{color:#5b6474;font-size:12px;margin:2px 0 10px}
.verdict{display:inline-block;white-space:nowrap;padding:2px 8px;border-radius:10px;font-weight:600;font-size:12px}
.v-swap{background:#dcf5e3;color:#11602c}.v-notyet{background:#fde1e1;color:#8a1414}.v-inconclusive{background:#fff2cc;color:#7a5b00}
.fail{color:#b00020;font-weight:600}.pass{color:#11602c}
.warn{background:#fff6e0;border-left:4px solid #f0b000;padding:6px 10px;margin:6px 0;font-size:13px}
.interrupted{background:#fde1e1;border-left:4px solid #b00020;padding:8px 12px;font-weight:600}
figure{margin:10px 0 18px} figure img{max-width:100%;border:1px solid #eef0f4}
figcaption{font-size:12px;color:#5b6474}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f7f9;border:1px solid #e3e7ef;padding:6px;font-size:12px;
    max-height:14em;overflow:auto;margin:2px 0}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px}
"""

VERDICT_CLASS = {"swap justified": "v-swap", "not yet": "v-notyet", "inconclusive": "v-inconclusive"}
TEXT_COLUMNS = {
    "reasons",
    "outcomes",
    "gate",
    "metric",
    "role",
    "run",
    "load",
    "status",
    "task",
    "model",
    "candidate",
    "vs",
}


def e(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _cell(header: str, value: str) -> str:
    v = str(value)
    if v in VERDICT_CLASS:
        return f'<td class="text"><span class="verdict {VERDICT_CLASS[v]}">{e(v)}</span></td>'
    cls = []
    if header in TEXT_COLUMNS:
        cls.append("text")
    if v.startswith("FAIL"):
        cls.append("fail")
    elif header == "result" and v.startswith("pass"):
        cls.append("pass")
    attr = f' class="{" ".join(cls)}"' if cls else ""
    return f"<td{attr}>{e(v)}</td>"


def table_html(t: Table) -> str:
    parts = [f'<h3 id="{e(t.key)}">{e(t.title)}</h3>']
    if t.rows:
        parts.append('<table data-table="' + e(t.key) + '"><thead><tr>')
        parts += [
            f'<th class="text">{e(h)}</th>' if h in TEXT_COLUMNS else f"<th>{e(h)}</th>" for h in t.headers
        ]
        parts.append("</tr></thead><tbody>")
        for row in t.rows:
            parts.append(
                "<tr>" + "".join(_cell(h, c) for h, c in zip(t.headers, row, strict=False)) + "</tr>"
            )
        parts.append("</tbody></table>")
    if t.note:
        parts.append(f'<p class="note">{e(t.note)}</p>')
    return "\n".join(parts)


def _text(entry: dict[str, Any]) -> str:
    if not entry:
        return "(not found)"
    r = entry.get("response")
    return "(not captured: run with capture full)" if r is None else str(r)


def _examples_html(ex: dict[str, Any]) -> str:
    parts = ["<h3>Examples (model text, escaped)</h3>"]
    any_ = False
    for cand, items in ex.get("lost", {}).items():
        if not items:
            continue
        any_ = True
        parts.append(f'<p class="note">Prompts where the baseline passed and {e(cand)} failed:</p>')
        for it in items:
            b, c = it.get("baseline") or {}, it.get("candidate") or {}
            parts.append(f"<p><b>{e(it['prompt_id'])}</b></p>")
            parts.append(
                '<div class="pair"><div><div class="note">baseline '
                + e(b.get("rid"))
                + "</div><pre>"
                + e(_text(b))
                + '</pre></div><div><div class="note">'
                + e(cand)
                + " "
                + e(c.get("rid"))
                + "</div><pre>"
                + e(_text(c))
                + "</pre></div></div>"
            )
    rows = [(m, err) for m, lst in ex.get("errors", {}).items() for err in lst]
    if rows:
        any_ = True
        parts.append('<p class="note">Sample errors (first requests of each outcome class):</p>')
        parts.append('<table data-table="errors"><thead><tr><th>model</th><th class="text">outcome</th><th>HTTP</th>'
                     '<th class="text">prompt</th><th class="text">error</th></tr></thead><tbody>')  # fmt: skip
        for m, err in rows:
            parts.append(
                f'<tr><td class="text">{e(m)}</td><td class="text">{e(err["outcome"])}</td>'
                f'<td>{e(err["http_status"])}</td><td class="text">{e(err["prompt_id"])}</td>'
                f'<td class="text">{e(err["error"])}</td></tr>'
            )
        parts.append("</tbody></table>")
    return "\n".join(parts) if any_ else ""


def render(
    doc: dict[str, Any],
    datas: list[RunData] | None = None,
    examples: list[dict[str, Any]] | None = None,
    *,
    with_plots: bool = True,
) -> str:
    datas = datas or []
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
        "style-src 'unsafe-inline'\">",
        "<title>swapbench report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>swapbench report</h1>",
        f'<p class="meta">Generated {e(doc["generated_at"])} by swapbench {e(doc["tool_version"])} '
        f"(report schema {e(doc['schema_version'])}). Runs: "
        + ", ".join(e(r["run_id"]) for r in doc["runs"])
        + "</p>",
    ]
    if doc["verdict"]["interrupted"]:
        out.append(
            '<p class="interrupted" id="interrupted">At least one run was interrupted: '
            "its numbers cover only part of the planned run.</p>"
        )
    if len(doc["runs"]) > 1:
        out.append("<h2>Runs side by side</h2>")
        out.append(table_html(side_by_side_table(doc)))
    for i, run in enumerate(doc["runs"]):
        out.append(f'<h2 id="run-{i}">{e(run_title(run))}</h2>')
        for w in run["warnings"]:
            out.append(f'<div class="warn">{e(w)}</div>')
        tables = run_tables(run)
        for t in tables[: 3 + len(run["comparisons"])]:
            out.append(table_html(t))
        data = datas[i] if i < len(datas) else None
        if with_plots and data is not None:
            out.append("<h3>Plots</h3>")
            for caption, uri in plots.all_plots(data, run):
                out.append(
                    f'<figure><img alt="{e(caption)}" src="{uri}"><figcaption>{e(caption)}</figcaption></figure>'
                )
        for t in tables[3 + len(run["comparisons"]) :]:
            out.append(table_html(t))
        if examples and i < len(examples) and examples[i]:
            out.append(_examples_html(examples[i]))
    b = doc["bootstrap"]
    out.append(
        f'<p class="note">Confidence intervals: 95 %, {e(b["resamples"])} bootstrap resamples (seed {e(b["seed"])}). '
        "Success differences: McNemar's test on requests paired by prompt. Percentiles from HDR histograms "
        "(3 significant digits), each with its count. The verdict rule is described in docs/report.md.</p>"
    )
    out.append("</body></html>")
    return "\n".join(out) + "\n"
