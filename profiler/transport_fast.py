"""``fast`` transport: a lean HTTP/1.1 keep-alive client with its own bounded pool
(``profiler.transport_http``).

Under Locust the ``socket``/``ssl``/``threading``/``time`` modules are gevent-patched, and this module only
ever looks them up at call time (``socket.create_connection``, ``time.sleep``; the pool's
``threading.Lock``), so it is green there and plain blocking code elsewhere. The stream is read with ``recv`` as bytes arrive (never
fixed-size reads that wait for N bytes), de-chunked and fed to the one SSE parser; every event is stamped
with the time its bytes arrived.

Timeouts are deadlines, not exceptions thrown at arbitrary points: every socket operation and pool wait
uses ``min(its own timeout, total deadline - now)``, so the total timeout (incl. retries and backoff)
ends a request cleanly as ``total_timeout`` without corrupting the pool.
"""

from __future__ import annotations

import os
import socket
import ssl
import time
from time import perf_counter
from urllib.parse import urlsplit

from profiler.client import ClientConfig, EndpointConfig, Transport, freeze_heap, ssl_context
from profiler.outcome import Outcome, StreamErrorEvent, TimedStream, status_outcome
from profiler.transport_http import Chunked, Conn, ConnPool, PoolTimeout

try:
    from orjson import dumps as _dumps
except ImportError:  # pragma: no cover
    import json

    def _dumps(obj: object) -> bytes:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


_RECV = 65536
_MAX_ERROR_BODY = 1 << 20


class _Fail(Exception):
    """An attempt or stream failure with its outcome class."""

    def __init__(self, outcome: str, message: str, before_bytes: bool = False) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message
        self.before_bytes = before_bytes  # nothing received on this connection for this request


def _us(dt: float) -> int:
    return int(dt * 1e6)


