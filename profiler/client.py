"""The streaming client: configuration, the ``Transport`` interface and ``make_transport``.

Two transports implement ``Transport.execute(body, *, t_intended, headers=None, capture="full") -> Outcome``:

- ``fast`` (``profiler.transport_fast.FastTransport``): a lean HTTP/1.1 keep-alive client over (gevent)
  sockets with its own bounded pool, reading the SSE stream as bytes arrive. The high-load path.
- ``sdk`` (``profiler.transport_sdk.SDKTransport``): the official openai SDK over an ``httpx2.Client``,
  ``with_streaming_response`` drained to EOF, the SDK's own retry loop.

Both run one logical request with retries, never raise for request failures, and return one ``Outcome``
(``profiler.outcome``) whose fields are the requests.jsonl keys. They are built lazily: the pool / HTTP
client / SSL context is created on first use in the process (after Locust forks) and rebuilt if the
process id changes. This module never imports locust or gevent.

Pools are per process per (endpoint, model): two models compared side by side each get their own
``max_connections`` pool, as each would have in production, so one model's slow streams cannot starve the
other's pool.

Timing (binding definitions in DESIGN.md): every ``*_us`` is an integer from ``t_intended`` (a
``time.perf_counter()`` value; closed loop passes "now"), except ``pool_wait_us``/``connect_us`` (durations
of the final attempt) and ``ttft_attempt_us`` (from the final attempt's start). Events are stamped when
their bytes arrive. ``e2e_us`` ends at ``data: [DONE]`` (the body is still drained to EOF so the
connection is reused), or at the failure.

Retries (both transports, the openai SDK's rules): HTTP statuses in ``retry_on`` (``x-should-retry`` and a
too-long Retry-After override), plus timeouts and connection errors before the response headers. Nothing
mid-stream is retried. The total timeout covers all attempts and backoffs.

``capture``: ``full`` keeps the response text, reasoning text and tool calls; ``hash`` keeps
``sha256:HEX`` of the response text and the tool calls (scorers need names and arguments), no reasoning;
``off`` keeps none of them. Token counts are kept in every mode.

Call ``transport.prepare()`` once per process after fork (Locust ``init``/``test_start``) so the first
request does not pay for building the pool or client.
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from profiler.outcome import Outcome, internal_error
from profiler.retry import DEFAULT_RETRY_ON, RetryPolicy

__all__ = [
    "ClientConfig",
    "EndpointConfig",
    "Outcome",
    "RetryPolicy",
    "Transport",
    "make_transport",
    "SIM_API_KEY",
]

SIM_API_KEY = "sk-swapbench-simulator"  # sent to the simulator (it ignores it); never a real key


def _get(obj: Any, name: str, default: Any) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """The scenario's ``client:`` section (docs/scenario.md), with its defaults."""

    transport: str = "fast"
    max_connections: int = 100
    max_keepalive: int = 100
    pool_timeout_s: float = 5.0
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0
    total_timeout_s: float = 300.0
    max_retries: int = 2
    retry_on: tuple[int, ...] = DEFAULT_RETRY_ON
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 8.0
    backoff_multiplier: float = 2.0
    backoff_jitter: float = 0.25
    respect_retry_after: bool = True
    max_retry_after_s: float = 120.0

    @classmethod
    def from_scenario(cls, spec: Any = None, **overrides: Any) -> ClientConfig:
        """From ``sc.client`` (a ClientSpec dataclass), a plain dict, or None (defaults)."""
        d = cls()
        b = _get(spec, "backoff", None)
        kw = {
            "transport": _get(spec, "transport", d.transport),
            "max_connections": int(_get(spec, "max_connections", d.max_connections)),
            "max_keepalive": int(_get(spec, "max_keepalive", d.max_keepalive)),
            "pool_timeout_s": float(_get(spec, "pool_timeout_s", d.pool_timeout_s)),
            "connect_timeout_s": float(_get(spec, "connect_timeout_s", d.connect_timeout_s)),
            "read_timeout_s": float(_get(spec, "read_timeout_s", d.read_timeout_s)),
            "total_timeout_s": float(_get(spec, "total_timeout_s", d.total_timeout_s)),
            "max_retries": int(_get(spec, "max_retries", d.max_retries)),
            "retry_on": tuple(int(s) for s in _get(spec, "retry_on", d.retry_on)),
            "backoff_initial_s": float(_get(b, "initial_s", d.backoff_initial_s)),
            "backoff_max_s": float(_get(b, "max_s", d.backoff_max_s)),
            "backoff_multiplier": float(_get(b, "multiplier", d.backoff_multiplier)),
            "backoff_jitter": float(_get(b, "jitter", d.backoff_jitter)),
            "respect_retry_after": bool(_get(b, "respect_retry_after", d.respect_retry_after)),
            "max_retry_after_s": float(_get(b, "max_retry_after_s", d.max_retry_after_s)),
        }
        kw.update(overrides)
        return cls(**kw)

    @property
    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_retries=self.max_retries,
            retry_on=frozenset(self.retry_on),
            initial_s=self.backoff_initial_s,
            max_s=self.backoff_max_s,
            multiplier=self.backoff_multiplier,
            jitter=self.backoff_jitter,
            respect_retry_after=self.respect_retry_after,
            max_retry_after_s=self.max_retry_after_s,
        )


