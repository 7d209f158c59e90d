"""LLM-as-judge: the judge client (official openai SDK), its on-disk cache and the ``judge`` scorer.

The request is built with :func:`profiler.judge_format.build_messages` (the simulator's judge parses the
same format). Temperature 0, ``response_format: json_object``; the verdict ``{pass, score 1-5, reason}``
is validated against ``judge_format.RESPONSE_SCHEMA``. Valid verdicts are cached in SQLite, keyed by
(judge model identity, rubric, prompt, reference, answer, max_tokens), so a re-run costs nothing.
Cache file: ``$SWAPBENCH_CACHE_DIR/judge.sqlite``, else ``$XDG_CACHE_HOME/swapbench/judge.sqlite``, else
``~/.cache/swapbench/judge.sqlite``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from profiler import judge_format
from profiler.errors import UserError
from profiler.quality.base import (
    BuildContext,
    Scorer,
    ScoreResult,
    failed,
    gold_text,
    passed,
    register,
    short,
    strip_fence,
    unscored,
)

_VERDICT_VALIDATOR = jsonschema.Draft202012Validator(judge_format.RESPONSE_SCHEMA)


def cache_path() -> Path:
    if os.environ.get("SWAPBENCH_CACHE_DIR"):
        return Path(os.environ["SWAPBENCH_CACHE_DIR"]) / "judge.sqlite"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "swapbench" / "judge.sqlite"


class JudgeCache:
    """Thread-safe SQLite map: key -> verdict JSON. Falls back to memory if the file cannot be opened."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else cache_path()
        self._lock = threading.Lock()
        self.warning: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, value TEXT, at REAL)"
            )
            self._db.commit()
        except (OSError, sqlite3.Error) as e:
            self.warning = f"judge cache {self.path} unusable ({e}); caching in memory for this run only"
            self.path = None  # type: ignore[assignment]
            self._db = sqlite3.connect(":memory:", check_same_thread=False)
            self._db.execute("CREATE TABLE verdicts (key TEXT PRIMARY KEY, value TEXT, at REAL)")
        self.hits = 0

    @staticmethod
    def key(*parts: Any) -> str:
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    def get(self, key: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM verdicts WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        self.hits += 1
        return json.loads(row[0])

    def put(self, key: str, value: dict) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO verdicts (key, value, at) VALUES (?, ?, ?)",
                (key, json.dumps(value), time.time()),
            )
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


def parse_verdict(content: str | None) -> tuple[dict | None, str | None]:
    """``(verdict, None)`` for a valid verdict, else ``(None, reason)``."""
    if not content or not content.strip():
        return None, "judge returned an empty answer"
    body, _ = strip_fence(content)
    try:
        obj = json.loads(body)
    except ValueError:
        return None, f"judge returned non-JSON: {short(content, 60)}"
    errors = list(_VERDICT_VALIDATOR.iter_errors(obj))
    if errors:
        e = errors[0]
        where = "/".join(map(str, e.absolute_path)) or "(root)"
        return None, f"judge verdict invalid: {where}: {short(e.message, 80)}"
    return obj, None


