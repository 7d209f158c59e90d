"""A small, fast HTTP/1.1 server layer: incremental request parser, response builders, connection protocol.

Only what an OpenAI-compatible endpoint needs: request bodies with ``Content-Length`` (no chunked request
bodies), keep-alive and pipelining (requests on one connection are answered in order), chunked responses
for SSE. The application object passed to :class:`Connection` implements ``handle(request, conn)``,
which either answers synchronously (returns None) or returns a coroutine that the connection runs as a
task (one at a time per connection; the task is cancelled when the peer disconnects).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import socket
import time
from collections.abc import Coroutine
from typing import Any, Protocol

log = logging.getLogger("swapbench.sim")
MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024

STATUS_TEXT = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
LAST_CHUNK = b"0\r\n\r\n"


class HTTPError(Exception):
    """A malformed request: answered with ``status`` and the connection is closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Request:
    __slots__ = ("method", "path", "query", "headers", "body", "keep_alive", "t_received")

    def __init__(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes, http10: bool = False
    ) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        conn = headers.get("connection", "").lower()
        self.keep_alive = "keep-alive" in conn if http10 else "close" not in conn
        self.t_received = time.perf_counter()


class Parser:
    """Incremental HTTP/1.1 request parser: ``feed(bytes) -> list[Request]``; raises :class:`HTTPError`."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._head: tuple[str, str, str, dict[str, str], bool] | None = None
        self._need = 0
        self.expect_continue = False  # set when a client waits for "100 Continue" before sending the body

    def feed(self, data: bytes) -> list[Request]:
        buf = self._buf
        buf += data
        out: list[Request] = []
        while True:
            if self._head is None:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(buf) > MAX_HEAD:
                        raise HTTPError(431, "request header section too large")
                    return out
                self._head = self._parse_head(bytes(buf[:end]))
                del buf[: end + 4]
                if self._need > len(buf) and self._head[3].get("expect", "").lower() == "100-continue":
                    self.expect_continue = True
            if len(buf) < self._need:
                return out
            method, path, query, headers, http10 = self._head
            body = bytes(buf[: self._need])
            del buf[: self._need]
            self._head = None
            self._need = 0
            out.append(Request(method, path, query, headers, body, http10))

    def _parse_head(self, head: bytes) -> tuple[str, str, str, dict[str, str], bool]:
        lines = head.decode("latin-1").split("\r\n")
        while lines and not lines[0]:  # tolerate stray CRLF between pipelined requests
            lines.pop(0)
        parts = lines[0].split(" ") if lines else []
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise HTTPError(400, "malformed request line")
        method, target, version = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise HTTPError(400, f"malformed header line {line[:60]!r}")
            headers[name.lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            raise HTTPError(411, "chunked request bodies are not supported; send Content-Length")
        try:
            need = int(headers.get("content-length", "0"))
        except ValueError:
            raise HTTPError(400, "bad Content-Length") from None
        if need < 0:
            raise HTTPError(400, "bad Content-Length")
        if need > MAX_BODY:
            raise HTTPError(413, f"request body larger than {MAX_BODY} bytes")
        self._need = need
        path, _, query = target.partition("?")
        return method.upper(), path, query, headers, version == "HTTP/1.0"


def response(
    status: int,
    body: bytes,
    content_type: str = "application/json",
    headers: bytes = b"",
    close: bool = False,
) -> bytes:
    """A complete response with ``Content-Length``; ``headers`` are pre-rendered ``name: value\\r\\n`` lines."""
    return b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %d\r\n%s%s\r\n%s" % (
        status,
        STATUS_TEXT.get(status, "Unknown").encode(),
        content_type.encode(),
        len(body),
        headers,
        b"connection: close\r\n" if close else b"",
        body,
    )


def stream_head(headers: bytes = b"") -> bytes:
    """Status line and headers of a chunked ``text/event-stream`` response."""
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ncache-control: no-cache\r\n"
        b"transfer-encoding: chunked\r\n%s\r\n" % headers
    )


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def render_headers(pairs: list[tuple[str, str]]) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in pairs).encode("latin-1")


class App(Protocol):
    def handle(self, req: Request, conn: Connection) -> Coroutine[Any, Any, None] | asyncio.Future | None: ...

    def bad_request(self, err: HTTPError) -> bytes: ...


class Connection(asyncio.Protocol):
    """One client connection: parses requests and runs them one after the other."""

    __slots__ = ("app", "transport", "parser", "pending", "task", "closed", "loop", "registry")

    def __init__(self, app: App, registry: set | None = None) -> None:
        self.app = app
        self.registry = registry
        self.transport: asyncio.Transport | None = None
        self.parser = Parser()
        self.pending: collections.deque[Request] = collections.deque()
        self.task: asyncio.Task | None = None
        self.closed = False
        self.loop = asyncio.get_running_loop()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if self.registry is not None:
            self.registry.add(self)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass

    def data_received(self, data: bytes) -> None:
        try:
            self.pending.extend(self.parser.feed(data))
            if self.parser.expect_continue:
                self.parser.expect_continue = False
                self.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        except HTTPError as err:
            self.pending.clear()
            if self.task is None:
                self.write(self.app.bad_request(err))
                self.close()
            else:  # answer after the running request, then close
                self.task.add_done_callback(
                    lambda _t, e=err: (self.write(self.app.bad_request(e)), self.close())
                )
            return
        if self.task is None:
            self._next()

    def _next(self) -> None:
        while self.pending and self.task is None and not self.closed:
            req = self.pending.popleft()
            result = self.app.handle(req, self)
            if result is None:
                if not req.keep_alive:
                    self.close()
            else:
                self.task = result if isinstance(result, asyncio.Future) else self.loop.create_task(result)
                self.task.add_done_callback(lambda t, r=req: self._done(t, r))

    def _done(self, task: asyncio.Task, req: Request) -> None:
        self.task = None
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("request %s %s failed: %r", req.method, req.path, exc, exc_info=exc)
            self.close()  # the handler failed mid-response: nothing sane can follow on this connection
        elif not req.keep_alive:
            self.close()
        else:
            self._next()

    def write(self, data: bytes) -> None:
        if not self.closed:
            self.transport.write(data)  # type: ignore[union-attr]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.transport.close()  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.registry is not None:
            self.registry.discard(self)
        self.pending.clear()
        if self.task is not None:
            self.task.cancel()
