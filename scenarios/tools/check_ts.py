"""Check the TypeScript problems: every gold compiles and passes its checks, every distractor fails.

Needs ``tsc`` (TypeScript 5) and ``node``; not part of the test suite because most machines lack tsc.

    python scenarios/tools/check_ts.py [--tsc PATH]

Exit status 0 when all golds pass and all distractors fail.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ts_problems import PROBLEMS  # noqa: E402

TSC_FLAGS = ["--strict", "--target", "es2022", "--lib", "es2022,dom", "--module", "commonjs"]

HARNESS = """
declare const process: { exitCode: number };
function eq(actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`eq failed: ${a} !== ${b}`);
}
function throws(fn: () => unknown): void {
  try {
    fn();
  } catch {
    return;
  }
  throw new Error("expected a throw");
}
async function rejects(fn: () => Promise<unknown>, part?: string): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (part !== undefined && !msg.includes(part)) throw new Error(`rejected with "${msg}", wanted "${part}"`);
    return;
  }
  throw new Error("expected a rejection");
}
function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
async function __main(): Promise<void> {
__TESTS__
}
__main().then(
  () => console.log("PASS"),
  (e: unknown) => {
    console.log("FAIL " + (e instanceof Error ? e.message : String(e)));
    process.exitCode = 1;
  },
);
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tsc", default=shutil.which("tsc") or "tsc")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files: dict[Path, tuple[str, str]] = {}
        for p in PROBLEMS:
            for label, code in [("gold", p["gold"])] + [(f"wrong{i}", w) for i, w in enumerate(p["wrong"])]:
                f = root / "src" / p["name"] / f"{label}.ts"
                f.parent.mkdir(parents=True, exist_ok=True)
                f.write_text(code + HARNESS.replace("__TESTS__", "\n".join(p["tests"])), encoding="utf-8")
                files[f] = (p["name"], label)
        cmd = [
            args.tsc,
            *TSC_FLAGS,
            "--rootDir",
            str(root / "src"),
            "--outDir",
            str(root / "out"),
            *map(str, files),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        tsc_errors: dict[Path, list[str]] = {}
        for line in proc.stdout.splitlines():
            if ".ts(" in line and ": error" in line:
                path = Path(line.split("(", 1)[0])
                if not path.is_absolute():
                    path = Path.cwd() / path
                tsc_errors.setdefault(path.resolve(), []).append(line.split(": error", 1)[1].strip())
        bad = 0
        for f, (name, label) in files.items():
            js = root / "out" / name / f"{label}.js"
            run = subprocess.run(["node", str(js)], capture_output=True, text=True, timeout=20)
            verdict = (
                run.stdout.strip().splitlines()[-1] if run.stdout.strip() else f"FAIL {run.stderr[-200:]}"
            )
            errs = tsc_errors.get(f.resolve(), [])
            ok = verdict == "PASS" and not errs
            if label == "gold" and not ok:
                bad += 1
                print(f"GOLD BROKEN {name}: {verdict} {errs[:2]}")
            elif label != "gold" and ok:
                bad += 1
                print(f"DISTRACTOR PASSES {name}/{label}")
            else:
                why = "tsc" if errs else verdict[:70]
                print(f"ok {name}/{label}: {'pass' if ok else why}")
        print(f"{len(PROBLEMS)} problems, {len(files)} solutions, {bad} problems found")
        return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
