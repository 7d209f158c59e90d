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
            if ci == bi:
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
    if not want and not np.any(~ok):
        return {"lost": lost, "errors": errors}
    seen_err: set[tuple[str, str]] = set()
    base_rid_slots: dict[str, list[tuple[str, int]]] = {}
    # a baseline row may serve several candidates: remember every slot it fills
    for rid, (kind, cand, slot) in want.items():
        if kind == "baseline":
            base_rid_slots.setdefault(rid, []).append((cand, slot))
    need_errors = bool(np.any(~ok))
    for row in data.rd.iter_requests():
        rid = row.get("rid")
        hit = want.get(rid)
        if hit is not None:
            kind, cand, slot = hit
            entry = {"rid": rid, "response": _clip(row.get("response")), "outcome": row.get("outcome")}
            if kind == "candidate":
                lost[cand][slot]["candidate"] = entry
            else:
                for c2, s2 in base_rid_slots.get(rid, []):
                    lost[c2][s2]["baseline"] = entry
        if need_errors and row.get("outcome") != "ok":
            m = row.get("model")
            lst = errors.get(m)
            key = (m, f"{row.get('outcome')}|{row.get('error')}")
            if lst is not None and len(lst) < errors_per_model and key not in seen_err:
                seen_err.add(key)
                lst.append(
                    {
                        "rid": rid,
                        "prompt_id": row.get("prompt_id"),
                        "outcome": row.get("outcome"),
                        "http_status": row.get("http_status"),
                        "error": _clip(row.get("error")),
                    }
                )
    return {"lost": lost, "errors": errors}
