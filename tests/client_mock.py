"""A tiny scripted OpenAI-compatible SSE server for the client tests (raw asyncio, 127.0.0.1).

Exact, scripted sequences (a 429 with retry-after-ms, then a 503, then ok) and capture of what reached the
server (headers, query, connection ids): things a probabilistic simulator cannot pin down.

Run: ``python tests/client_mock.py`` prints ``PORT`` on its first line. Control:
- ``POST /_mock/script`` with a JSON list of behaviours: served in order, one per chat request; when the
  list is empty the ``default`` behaviour is used (``POST /_mock/default``).
- ``GET /_mock/log``: one entry per chat request: ``{conn, path, query, headers, t_recv, t_first, t_chunks, body}``.
- ``POST /_mock/reset``: clear log and script.

Behaviour keys (all optional): ``status`` (200), ``headers`` ({}), ``ttft_ms`` (0), ``itl_ms`` (0),
``tokens`` (8), ``reasoning`` (0 reasoning chunks first), ``reasoning_field`` ("reasoning_content"),
``tool_call`` (false: stream one tool call in 3 pieces), ``drop_after`` (close after N token chunks),
``error_after`` (send an error event after N chunks), ``stall_after`` + ``stall_ms``, ``no_done``,
``usage`` (true), ``head_delay_ms`` (delay before the response head), ``crlf`` (CRLF line ends),
``comments`` (send ``: keep-alive`` comments), ``close`` (Connection: close), ``silent_close`` (close
after the response without saying so). ``python tests/client_mock.py CERT KEY`` serves HTTPS.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import parse_qsl, urlsplit

STATE = {"script": [], "default": {}, "log": [], "conns": 0}


def _chunk(obj: dict, crlf: bool) -> bytes:
    nl = "\r\n" if crlf else "\n"
    data = ("data: " + json.dumps(obj) + nl + nl).encode()
    return b"%x\r\n%s\r\n" % (len(data), data)


def _raw(text: str) -> bytes:
    data = text.encode()
    return b"%x\r\n%s\r\n" % (len(data), data)


def _delta(d: dict, fr=None) -> dict:
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": d, "finish_reason": fr}],
    }


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    STATE["conns"] += 1
    conn_id = STATE["conns"]
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            t_recv = time.time()
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            hdrs = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    hdrs[k.strip().lower()] = v.strip()
            n = int(hdrs.get("content-length", "0"))
            body = await reader.readexactly(n) if n else b""
            u = urlsplit(target)
            if u.path.startswith("/_mock/"):
                out = b"{}"
                if u.path == "/_mock/script":
                    STATE["script"] = json.loads(body)
                elif u.path == "/_mock/default":
                    STATE["default"] = json.loads(body)
                elif u.path == "/_mock/log":
                    out = json.dumps(STATE["log"]).encode()
                elif u.path == "/_mock/reset":
                    STATE["script"], STATE["log"] = [], []
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(out), out)
                )
                await writer.drain()
                continue
            beh = STATE["script"].pop(0) if STATE["script"] else dict(STATE["default"])
            entry = {
                "conn": conn_id,
                "path": u.path,
                "query": dict(parse_qsl(u.query)),
                "headers": hdrs,
                "t_recv": t_recv,
                "t_first": None,
                "t_chunks": [],
                "body": json.loads(body or b"{}"),
            }
            STATE["log"].append(entry)
            keep = await respond(writer, beh, entry)
            if not keep:
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def respond(writer: asyncio.StreamWriter, b: dict, entry: dict) -> bool:
    if b.get("head_delay_ms"):
        await asyncio.sleep(b["head_delay_ms"] / 1000)
    status = int(b.get("status", 200))
    extra = "".join(f"{k}: {v}\r\n" for k, v in (b.get("headers") or {}).items())
    close = bool(b.get("close"))
    conn_hdr = "Connection: close\r\n" if close else ""
    if status != 200:
        err = json.dumps({"error": {"message": f"mock status {status}", "type": "mock", "code": str(status)}})
        data = err.encode()
        writer.write(
            (
                f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{extra}{conn_hdr}"
                f"Content-Length: {len(data)}\r\n\r\n"
            ).encode()
            + data
        )
        await writer.drain()
        return not close
    writer.write(
        (
            f"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n{extra}{conn_hdr}"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    crlf = bool(b.get("crlf"))
    writer.write(_chunk(_delta({"role": "assistant", "content": ""}), crlf))
    if b.get("comments"):
        writer.write(_raw(": keep-alive\n\n"))
    await writer.drain()
    if b.get("ttft_ms"):
        await asyncio.sleep(b["ttft_ms"] / 1000)
    itl = b.get("itl_ms", 0) / 1000
    first = True
    rfield = b.get("reasoning_field", "reasoning_content")
    for i in range(int(b.get("reasoning", 0))):
        if not first and itl:
            await asyncio.sleep(itl)
        writer.write(_chunk(_delta({rfield: f"think{i} "}), crlf))
        await writer.drain()
        entry["t_chunks"].append(time.time())
        if first:
            entry["t_first"] = entry["t_chunks"][0]
        first = False
    ntok = int(b.get("tokens", 8))
    for i in range(ntok):
        if not first and itl:
            await asyncio.sleep(itl)
        if b.get("drop_after") is not None and i == b["drop_after"]:
            writer.transport.abort()
            return False
        if b.get("error_after") is not None and i == b["error_after"]:
            writer.write(
                _chunk({"error": {"message": "mock overloaded", "type": "server_error", "code": "x"}}, crlf)
            )
            writer.write(b"0\r\n\r\n")
            await writer.drain()
            return not close
        if b.get("stall_after") is not None and i == b["stall_after"]:
            await asyncio.sleep(b.get("stall_ms", 1000) / 1000)
        writer.write(_chunk(_delta({"content": f"tok{i} "}), crlf))
        if b.get("comments"):
            writer.write(_raw(": ping\r\n\r\n"))
        await writer.drain()
        entry["t_chunks"].append(time.time())
        if first:
            entry["t_first"] = entry["t_chunks"][0]
        first = False
    if b.get("tool_call"):
        pieces = [
            {"index": 0, "id": "call_1", "type": "function", "function": {"name": "search", "arguments": ""}},
            {"index": 0, "function": {"arguments": '{"q": '}},
            {"index": 0, "function": {"arguments": '"x"}'}},
        ]
        for p in pieces:
            writer.write(_chunk(_delta({"tool_calls": [p]}), crlf))
            await writer.drain()
            entry["t_chunks"].append(time.time())
            if first:
                entry["t_first"] = entry["t_chunks"][0]
            first = False
    writer.write(_chunk(_delta({}, "tool_calls" if b.get("tool_call") else "stop"), crlf))
    if b.get("usage", True):
        usage = {
            "prompt_tokens": 11,
            "completion_tokens": ntok + int(b.get("reasoning", 0)),
            "total_tokens": 11 + ntok,
            "prompt_tokens_details": {"cached_tokens": 3},
            "completion_tokens_details": {"reasoning_tokens": int(b.get("reasoning", 0))},
        }
        writer.write(_chunk({"id": "c1", "choices": [], "usage": usage}, crlf))
    if not b.get("no_done"):
        writer.write(_raw("data: [DONE]\n\n"))
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    # silent_close: close after the response although it said keep-alive (an idle-timeout server)
    return not close and not b.get("silent_close")


async def main() -> None:
    ssl_ctx = None
    if len(sys.argv) > 2:  # CERTFILE KEYFILE: serve HTTPS
        import ssl

        ssl_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ssl_ctx)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
