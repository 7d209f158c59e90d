"""ts_codegen: TypeScript code-generation prompts built from ``ts_problems.PROBLEMS``.

The prompt styles vary the way real tickets do: a bare spec, a spec with examples, a ticket with
constraints, a "fix this buggy implementation" request quoting one of the wrong solutions, and long
prompts that paste the surrounding module for context.
"""

from __future__ import annotations

import random

from ts_problems import PROBLEMS

SYSTEMS = [
    "You are a senior TypeScript engineer. Reply with only the TypeScript source of the requested code: "
    "no prose, no markdown fences. Target TypeScript 5 with strict mode, ES2022, no external dependencies.",
    "You write production TypeScript for our monorepo (strict: true, ES2022 target, no runtime dependencies). "
    "Answer with the contents of a single .ts file and nothing else: no explanations, no ``` fences.",
    "Code assistant for the {team} team. Output only valid TypeScript that compiles under `strict: true`. "
    "Export exactly the names asked for. Do not wrap the code in markdown and do not add usage examples.",
]
TEAMS = ["payments", "growth", "platform", "storefront", "data", "mobile web", "internal tools", "billing"]
INTROS = [
    "",
    "Ticket {ticket}: small helper for the {area} code.\n\n",
    "Hey, can you write this for the {area} package?\n\n",
    "We need the following in {area}; it ships with the next release.\n\n",
    "From the {area} backlog ({ticket}):\n\n",
]
CONSTRAINTS = [
    "No `any`.",
    "It must compile with `strict: true` and `noImplicitAny`.",
    "No external packages (lodash and friends are not allowed in this package).",
    "Keep it small and readable; our reviewers dislike clever one-liners.",
    "Don't log anything; callers handle errors.",
    "It runs in both Node 20 and the browser, so only use standard ES2022 APIs.",
    "Use named exports only (no default export).",
]
SLACK = [
    '(Context from the review thread: "{who}: the last version of this bit us in prod, please make sure '
    'the edge cases in the spec are covered.")',
    "(PR note from {who}: keep the exported name exactly as specified, other modules already import it.)",
    "({who} mentioned that this is called on a hot path, so avoid needless allocations.)",
]
PEOPLE = ["Priya", "Marcus", "Jonas", "Aiko", "Lucía", "Tom", "Fatima", "Oleksandr", "Grace", "Wei"]


def _split_args(s: str) -> list[str]:
    """Split a call's argument text on top-level commas (string- and bracket-aware)."""
    parts, depth, cur, quote = [], 0, "", ""
    for ch in s:
        if quote:
            cur += ch
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    parts.append(cur.strip())
    return parts


def examples(tests: list[str], n: int) -> list[str]:
    """Render simple ``eq(call, expected);`` checks as ``call // => expected`` lines."""
    out = []
    for t in tests:
        if not (t.startswith("eq(") and t.endswith(");")) or t.count(";") > 1:
            continue
        args = _split_args(t[3:-2])
        if len(args) != 2 or len(args[0]) > 70:
            continue
        out.append(f"{args[0]}  // => {args[1]}")
        if len(out) == n:
            break
    return out


def render(p: dict, rng: random.Random, idx: int, style: str) -> tuple[list[dict], str]:
    ticket = f"{rng.choice(['PLAT', 'PAY', 'WEB', 'CORE', 'OPS'])}-{rng.randint(120, 4800)}"
    system = rng.choice(SYSTEMS).format(team=rng.choice(TEAMS))
    intro = rng.choice(INTROS).format(ticket=ticket, area=p["area"])
    parts = [intro + p["spec"]]
    if style in ("examples", "context") or rng.random() < 0.3:
        ex = examples(p["tests"], rng.randint(2, 3))
        if ex:
            parts.append("Examples:\n" + "\n".join(ex))
    if style == "fix":
        bug = rng.choice(p["wrong"])
        parts = [
            intro + f"This implementation of `{p['name']}` is buggy (a customer report traced an incident "
            "to it). Rewrite it so that it meets the spec below. Return the complete corrected code.\n\n"
            + bug.rstrip()
            + "\n\nSpec:\n"
            + p["spec"]
        ]
    if style == "context":
        other = PROBLEMS[(idx * 7 + 3) % len(PROBLEMS)]
        if other["name"] == p["name"]:
            other = PROBLEMS[(idx + 1) % len(PROBLEMS)]
        module = [other["gold"].rstrip()]
        if idx % 3 == 1:  # the long tail: a whole module pasted for context
            module += [q["gold"].rstrip() for q in PROBLEMS[idx + 1 : idx + 7] if q["name"] != p["name"]]
        parts.append(
            "For context, this is the existing code in the module it goes into (do not repeat it, only "
            "write the new code):\n\n" + "\n\n".join(module)
        )
        if rng.random() < 0.5:
            parts.append(rng.choice(SLACK).format(who=rng.choice(PEOPLE)))
    cons = rng.sample(CONSTRAINTS, rng.randint(0, 3))
    if cons:
        parts.append("Constraints:\n" + "\n".join(f"- {c}" for c in cons))
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(parts)}], style


STYLES = ["spec", "examples", "spec", "fix", "context", "examples", "spec"]


def rows() -> list[dict]:
    out = []
    for i, p in enumerate(PROBLEMS):
        rng = random.Random(f"ts_codegen:{p['name']}")
        style = STYLES[i % len(STYLES)]
        messages, style = render(p, rng, i, style)
        gold_lines = p["gold"].count("\n")
        out.append(
            {
                "id": f"ts-{i + 1:04d}",
                "messages": messages,
                "max_tokens": 400 if gold_lines < 20 else 700 if gold_lines < 45 else 1000,
                "gold": p["gold"],
                "distractors": p["wrong"],
                "meta": {"export": p["name"], "area": p["area"], "style": style, "tests": p["tests"]},
            }
        )
    return out
