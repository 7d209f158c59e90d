"""``swapbench validate FILE...``: check scenario files and say what they resolve to."""

from __future__ import annotations

import argparse
import json
import sys

from profiler.response_format import strict_schema_issues
from profiler.scenario import Scenario, check_all


def summary(sc: Scenario, shown: str, prompts: dict[str, list]) -> str:
    """A short human summary of what a valid scenario resolves to."""
    lines = [f"{shown}: ok: scenario {sc.name} (seed {sc.seed})"]
    if sc.description:
        lines.append(f"  {sc.description.strip().splitlines()[0]}")
    for key in sc.model_keys:
        m = sc.models[key]
        where = (
            "simulated" if m.is_simulated else f"{m.endpoint.base_url}, key from ${m.endpoint.api_key_env}"
        )
        role = "baseline, " if key == sc.baseline else ""
        judge = ", judge" if sc.judge and sc.judge.model == key else ""
        p = m.price
        lines.append(
            f"  model {key}: {role}{m.model} ({where}{judge}); ${p.input_per_1m:g} in / ${p.output_per_1m:g} out per 1M"
        )
    total_w = sum(t.weight for t in sc.prompt_mix.tasks.values())
    for key, t in sc.prompt_mix.tasks.items():
        rf = f", response_format {t.response_format['type']}" if t.response_format else ""
        if t.response_format and t.response_format.get("strict") and prompts[key]:
            schema = (prompts[key][0].response_format or {}).get("json_schema", {}).get("schema")
            issues = strict_schema_issues(schema) if schema is not None else []
            if issues:
                rf += f" (warning: OpenAI strict mode would reject the schema: {issues[0]})"
        lines.append(
            f"  task {key}: {len(prompts[key])} prompts, weight {t.weight / total_w:.0%}, max_tokens {t.max_tokens}"
            f"{rf}, {len(t.scorers)} scorer(s){', judged' if t.judge and sc.judge else ''}"
        )
    ld = sc.load
    if ld.mode == "open":
        shape = f"open loop, {ld.arrival.rate_per_s:g} req/s {ld.arrival.process} per model"
    else:
        shape = f"closed loop, {ld.users} users per model, think {ld.think_time_s:g} s"
    lines.append(
        f"  load: {shape}, {ld.duration_s:g} s incl. {ld.warmup_s:g} s warm-up; transport {sc.client.transport}"
    )
    slo = sc.slo
    gates = [
        f"TTFT p99 <= {slo.ttft_p99_ms:g} ms" if slo.ttft_p99_ms is not None else "",
        f"e2e p99 <= {slo.e2e_p99_ms:g} ms" if slo.e2e_p99_ms is not None else "",
        f"errors <= {slo.error_rate_max:.1%}" if slo.error_rate_max is not None else "",
        f"timeouts <= {slo.timeout_rate_max:.1%}" if slo.timeout_rate_max is not None else "",
        f"success >= {slo.success_rate_min:.0%}" if slo.success_rate_min is not None else "",
    ]
    lines.append("  slo: " + (", ".join(g for g in gates if g) or "none"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``swapbench validate FILE...``: a summary per valid file; exit 2 with one line per problem otherwise."""
    parser = argparse.ArgumentParser(prog="swapbench validate", description="Check scenario files.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML file(s)")
    parser.add_argument(
        "--json", action="store_true", help="print the resolved scenario (no secrets) as JSON"
    )
    args = parser.parse_args(argv)
    failed = False
    for i, file in enumerate(args.files):
        sc, prompts, problems = check_all(file)
        if problems or sc is None or prompts is None:
            failed = True
            for line in problems:
                print(line, file=sys.stderr)
            continue
        if args.json:
            print(json.dumps(sc.manifest(), indent=2))
        else:
            print(("\n" if i else "") + summary(sc, file, prompts))
    return 2 if failed else 0
