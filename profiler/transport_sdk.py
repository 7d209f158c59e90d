"""``sdk`` transport: the official openai SDK, as a production client uses it.

``client.chat.completions.with_streaming_response.create(**body)`` over one ``httpx2.Client`` per process
(per endpoint and model), the body read with ``iter_bytes()`` into the one SSE parser and drained to EOF
so the connection is reused (the SDK's typed ``Stream`` never reuses it: field notes #2). The SDK's own
retry loop runs (``max_retries``), with its retry decision and backoff delay taken from the scenario's
policy (same rules as the SDK by default; ``retry_on`` and ``backoff`` honoured).

Instrumentation without touching the SDK's request path: the httpx2 client gets a thin transport wrapper
whose ``handle_request`` is called once per attempt. It stamps the attempt's start, reads the SDK's
``x-stainless-retry-count`` request header, installs the httpx ``trace`` extension (pool wait = start ->
``connect_tcp.started`` or ``send_request_headers.started``; connect = TCP + TLS) and stamps the end
(response headers, or the exception). Backoff = next attempt's start - previous attempt's end (or the total
deadline, when it hits during that wait). The
per-request state is found through a greenlet-local (``threading.local`` is gevent-patched under Locust).
The total timeout is a ``gevent.Timeout`` around the whole logical request.
"""

from __future__ import annotations

import inspect
import os
import sys
import threading
from time import perf_counter
from typing import Any

from profiler.client import ClientConfig, EndpointConfig, Transport, freeze_heap, ssl_context
from profiler.outcome import Outcome, StreamErrorEvent, TimedStream, status_outcome


def _import_sdk_safely() -> None:
    """Import httpx2/openai in a gevent-patched process.

    httpcore2 does ``try: import trio except (ImportError, NotImplementedError)``; when trio is installed,
    importing it after ``gevent.monkey.patch_all()`` fails with AttributeError (``select.epoll`` is
    removed by the patch), which would crash the import. trio cannot run under gevent anyway, so mark it
    unavailable and let httpcore2 fall back.
    """
    if "httpcore2" in sys.modules or "trio" in sys.modules:
        return
    try:
        import trio  # noqa: F401
    except ImportError:
        pass
    except Exception:
        for name in [m for m in sys.modules if m == "trio" or m.startswith("trio.")]:
            del sys.modules[name]
        sys.modules["trio"] = None  # type: ignore[assignment]  # -> ImportError for httpcore2


def _unyielding_socket_check() -> None:
    """Make httpcore2's idle-connection readability probe a plain non-blocking ``poll(0)``.

    httpcore2 probes every idle pooled connection with ``select.poll().poll(0)`` on each request, while it
    holds the pool lock. Under gevent's patched ``select`` that probe yields to the hub, so with N idle
    connections a request switches away N times holding the lock and every other greenlet queues behind it
    (measured: pool wait p50 6.5 ms at 32 streams with 32 idle connections, none needed). The original
    ``poll`` with timeout 0 never blocks, so using it changes nothing but the convoy.
    """
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover
        return
    if not monkey.is_module_patched("select"):
        return
    import select
    import types

    import httpcore2._utils as hu

    if getattr(hu.select, "_swapbench_shim", False):
        return
    orig_poll, orig_select = monkey.get_original("select", ["poll", "select"])
    hu.select = types.SimpleNamespace(  # type: ignore[attr-defined]
        poll=orig_poll, select=orig_select, POLLIN=select.POLLIN, _swapbench_shim=True
    )


class _Attempt:
    __slots__ = (
        "t0",
        "t_conn",
        "t_conn_end",
        "t_send",
        "t_headers",
        "t_end",
        "status",
        "headers",
        "exc",
        "retry_n",
    )

    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self.t_conn = 0.0
        self.t_conn_end = 0.0
        self.t_send = 0.0
        self.t_headers = 0.0
        self.t_end = 0.0
        self.status = 0
        self.headers: Any = None
        self.exc: BaseException | None = None
        self.retry_n = 0

    def trace(self, name: str, info: dict) -> None:
        if name == "connection.connect_tcp.started":
            self.t_conn = perf_counter()
        elif name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self.t_conn_end = perf_counter()
        elif name == "http11.send_request_headers.started" and not self.t_send:
            self.t_send = perf_counter()


def _exc_outcome(e: BaseException | None) -> tuple[str, str]:
    """Outcome class of an exception (by the cause's class name: works for httpx and httpx2)."""
    if e is None:
        return "client_error", "unknown failure"
    cause = e.__cause__ or e.__context__ if type(e).__module__.startswith("openai") else e
    cname = type(cause).__name__ if cause is not None else ""
    ename = type(e).__name__
    text = " ".join(f"{ename}: {e}".split())[:300]
    if cname == "PoolTimeout":
        return "pool_timeout", f"no connection from the pool within pool timeout ({text})"
    if cname == "ConnectTimeout":
        return "connect_timeout", text
    if cname in ("ReadTimeout", "WriteTimeout"):
        return "read_timeout", text
    if cname in ("RemoteProtocolError", "ReadError", "WriteError", "CloseError", "ProtocolError"):
        return "stream_dropped", f"{text} ({cname}: {cause})"[:300]
    if cname == "ConnectError":
        return "client_error", f"connect failed: {cause}"[:300]
    if ename == "APITimeoutError":
        return "read_timeout", text
    status = getattr(e, "status_code", None)
    if isinstance(status, int):
        return status_outcome(status), text
    return "client_error", text


