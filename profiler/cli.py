"""`swapbench` console script: dispatches to the stage that owns each subcommand.

Each subcommand module exposes ``main(argv: list[str]) -> int`` with its own argparse parser, so the
stages stay independent (and the post-processing ones never import locust).
"""

from __future__ import annotations

import importlib
import sys

from profiler.errors import UserError

COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("profiler.scenario", "check a scenario file and print what it resolves to"),
    "sim": ("profiler.sim.server", "run the embedded OpenAI-compatible model simulator"),
    "score": (
        "profiler.quality.cli",
        "score every captured answer of a run (scorers, LLM judge, calibration)",
    ),
    "report": ("profiler.report.cli", "compare models: latency, reliability, cost, quality and a verdict"),
}

USAGE = (
    "usage: swapbench {"
    + ",".join(COMMANDS)
    + "} ...\n\n"
    + "\n".join(f"  {name:<9} {help_}" for name, (_, help_) in COMMANDS.items())
)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] in ("-V", "--version"):
        from profiler import __version__

        print(f"swapbench {__version__}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"swapbench: unknown command {name!r}\n{USAGE}", file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(COMMANDS[name][0])
        return int(module.main(rest) or 0)
    except UserError as err:
        print(f"swapbench {name}: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(f"swapbench {name}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