class FastTransport(Transport):
    kind = "fast"

    def __init__(self, cfg: ClientConfig, ep: EndpointConfig) -> None:
        super().__init__(cfg, ep)
        u = urlsplit(ep.url)
        if u.scheme not in ("http", "https"):
            raise ValueError(f"endpoint.base_url: expected http:// or https://, got {ep.base_url!r}")
        self.https = u.scheme == "https"
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or (443 if self.https else 80)
        default_port = 443 if self.https else 80
        hostport = self.host if self.port == default_port else f"{self.host}:{self.port}"
        if ":" in self.host and not self.host.startswith("["):
            hostport = f"[{self.host}]" if self.port == default_port else f"[{self.host}]:{self.port}"
        path = u.path + ("?" + u.query if u.query else "")
        hdrs = {
            "Host": hostport,
            "User-Agent": "swapbench/0.1",
            "Accept": "text/event-stream",
            "Accept-Encoding": "identity",
            "Content-Type": "application/json",
            "Connection": "keep-alive",
        }
        hdrs.update(ep.auth_headers())
        hdrs.update({str(k): str(v) for k, v in (ep.headers or {}).items()})
        self._head = (f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())).encode(
            "latin-1"
        )
        self._pool: ConnPool | None = None
        self._pid = -1
        self._ssl: ssl.SSLContext | None = None

    # ------------------------------------------------------------------------------------------ pool
    @property
    def pool(self) -> ConnPool:
        if self._pool is None or self._pid != os.getpid():
            self._pool = ConnPool(self.cfg.max_connections, self.cfg.max_keepalive)
            self._pid = os.getpid()
            if self.https:
                self._ssl = ssl_context(self.ep.verify_tls)
        return self._pool

    def prepare(self) -> None:
        self.pool  # noqa: B018 - builds the pool and SSL context for this process
        freeze_heap()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    def connections_opened(self) -> int:
        return self._pool.opened if self._pool is not None else 0

    def _connect(self, deadline: float) -> Conn:
        timeout = min(self.cfg.connect_timeout_s, deadline - perf_counter())
        if timeout <= 0:
            raise _Fail("total_timeout", "total timeout before connecting")
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except TimeoutError:
            raise _Fail(
                "total_timeout" if perf_counter() >= deadline else "connect_timeout",
                f"connect to {self.host}:{self.port} timed out after {timeout:.3g} s",
            ) from None
        except OSError as e:
            raise _Fail("client_error", f"connect to {self.host}:{self.port} failed: {_msg(e)}") from None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.https:  # the handshake runs under the connect timeout set by create_connection
                sock = self._ssl.wrap_socket(sock, server_hostname=self.host)
        except TimeoutError:
            sock.close()
            raise _Fail("connect_timeout", f"TLS handshake with {self.host} timed out") from None
        except (OSError, ssl.SSLError) as e:
            sock.close()
            raise _Fail("client_error", f"TLS handshake with {self.host} failed: {_msg(e)}") from None
        conn = Conn(sock)
        conn.timeout = sock.gettimeout()
        return conn

    # ------------------------------------------------------------------------------------------ request
    def _execute(self, body: dict, t_intended: float, headers: dict | None, capture: str) -> Outcome:
        t_start = perf_counter()
        out = Outcome()
        out.schedule_lag_us = _us(t_start - t_intended)
        cfg = self.cfg
        deadline = t_start + cfg.total_timeout_s
        try:
            payload = _dumps(body)
        except (TypeError, ValueError) as e:
            out.outcome = "client_error"
            out.error = f"request body is not JSON-serialisable: {_msg(e)}"
            out.e2e_us = _us(perf_counter() - t_intended)
            return out
        extra = b""
        if headers:
            extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode("latin-1")
        request = b"".join((self._head, extra, b"Content-Length: %d\r\n\r\n" % len(payload), payload))
        pool = self._pool if self._pid == os.getpid() and self._pool is not None else self.pool
        policy = self.policy
        max_retries = policy.max_retries
        t_prev_end = 0.0
        n = 0
        while True:
            t_att = perf_counter()
            if n:
                out.backoff_us += _us(t_att - t_prev_end)
            n += 1
            out.attempts = n
            out.retries = n - 1
            # reset the per-attempt fields: they describe the final attempt
            out.pool_wait_us = out.connect_us = out.ttfb_us = None
            out.new_connection = False
            try:
                conn, status, hdrs, rest = self._attempt(pool, request, t_att, deadline, out)
            except _Fail as f:
                t_prev_end = perf_counter()
                out.attempt_outcomes.append(f.outcome)
                if f.outcome != "total_timeout" and n <= max_retries:
                    if self._backoff(policy, n - 1, None, deadline):
                        continue
                    # the logical request ran out of time while backing off: that sleep is backoff too
                    f = _Fail(
                        "total_timeout",
                        f"total timeout ({cfg.total_timeout_s:g} s) in backoff after {f.outcome}",
                    )
                    now = perf_counter()
                    out.backoff_us += _us(now - t_prev_end)
                    t_prev_end = now
                out.outcome = f.outcome
                out.error = f.message
                out.e2e_us = _us(t_prev_end - t_intended)
                return out
            out.http_status = status
            if 200 <= status < 300:
                out.ttfb_us = _us(perf_counter() - t_intended)
                self._stream(conn, hdrs, rest, out, body, t_intended, t_att, deadline, capture)
                out.attempt_outcomes.append(out.outcome)
                return out
            # error status: read the (small) error body so the connection can be reused
            out.ttfb_us = _us(perf_counter() - t_intended)
            msg = self._error_body(conn, hdrs, rest, deadline)
            t_prev_end = perf_counter()
            cls = status_outcome(status)
            out.attempt_outcomes.append(cls)
            ra = policy.retry_after_s(hdrs)
            out.retry_after_ms.append(None if ra is None else int(ra * 1000))
            if n <= max_retries and policy.should_retry_status(status, hdrs):
                if self._backoff(policy, n - 1, hdrs, deadline):
                    continue
                now = perf_counter()
                out.backoff_us += _us(now - t_prev_end)  # slept until the deadline: backoff too
                out.outcome = "total_timeout"
                out.error = f"total timeout ({cfg.total_timeout_s:g} s) during backoff after HTTP {status}"
                out.e2e_us = _us(now - t_intended)
                return out
            out.outcome = cls
            out.error = f"HTTP {status}: {msg}" if msg else f"HTTP {status}"
            out.e2e_us = _us(t_prev_end - t_intended)
            return out

    def _backoff(self, policy, retries_taken: int, hdrs: dict | None, deadline: float) -> bool:
        wait = policy.wait_s(retries_taken, hdrs)
        left = deadline - perf_counter()
        if wait >= left:
            time.sleep(max(left, 0.0))
            return False
        if wait > 0:
            time.sleep(wait)
        return True

    def _attempt(self, pool: ConnPool, request: bytes, t_att: float, deadline: float, out: Outcome):
        """Get a connection, send, read the response head. Returns (conn, status, headers, body bytes)."""
        cfg = self.cfg
        left = deadline - t_att
        try:
            conn = pool.acquire(cfg.pool_timeout_s if cfg.pool_timeout_s < left else left)
        except PoolTimeout:
            now = perf_counter()
            out.pool_wait_us = _us(now - t_att)
            if now >= deadline - 1e-4:
                raise _Fail(
                    "total_timeout", f"total timeout ({cfg.total_timeout_s:g} s) waiting for a connection"
                ) from None
            raise _Fail(
                "pool_timeout",
                f"no connection from the pool (max_connections={cfg.max_connections}) "
                f"within pool_timeout_s={cfg.pool_timeout_s:g}",
            ) from None
        t_got = perf_counter()
        out.pool_wait_us = _us(t_got - t_att)
        try:
            return self._connect_and_send(pool, conn, request, t_got, deadline, out)
        except _Fail:
            raise
        except BaseException:  # killed mid-attempt: give the slot back (the connection state is unknown)
            pool.discard(None)
            raise

    def _connect_and_send(
        self, pool: ConnPool, conn: Conn | None, request: bytes, t_got: float, deadline: float, out: Outcome
    ):
        """Owns one pool slot (``conn`` or a slot to connect): on _Fail the slot is already given back."""
        for _ in range(2):
            reused = conn is not None
            if conn is None:
                try:
                    conn = self._connect(deadline)
                except _Fail:
                    pool.discard(None)
                    out.connect_us = _us(perf_counter() - t_got)
                    out.new_connection = True
                    raise
                pool.opened += 1
                out.connect_us = _us(perf_counter() - t_got)
                out.new_connection = True
            try:
                status, hdrs, rest = self._send_and_read_head(conn, request, deadline)
                return conn, status, hdrs, rest
            except BaseException as e:
                conn.close()
                if not isinstance(e, _Fail):
                    raise  # the caller gives the slot back
                conn = None
                if reused and e.before_bytes and e.outcome == "stream_dropped":
                    # a stale keep-alive connection (closed by the server while idle): reconnect once,
                    # transparently, keeping the slot
                    t_got = perf_counter()
                    continue
                pool.discard(None)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_and_read_head(self, conn: Conn, request: bytes, deadline: float):
        cfg = self.cfg
        sock = conn.sock
        now = perf_counter()
        left = deadline - now
        conn.settimeout(cfg.read_timeout_s if cfg.read_timeout_s < left else max(left, 0.0001))
        try:
            sock.sendall(request)
        except TimeoutError:
            raise _Fail(_timeout_class(deadline, "read_timeout"), "timed out sending the request") from None
        except OSError as e:
            raise _Fail("stream_dropped", f"connection lost sending the request: {_msg(e)}", True) from None
        buf = b""
        while True:
            try:
                data = sock.recv(_RECV)
            except TimeoutError:
                raise _Fail(
                    _timeout_class(deadline, "read_timeout"),
                    f"no response headers within read_timeout_s={cfg.read_timeout_s:g}",
                ) from None
            except OSError as e:
                raise _Fail(
                    "stream_dropped", f"connection lost before the response: {_msg(e)}", not buf
                ) from None
            if not data:
                raise _Fail("stream_dropped", "server closed the connection before the response", not buf)
            buf += data
            i = buf.find(b"\r\n\r\n")
            if i >= 0:
                head = buf[:i]
                rest = buf[i + 4 :]
                lines = head.split(b"\r\n")
                try:
                    status = int(lines[0].split(None, 2)[1])
                except (IndexError, ValueError):
                    raise _Fail("client_error", f"bad HTTP status line: {lines[0][:80]!r}") from None
                if 100 <= status < 200:  # 100-continue and friends: skip
                    buf = rest
                    continue
                hdrs = {}
                for line in lines[1:]:
                    k, _, v = line.partition(b":")
                    hdrs[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
                if lines[0][:8] == b"HTTP/1.0" and hdrs.get("connection", "").lower() != "keep-alive":
                    hdrs.setdefault("connection", "close")
                return status, hdrs, rest
            left = deadline - perf_counter()
            if left < conn.timeout:
                conn.settimeout(max(left, 0.0001))

    def _recv(self, conn: Conn, deadline: float) -> bytes:
        """One read for the body: raises _Fail on timeout or connection loss."""
        left = deadline - perf_counter()
        rt = self.cfg.read_timeout_s
        conn.settimeout(rt if rt < left else max(left, 0.0001))
        try:
            return conn.sock.recv(_RECV)
        except TimeoutError:
            if perf_counter() >= deadline - 1e-4:
                raise _Fail("total_timeout", f"total timeout ({self.cfg.total_timeout_s:g} s)") from None
            raise _Fail("read_timeout", f"no data for read_timeout_s={rt:g} mid-stream") from None
        except OSError as e:
            raise _Fail("stream_dropped", f"connection lost mid-stream: {_msg(e)}") from None

    def _error_body(self, conn: Conn, hdrs: dict, rest: bytes, deadline: float) -> str:
        pool = self._pool
        try:
            body, complete = self._read_all(conn, hdrs, rest, deadline)
        except (_Fail, ValueError):
            pool.discard(conn)
            return ""
        except BaseException:  # killed (GreenletExit): give the slot back, then go
            pool.discard(conn)
            raise
        if complete and hdrs.get("connection", "").lower() != "close":
            pool.put(conn)
        else:
            pool.discard(conn)
        return _error_text(body)

    def _read_all(self, conn: Conn, hdrs: dict, rest: bytes, deadline: float) -> tuple[bytes, bool]:
        if "chunked" in hdrs.get("transfer-encoding", "").lower():
            dec = Chunked()
            parts = [dec.feed(rest)]
            size = len(parts[0])
            while not dec.done:
                data = self._recv(conn, deadline)
                if not data:
                    return b"".join(parts), False
                p = dec.feed(data)
                size += len(p)
                if size > _MAX_ERROR_BODY:
                    return b"".join(parts), False
                parts.append(p)
            return b"".join(parts), True
        cl = hdrs.get("content-length")
        if cl is not None:
            want = int(cl)
            if want > _MAX_ERROR_BODY:
                return rest[:_MAX_ERROR_BODY], False
            buf = rest
            while len(buf) < want:
                data = self._recv(conn, deadline)
                if not data:
                    return buf, False
                buf += data
            return buf[:want], len(buf) == want
        parts = [rest]
        size = len(rest)
        while size < _MAX_ERROR_BODY:
            data = self._recv(conn, deadline)
            if not data:
                break
            parts.append(data)
            size += len(data)
        return b"".join(parts), False  # read to close: never reusable

    def _stream(
        self,
        conn: Conn,
        hdrs: dict,
        rest: bytes,
        out: Outcome,
        body: dict,
        t_intended: float,
        t_att: float,
        deadline: float,
        capture: str,
    ) -> None:
        """Read the SSE body to its end, timing every non-empty delta. Fills ``out`` (never raises)."""
        pool = self._pool
        stream = TimedStream(out.itl_us, capture)
        feed = stream.feed
        te = hdrs.get("transfer-encoding", "")
        dec = Chunked() if "chunked" in te.lower() else None
        cl = hdrs.get("content-length")
        remaining = int(cl) if (dec is None and cl is not None) else -1
        reusable = hdrs.get("connection", "").lower() != "close" and (dec is not None or remaining >= 0)
        failure: _Fail | None = None
        complete = False
        data = rest
        now = perf_counter()
        try:
            while True:
                if data:
                    if dec is not None:
                        payload = dec.feed(data)
                    elif remaining >= 0:
                        payload = data[:remaining] if len(data) > remaining else data
                        remaining -= len(payload)
                    else:
                        payload = data
                    if payload:
                        feed(payload, now)
                    if (dec is not None and dec.done) or remaining == 0:
                        complete = True
                        break
                data = self._recv(conn, deadline)
                now = perf_counter()
                if not data:
                    if dec is None and remaining < 0:
                        complete = True  # close-delimited body
                    else:
                        raise _Fail("stream_dropped", "connection closed mid-stream (body incomplete)")
                    break
        except StreamErrorEvent as e:
            failure = _Fail("stream_error_event", str(e))
        except _Fail as f:
            failure = f
            now = perf_counter()
        except ValueError as e:  # bad chunked encoding
            failure = _Fail("stream_dropped", f"bad chunked encoding: {_msg(e)}")
            now = perf_counter()
        except BaseException:  # killed (GreenletExit): give the slot back, then go
            pool.discard(conn)
            raise
        if complete and reusable and failure is None:
            pool.put(conn)
        else:
            pool.discard(conn)
        stream.finish(
            out,
            t_intended=t_intended,
            t_att=t_att,
            now=now,
            failure=None if failure is None else (failure.outcome, failure.message),
            body=body,
            capture=capture,
        )


def _timeout_class(deadline: float, default: str) -> str:
    return "total_timeout" if perf_counter() >= deadline - 1e-4 else default


def _msg(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    return " ".join(f"{type(e).__name__}: {text}".split())[:300]


def _error_text(body: bytes) -> str:
    if not body:
        return ""
    try:
        from profiler.sse import _loads

        obj = _loads(body)
        err = obj.get("error", obj) if isinstance(obj, dict) else obj
        if isinstance(err, dict):
            msg = err.get("message") or err
            code = err.get("code") or err.get("type")
            text = f"{code}: {msg}" if code else str(msg)
        else:
            text = str(err)
    except Exception:
        text = body[:300].decode("utf-8", "replace")
    return " ".join(text.split())[:300]