_CREATE_PARAMS: frozenset[str] | None = None


def _create_params() -> frozenset[str]:
    global _CREATE_PARAMS
    if _CREATE_PARAMS is None:
        from openai.resources.chat.completions import Completions

        _CREATE_PARAMS = frozenset(inspect.signature(Completions.create).parameters) - {"self"}
    return _CREATE_PARAMS


class SDKTransport(Transport):
    """The official openai SDK. ``transform_params = False`` (default) passes the prepared body as
    ``extra_body`` (identical JSON on the wire) instead of ``create(**body)``, which skips the SDK's
    per-request TypedDict transformation of the params: ~0.5 ms of CPU per request that a load generator
    concentrating many users in one process must not spend (it would inflate the measured TTFT). Set it to
    True to run ``create(**body)`` literally."""

    kind = "sdk"
    transform_params = False

    def __init__(self, cfg: ClientConfig, ep: EndpointConfig) -> None:
        super().__init__(cfg, ep)
        _import_sdk_safely()
        import httpx2  # noqa: F401  - import cost (~0.5 s) paid here, not inside the first request
        import openai  # noqa: F401

        self._client: Any = None
        self._pid = -1
        self._local: Any = None
        self._opened = 0

    # ------------------------------------------------------------------------------------------ setup
    def _build(self) -> Any:
        _import_sdk_safely()
        _unyielding_socket_check()
        import httpx2
        import openai

        policy = self.policy
        ep = self.ep
        cfg = self.cfg
        local = threading.local()  # created after gevent patching: greenlet-local under Locust
        owner = self

        class _Tracing(httpx2.BaseTransport):
            def __init__(self, inner: httpx2.BaseTransport) -> None:
                self._inner = inner

            def handle_request(self, request: httpx2.Request) -> httpx2.Response:
                att = _Attempt(perf_counter())
                st = getattr(local, "st", None)
                if st is not None:
                    st.append(att)
                try:
                    att.retry_n = int(request.headers.get("x-stainless-retry-count", "0"))
                except ValueError:
                    pass
                request.extensions["trace"] = att.trace
                try:
                    resp = self._inner.handle_request(request)
                except BaseException as e:
                    att.t_end = perf_counter()
                    att.exc = e
                    if att.t_conn:
                        owner._opened += 1
                    raise
                att.t_headers = att.t_end = perf_counter()
                if att.t_conn:
                    owner._opened += 1
                att.status = resp.status_code
                att.headers = resp.headers
                return resp

            def close(self) -> None:
                self._inner.close()

        auth_header = ep.api_key_header
        api_key = ep.api_key or "none"

        class _Client(openai.OpenAI):
            def _should_retry(self, response: Any) -> bool:
                return policy.should_retry_status(response.status_code, response.headers)

            def _calculate_retry_timeout(
                self, remaining_retries: int, options: Any, response_headers: Any = None
            ):
                max_retries = options.get_max_retries(self.max_retries)
                return policy.wait_s(max_retries - remaining_retries, response_headers)

            if auth_header.lower() != "authorization":

                @property
                def auth_headers(self) -> dict[str, str]:  # openai 2.x
                    return {auth_header: api_key}

                def _auth_headers(self, security: Any = None) -> dict[str, str]:  # openai 3.x
                    return {auth_header: api_key}

                def _validate_headers(self, headers: Any, custom_headers: Any) -> None:
                    return None

        verify: Any = ssl_context(ep.verify_tls) if ep.base_url.startswith("https") else True
        inner = httpx2.HTTPTransport(
            verify=verify,
            limits=httpx2.Limits(
                max_connections=cfg.max_connections,
                max_keepalive_connections=cfg.max_keepalive,
                keepalive_expiry=60.0,
            ),
        )
        timeout = httpx2.Timeout(
            connect=cfg.connect_timeout_s,
            read=cfg.read_timeout_s,
            write=cfg.read_timeout_s,
            pool=cfg.pool_timeout_s,
        )
        http = httpx2.Client(transport=_Tracing(inner), timeout=timeout, follow_redirects=False)
        client = _Client(
            base_url=ep.base_url,
            api_key=api_key,
            http_client=http,
            max_retries=cfg.max_retries,
            timeout=timeout,
            default_headers={str(k): str(v) for k, v in (ep.headers or {}).items()} or None,
            default_query={str(k): str(v) for k, v in (ep.query or {}).items()} or None,
        )
        self._local = local
        self._pid = os.getpid()
        self._client = client
        return client

    def prepare(self) -> None:
        """Build the client now, then move the heap (openai, pydantic and httpx2 modules: ~75k objects)
        into gc's permanent generation. Without it every full collection walks them: ~35-70 ms pauses of
        the whole process that land in measured TTFTs (bench: p99 stamp lag 43 ms -> 7 ms)."""
        if self._client is None or self._pid != os.getpid():
            self._build()
        freeze_heap()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def connections_opened(self) -> int:
        return self._opened

    # ------------------------------------------------------------------------------------------ request
    def _execute(self, body: dict, t_intended: float, headers: dict | None, capture: str) -> Outcome:
        import gevent

        t_start = perf_counter()
        out = Outcome()
        out.schedule_lag_us = int((t_start - t_intended) * 1e6)
        client = self._client if self._pid == os.getpid() and self._client is not None else self._build()
        if self.transform_params:
            params = _create_params()
            kwargs = {k: v for k, v in body.items() if k in params}
            extra_body = {k: v for k, v in body.items() if k not in params}
        else:
            # same bytes on the wire; skips the SDK's TypedDict transform of the params (~30 % of its CPU)
            kwargs = {
                "model": body.get("model", ""),
                "messages": [],
                "stream": bool(body.get("stream", True)),
            }
            extra_body = body
        hdrs = {"Accept-Encoding": "identity"}
        if headers:
            hdrs.update(headers)
        attempts: list[_Attempt] = []
        local = self._local
        local.st = attempts
        stream = TimedStream(out.itl_us, capture)
        failure: tuple[str, str] | None = None
        now = 0.0
        # the total deadline counts from t_start (a lazy client build on the first request is inside it)
        timer = gevent.Timeout(max(t_start + self.cfg.total_timeout_s - perf_counter(), 1e-6))
        timer.start()
        try:
            with client.chat.completions.with_streaming_response.create(
                **kwargs, extra_headers=hdrs, extra_body=extra_body or None
            ) as resp:
                out.http_status = resp.status_code
                feed = stream.feed
                for data in resp.iter_bytes():
                    now = perf_counter()
                    feed(data, now)
                now = perf_counter()
        except StreamErrorEvent as e:
            failure = ("stream_error_event", str(e))
        except gevent.Timeout as t:
            if t is not timer:
                raise
            now = perf_counter()
            failure = ("total_timeout", f"total timeout ({self.cfg.total_timeout_s:g} s)")
        except Exception as e:  # every request failure becomes an outcome
            now = perf_counter()
            failure = _exc_outcome(e)
            status = getattr(e, "status_code", None)
            if isinstance(status, int):
                out.http_status = status
                body_err = getattr(e, "body", None)
                msg = body_err.get("message") if isinstance(body_err, dict) else None
                failure = (failure[0], f"HTTP {status}: {msg}" if msg else f"HTTP {status}")
        finally:
            timer.close()
            local.st = None
        # attempts, retries, backoff, per-attempt outcomes
        n = len(attempts)
        out.attempts = max(n, 1)
        out.retries = out.attempts - 1
        backoff = 0.0
        for i in range(1, n):
            prev_end = attempts[i - 1].t_end or attempts[i].t0
            backoff += attempts[i].t0 - prev_end
        out.backoff_us = int(backoff * 1e6)
        for a in attempts[:-1]:
            out.attempt_outcomes.append(status_outcome(a.status) if a.status else _exc_outcome(a.exc)[0])
        last_cls = None  # the final attempt's own class when it failed before the request did
        if attempts and failure is not None and failure[0] == "total_timeout":
            a = attempts[-1]
            if a.status >= 300:
                last_cls = status_outcome(a.status)
            elif a.exc is not None and not isinstance(a.exc, gevent.Timeout):
                last_cls = _exc_outcome(a.exc)[0]
            if last_cls is not None and a.t_end:
                # the deadline hit while sleeping for the next attempt: that sleep is backoff too
                out.backoff_us += int((now - a.t_end) * 1e6)
        if not out.http_status:  # the last HTTP status of any attempt (0 if none), as in the fast transport
            out.http_status = next((a.status for a in reversed(attempts) if a.status), 0)
        for a in attempts:  # one entry per attempt answered with an error status, as in the fast transport
            if a.status >= 300:
                ra = self.policy.retry_after_s(a.headers)
                out.retry_after_ms.append(None if ra is None else int(ra * 1000))
        if attempts:
            last = attempts[-1]
            if last.t_conn:
                out.new_connection = True
                out.pool_wait_us = int((last.t_conn - last.t0) * 1e6)
                out.connect_us = int(((last.t_conn_end or last.t_send or last.t_end) - last.t_conn) * 1e6)
            else:
                out.pool_wait_us = int(((last.t_send or last.t_end) - last.t0) * 1e6)
            if last.t_headers:
                out.ttfb_us = int((last.t_headers - t_intended) * 1e6)
            # the first attempt starts at t_start (DESIGN), not when the SDK, done building the request,
            # hands it to the transport (0.5 ms, 35 ms on the first call): one attempt gives
            # ttft_attempt = ttft - schedule_lag, as on the fast transport
            t_att = last.t0 if n > 1 else t_start
        else:
            t_att = t_start
        stream.finish(
            out, t_intended=t_intended, t_att=t_att, now=now, failure=failure, body=body, capture=capture
        )
        out.attempt_outcomes.append(last_cls or out.outcome)
        return out