class JudgeClient:
    """Calls one judge model through the openai SDK; thread-safe; tracks its own tokens and cost."""

    def __init__(
        self,
        model: Any,
        spec: Any,
        cache: JudgeCache,
        *,
        identity: str,
        base_url: str | None = None,
        opener: Callable[[], tuple[str, Callable[[], Any] | None]] | None = None,
    ) -> None:
        """``base_url`` of the judge endpoint, or ``opener()`` -> ``(base_url, closer)`` called on the first
        cache miss (so a run served from the cache never starts a simulator)."""
        self.model = model
        self.spec = spec
        self.base_url = base_url or "(not started)"
        self._opener = opener if base_url is None else None
        self._closer: Callable[[], Any] | None = None
        self.cache = cache
        self.identity = identity
        self._headers: dict[str, str] = {}
        self._query: dict[str, Any] = {}
        self._api_key = "swapbench-simulator"
        self._verify = True
        ep = getattr(model, "endpoint", None)
        if ep is not None:  # read the key and headers now: a missing env var fails before any scoring
            self._api_key = ep.api_key()
            self._headers.update(ep.resolved_headers())
            if ep.api_key_header.lower() != "authorization":
                self._headers[ep.api_key_header] = self._api_key
            self._query = dict(ep.query)
            self._verify = bool(ep.verify_tls)
        self._client: Any = None
        self._lock = threading.Lock()
        self._open_lock = threading.Lock()
        self.calls = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost_usd = 0.0

    def _sdk(self) -> Any:
        with self._open_lock:
            if self._client is None:
                import openai

                if self._opener is not None:
                    self.base_url, self._closer = self._opener()
                self._client = openai.OpenAI(
                    base_url=self.base_url,
                    api_key=self._api_key,
                    default_headers=self._headers or None,
                    default_query=self._query or None,
                    max_retries=2,
                    timeout=120.0,
                    http_client=None if self._verify else openai.DefaultHttpxClient(verify=False),
                )
            return self._client

    def close(self) -> None:
        """Close the SDK client and stop what the opener started (a simulator)."""
        with self._open_lock:
            if self._client is not None:
                self._client.close()
            if self._closer is not None:
                closer, self._closer = self._closer, None
                closer()

    def usage(self) -> dict[str, Any]:
        return {
            "model": self.model.key,
            "base_url": self.base_url if self._client is not None else None,
            "calls": self.calls,
            "cache_hits": self.cache.hits,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": round(self.cost_usd, 8),
        }

    def judge(self, rubric: str, prompt_text: str, reference: str | None, answer: str) -> ScoreResult:
        """One verdict (from the cache when possible). Raises UserError when the judge cannot be used
        at all (unreachable, authentication, unknown model); per-answer problems give ``unscored``."""
        import openai

        from profiler import metrics

        max_tokens = self.spec.max_tokens
        key = JudgeCache.key(self.identity, rubric, prompt_text, reference, answer, max_tokens)
        hit = self.cache.get(key)
        zero = {"prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}
        if hit is not None:
            return self._result(hit, cached=True, usage=zero)
        messages = judge_format.build_messages(rubric, prompt_text, reference, answer)
        try:
            resp = self._sdk().chat.completions.create(
                model=self.model.model,
                messages=messages,
                temperature=0,
                max_tokens=max_tokens,
                response_format={"type": "json_object"},
                extra_body=dict(self.model.params) or None,
            )
        except openai.APITimeoutError:
            return unscored("judge timed out (after retries)")
        except openai.APIConnectionError as e:
            cause = e.__cause__ or e
            raise UserError(
                f"judge {self.model.key} at {self.base_url} unreachable: {short(str(cause) or type(cause).__name__, 120)}"
            ) from None
        except (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError) as e:
            raise UserError(
                f"judge {self.model.key} at {self.base_url}: HTTP {e.status_code}: {short(str(e.message), 120)}"
            ) from None
        except openai.APIStatusError as e:
            return unscored(f"judge HTTP {e.status_code}: {short(str(e.message), 100)}")
        u = resp.usage
        pt = int(getattr(u, "prompt_tokens", 0) or 0)
        ct = int(getattr(u, "completion_tokens", 0) or 0)
        details = getattr(u, "completion_tokens_details", None)
        rt = int(getattr(details, "reasoning_tokens", 0) or 0) if details is not None else 0
        pdetails = getattr(u, "prompt_tokens_details", None)
        cached = int(getattr(pdetails, "cached_tokens", 0) or 0) if pdetails is not None else 0
        cost = metrics.cost_usd(self.model.price, pt, ct, cached, rt)
        with self._lock:
            self.calls += 1
            self.prompt_tokens += pt
            self.completion_tokens += ct
            self.cost_usd += cost
        usage = {"prompt_tokens": pt, "completion_tokens": ct, "cost_usd": round(cost, 8)}
        content = resp.choices[0].message.content if resp.choices else None
        verdict, why = parse_verdict(content)
        if verdict is None:
            res = unscored(why or "judge verdict invalid", raw=short(content or "", 200))
            res.judge_usage = usage
            return res
        self.cache.put(key, verdict)
        return self._result(verdict, cached=False, usage=usage)

    @staticmethod
    def _result(verdict: dict, *, cached: bool, usage: dict) -> ScoreResult:
        score = float(verdict["score"])
        reason = short(str(verdict.get("reason", "")), 200) or ("pass" if verdict["pass"] else "fail")
        res = (passed if verdict["pass"] else failed)(reason, score=score, cached=cached, judge_score=score)
        res.judge_usage = usage
        return res


def judge_answer(row: dict) -> str:
    """What the judge reads as the candidate answer: the text, plus any tool calls as JSON."""
    text = row.get("response") or ""
    calls = row.get("tool_calls")
    if calls:
        rendered = json.dumps(
            [{"name": c.get("name"), "arguments": c.get("arguments")} for c in calls], ensure_ascii=False
        )
        text = f"{text}\n[tool_calls] {rendered}" if text else rendered
    return text


def reference_for(prompt: Any) -> str | None:
    ref = gold_text(getattr(prompt, "gold", None))
    if ref is None and getattr(prompt, "gold_tool_calls", None):
        ref = json.dumps(prompt.gold_tool_calls, ensure_ascii=False, sort_keys=True)
    return ref


@register
class JudgeScorer(Scorer):
    """``{type: judge}``: the scenario's judge grades the answer; ``rubric`` overrides ``judge.rubric``."""

    kind = "judge"
    keys = frozenset({"rubric"})
    slow = True

    def configure(self, entry: dict, ctx: BuildContext) -> None:
        rubric = entry.get("rubric")
        if rubric is not None and (not isinstance(rubric, str) or not rubric.strip()):
            raise ctx.error("rubric", f"expected a non-empty string, got {rubric!r}")
        self.rubric_override: str | None = rubric
        self.rubric: str = rubric or ""
        self.client: JudgeClient | None = None

    def bind(self, client: JudgeClient, default_rubric: str) -> None:
        self.client = client
        self.rubric = self.rubric_override or default_rubric

    def score(self, answer: str, prompt: Any, row: dict) -> ScoreResult:
        if self.client is None:
            return unscored("judge disabled")
        from profiler.judge_format import render_prompt

        return self.client.judge(
            self.rubric, render_prompt(prompt.messages), reference_for(prompt), judge_answer(row)
        )
