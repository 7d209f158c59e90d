"""Model text for the HTML report: a few prompts the candidate lost, and sample error messages.

Selected from the compact columns, then fetched in one extra pass over requests.jsonl (only the chosen
rows' text is kept). Everything returned here is untrusted model/server text: renderers must escape it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from profiler.report.data import FAIL, PASS, RunData

MAX_TEXT = 600


def _clip(s: Any) -> str | None:
    if s is None:
        return None
    s = s if isinstance(s, str) else str(s)
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT] + " …"


def collect(data: RunData, *, pairs_per_candidate: int = 3, errors_per_model: int = 4) -> dict[str, Any]:
    """``{"lost": {cand: [{prompt_id, baseline: {...}, candidate: {...}}]}, "errors": {model: [...]}}``."""
    want: dict[str, tuple[str, str, int]] = {}  # rid -> (kind, model, slot)
    lost: dict[str, list[dict[str, Any]]] = {}
    bi = data.models.index(data.baseline)
    ok = data.ok
    if data.scored:
        base_pass = (data.model == bi) & (data.task_status == PASS)
        first_pass = {}
        for i in np.flatnonzero(base_pass)[:200_000]:
            first_pass.setdefault(int(data.prompt[i]), int(i))
        for ci, cand in enumerate(data.models):
            if cand not in data.candidates:
                continue
            items: list[dict[str, Any]] = []
            cand_fail = np.flatnonzero((data.model == ci) & (data.task_status == FAIL) & ok)
            for i in cand_fail:
                j = first_pass.get(int(data.prompt[i]))
                if j is None:
                    continue
                slot = len(items)
                items.append(
                    {"prompt_id": data.prompts[int(data.prompt[i])], "baseline": {}, "candidate": {}}
                )
                want[str(data.rids[i])] = ("candidate", cand, slot)
                want.setdefault(str(data.rids[j]), ("baseline", cand, slot))
                if len(items) >= pairs_per_candidate:
                    break
            lost[cand] = items
    errors: dict[str, list[dict[str, Any]]] = {m: [] for m in data.models}
    # error samples: the first rows of each (model, outcome) class, chosen from the columns
    err_rids: dict[str, str] = {}
    ok_code = data.outcomes.index("ok")
    for mi, m in enumerate(data.models):
        for oc in range(len(data.outcomes)):
            if oc == ok_code:
                continue
            idx = np.flatnonzero((data.model == mi) & (data.outcome == oc))[:errors_per_model]
            for i in idx:
                err_rids[str(data.rids[i])] = m
    base_rid_slots: dict[str, list[tuple[str, int]]] = {}
    # a baseline row may serve several candidates: remember every slot it fills
    for rid, (kind, cand, slot) in want.items():
        if kind == "baseline":
            base_rid_slots.setdefault(rid, []).append((cand, slot))
    pending = set(want) | set(err_rids)
    if not pending:
        return {"lost": lost, "errors": errors}
    for row in data.rd.iter_requests():
        rid = row.get("rid")
        if rid not in pending:
            continue
        pending.discard(rid)
        hit = want.get(rid)
        if hit is not None:
            kind, cand, slot = hit
            entry = {"rid": rid, "response": _clip(row.get("response")), "outcome": row.get("outcome")}
            if kind == "candidate":
                lost[cand][slot]["candidate"] = entry
            else:
                for c2, s2 in base_rid_slots.get(rid, []):
                    lost[c2][s2]["baseline"] = entry
        m = err_rids.get(rid)
        if m is not None:
            errors[m].append(
                {
                    "rid": rid,
                    "prompt_id": row.get("prompt_id"),
                    "outcome": row.get("outcome"),
                    "http_status": row.get("http_status"),
                    "error": _clip(row.get("error")),
                }
            )
        if not pending:
            break  # everything wanted was found; skip the rest of the file
    return {"lost": lost, "errors": errors}