@dataclass(frozen=True)
class EndpointConfig:
    """Where and how to send: ``base_url`` (+ ``/chat/completions``), auth header, extra headers, query."""

    base_url: str
    api_key: str = field(default=SIM_API_KEY, repr=False)
    api_key_header: str = "authorization"  # "authorization" -> Bearer; anything else carries the raw key
    headers: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    verify_tls: bool = True
    name: str = ""  # model key, to keep pools per model

    @property
    def url(self) -> str:
        u = self.base_url.rstrip("/") + "/chat/completions"
        if self.query:
            u += "?" + urlencode({k: str(v) for k, v in self.query.items()})
        return u

    def auth_headers(self) -> dict[str, str]:
        if not self.api_key:
            return {}
        if self.api_key_header.lower() == "authorization":
            return {"Authorization": f"Bearer {self.api_key}"}
        return {self.api_key_header: self.api_key}

    @classmethod
    def from_model(cls, model: Any, base_url_override: str | None = None) -> EndpointConfig:
        ep = getattr(model, "endpoint", None)
        key = getattr(model, "key", "") or getattr(model, "model", "") or ""
        if ep is None:
            if not base_url_override:
                raise ValueError(f"model {key!r} is simulated: pass the simulator URL as base_url_override")
            return cls(base_url=base_url_override, name=key)
        return cls(
            base_url=base_url_override or ep.base_url,
            api_key=ep.api_key() if getattr(ep, "api_key_env", None) else "",
            api_key_header=getattr(ep, "api_key_header", "authorization") or "authorization",
            headers=dict(ep.resolved_headers())
            if hasattr(ep, "resolved_headers")
            else dict(ep.headers or {}),
            query=dict(getattr(ep, "query", None) or {}),
            verify_tls=bool(getattr(ep, "verify_tls", True)),
            name=key,
        )


class Transport:
    """One per process per (endpoint, model). ``execute`` never raises for request failures."""

    kind = "?"

    def __init__(self, cfg: ClientConfig, ep: EndpointConfig) -> None:
        self.cfg = cfg
        self.ep = ep
        self.policy = cfg.policy

    def execute(
        self,
        body: dict,
        *,
        t_intended: float,
        headers: dict | None = None,
        capture: str = "full",
    ) -> Outcome:
        """One logical request (with retries) as one :class:`Outcome`; never raises for a request."""
        try:
            return self._execute(body, t_intended, headers, capture)
        except Exception as e:  # a bug or bad input must not kill the user: one client_error row says what
            return internal_error(e, t_intended)

    def _execute(self, body: dict, t_intended: float, headers: dict | None, capture: str) -> Outcome:
        raise NotImplementedError

    def prepare(self) -> None:
        """Build the per-process pool / HTTP client now (call after fork, e.g. in Locust's ``init``),
        so that the first request does not pay for it. Optional: ``execute`` builds lazily."""

    def close(self) -> None:
        """Close pooled connections (optional; processes usually just exit)."""

    def connections_opened(self) -> int:
        """Connections this process has opened so far (diagnostics, connection-reuse tests)."""
        return 0


# ---------------------------------------------------------------------------------------------- factory
_SSL_LOCK = threading.Lock()
_SSL: dict[tuple[int, bool], ssl.SSLContext] = {}


def ssl_context(verify: bool) -> ssl.SSLContext:
    """One SSL context per process and verify flag (building one loads the CA store: ~20 ms)."""
    key = (os.getpid(), verify)
    ctx = _SSL.get(key)
    if ctx is None:
        with _SSL_LOCK:
            ctx = _SSL.get(key)
            if ctx is None:
                ctx = ssl.create_default_context()
                if not verify:
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                _SSL[key] = ctx
    return ctx


def freeze_heap() -> None:
    """Move everything allocated so far (imported modules: locust, flask, openai, pydantic, ...) into gc's
    permanent generation, so full collections during the run do not walk it. A full collection over the
    heap of a Locust + openai process pauses every greenlet for ~35-70 ms, which lands in measured TTFTs.
    Called by ``Transport.prepare()``; process-wide and harmless (module-level objects live forever)."""
    import gc

    gc.collect()
    gc.freeze()


_TRANSPORTS: dict[tuple, Transport] = {}


def make_transport(
    sc: Any,
    model: Any,
    base_url_override: str | None = None,
    *,
    kind: str | None = None,
) -> Transport:
    """The process's transport for ``model`` (cached; its pool is created lazily on first request).

    ``sc`` is a Scenario (``sc.client`` is read) or a ClientConfig. ``kind`` overrides ``client.transport``.
    """
    cfg = sc if isinstance(sc, ClientConfig) else ClientConfig.from_scenario(getattr(sc, "client", None))
    kind = kind or cfg.transport
    ep = EndpointConfig.from_model(model, base_url_override)
    key = (os.getpid(), kind, cfg, ep.base_url, ep.name, ep.api_key_header, ep.verify_tls)
    t = _TRANSPORTS.get(key)
    if t is None or t.ep != ep:
        t = build_transport(kind, cfg, ep)
        _TRANSPORTS[key] = t
    return t


def build_transport(kind: str, cfg: ClientConfig, ep: EndpointConfig) -> Transport:
    """A new transport (not cached). ``kind`` is ``fast`` or ``sdk``."""
    if kind == "fast":
        from profiler.transport_fast import FastTransport

        return FastTransport(cfg, ep)
    if kind == "sdk":
        from profiler.transport_sdk import SDKTransport

        return SDKTransport(cfg, ep)
    raise ValueError(f"client.transport: expected fast or sdk, got {kind!r}")
