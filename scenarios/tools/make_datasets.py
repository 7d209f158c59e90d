"""Generate the shipped prompt datasets and human labels (deterministic, stdlib only).

    python scenarios/tools/make_datasets.py            # rewrites scenarios/datasets/*.jsonl, labels/*.jsonl
    python scenarios/tools/make_datasets.py --out DIR  # writes DIR/datasets/... and DIR/labels/... instead

Every record is built from hand-written material (TypeScript problems with verified solutions, document
templates, ticket phrasings, agent transcripts) combined with a seeded ``random.Random`` per record, so
re-running reproduces the committed files byte for byte. Edit the material, re-run, commit both.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen_agent  # noqa: E402
import gen_classification  # noqa: E402
import gen_codegen  # noqa: E402
import gen_extraction  # noqa: E402
import gen_labels  # noqa: E402

SCENARIOS = HERE.parent


def dump_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    path.write_text(text, encoding="utf-8", newline="\n")


def build() -> dict[str, list[dict]]:
    """All files as ``{relative path: rows}``."""
    datasets = {
        "ts_codegen": gen_codegen.rows(),
        "extraction": gen_extraction.rows(),
        "classification": gen_classification.rows(),
        "agent": gen_agent.rows(),
    }
    out = {f"datasets/{task}.jsonl": rows for task, rows in datasets.items()}
    out["labels/human_labels.jsonl"] = gen_labels.rows(datasets, random.Random("labels"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate swapbench's shipped datasets and human labels.")
    ap.add_argument("--out", type=Path, default=SCENARIOS, help="folder to write datasets/ and labels/ into")
    args = ap.parse_args(argv)
    for rel, rows in build().items():
        dump_jsonl(args.out / rel, rows)
        print(f"{rel}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
