"""Offline quality scoring: scorers, the LLM judge and its calibration against human labels.

Importing this package registers every scorer type. Never imports locust.
"""

from profiler.quality import external, jsonmatch, judge, text, toolcall  # noqa: F401  (register scorers)
from profiler.quality.base import REGISTRY, BuildContext, Scorer, ScoreResult, build_scorer

__all__ = ["REGISTRY", "BuildContext", "ScoreResult", "Scorer", "build_scorer"]
