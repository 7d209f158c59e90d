"""The chat-completions wire format: body validation, SSE chunks, the non-streamed response object.

:class:`ChatRenderer` renders one admitted request (a ``Job`` of ``app.py``); ``responses.Renderer`` has
the same interface for the Responses API: ``head()`` (sent at admission), ``pieces(text_pieces, per)`` (the
timed chunks as ``(tokens, bytes)``), ``tail()``, ``error(message)`` and ``plain()``. Hot paths build bytes
with templates instead of ``json.dumps``.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from profiler.sim import http, tokens

FINGERPRINT = b"fp_swapbench_sim"
DONE = http.chunk(b"data: [DONE]\n\n") + http.LAST_CHUNK


def error_body(message: str, type_: str, param: str | None = None, code: str | None = None) -> bytes:
    """OpenAI's error body ``{"error": {"message", "type", "param", "code"}}``."""
    return json.dumps({"error": {"message": message, "type": type_, "param": param, "code": code}}).encode()


def validate(body: Any) -> tuple[str | None, str] | None:
    """(param, message) of the first problem in a chat-completions body, or None."""
    if not isinstance(body, dict):
        return None, "The request body must be a JSON object."
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return "model", "You must provide a model parameter."
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return "messages", "'messages' must be a non-empty array of message objects."
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            return f"messages[{i}]", f"Invalid value for 'messages[{i}]': expected an object with a 'role'."
    for name in ("max_tokens", "max_completion_tokens"):
        v = body.get(name)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
            return name, f"Invalid '{name}': expected an integer >= 1, got {v!r}."
    if body.get("n") not in (None, 1):
        return "n", "The simulator supports only n=1."
    if "stream" in body and not isinstance(body["stream"], bool | None):
        return "stream", "Invalid type for 'stream': expected a boolean."
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        return "tools", "Invalid type for 'tools': expected an array."
    rf = body.get("response_format")
    if rf is not None and (
        not isinstance(rf, dict) or rf.get("type") not in ("text", "json_object", "json_schema")
    ):
        return "response_format", "Invalid 'response_format': expected type text, json_object or json_schema."
    return None


class ChatRenderer:
    __slots__ = ("job", "pre")

    def __init__(self, job: Any) -> None:
        self.job = job
        self.pre = (
            b'data: {"id":"%s","object":"chat.completion.chunk","created":%d,"model":"%s","system_fingerprint":"%s",'
            b'"choices":[{"index":0,"delta":' % (job.cid.encode(), job.created, job.st.name_json, FINGERPRINT)
        )

    def _suffix(self, finish: str | None = None) -> bytes:
        fr = b"null" if finish is None else b'"%s"' % finish.encode()
        return b',"logprobs":null,"finish_reason":%s}]%s}\n\n' % (
            fr,
            b',"usage":null' if self.job.include_usage else b"",
        )

    def head(self) -> bytes:
        content = b"null" if self.job.answer.tool_calls else b'""'
        return http.chunk(
            self.pre + b'{"role":"assistant","content":%s,"refusal":null}' % content + self._suffix()
        )

    def pieces(self, text_pieces: list[str] | None, per: int) -> list[tuple[int, bytes]]:
        """The timed chunks as (tokens, HTTP chunk bytes)."""
        pre, suf = self.pre, self._suffix()
        out: list[tuple[int, bytes]] = []
        enc = encode_basestring_ascii
        thought = self.job.reasoning_pieces or []
        for j in range(0, len(thought), per):
            data = b'%s{"reasoning_content":%s}%s' % (pre, enc("".join(thought[j : j + per])).encode(), suf)
            out.append((min(per, len(thought) - j), b"%x\r\n%s\r\n" % (len(data), data)))
        calls = self.job.answer.tool_calls
        if calls:
            for i, c in enumerate(calls):
                head = {
                    "index": i,
                    "id": c["id"],
                    "type": "function",
                    "function": {"name": c["name"], "arguments": ""},
                }
                out.append(
                    (
                        tokens.count(c["name"]) + 3,
                        http.chunk(pre + b'{"tool_calls":[%s]}' % json.dumps(head).encode() + suf),
                    )
                )
                parts = tokens.split(c["arguments"])
                for j in range(0, len(parts), per):
                    part = json.dumps({"index": i, "function": {"arguments": "".join(parts[j : j + per])}})
                    out.append(
                        (
                            len(parts[j : j + per]),
                            http.chunk(pre + b'{"tool_calls":[%s]}' % part.encode() + suf),
                        )
                    )
            return out
        assert text_pieces is not None
        for j in range(0, len(text_pieces), per):
            text = "".join(text_pieces[j : j + per]) if per > 1 else text_pieces[j]
            data = b'%s{"content":%s}%s' % (pre, enc(text).encode(), suf)
            out.append((min(per, len(text_pieces) - j), b"%x\r\n%s\r\n" % (len(data), data)))
        return out

    def tail(self) -> bytes:
        job = self.job
        out = http.chunk(self.pre + b"{}" + self._suffix(job.finish))
        if job.include_usage:
            usage = (
                b'data: {"id":"%s","object":"chat.completion.chunk","created":%d,"model":"%s","system_fingerprint":"%s",'
                b'"choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,'
                b'"prompt_tokens_details":{"cached_tokens":%d,"audio_tokens":0},"completion_tokens_details":'
                b'{"reasoning_tokens":%d,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}\n\n'
            ) % (
                job.cid.encode(), job.created, job.st.name_json, FINGERPRINT, job.prompt_tokens,
                job.completion_tokens, job.prompt_tokens + job.completion_tokens, job.cached_tokens, job.reasoning_tokens,
            )  # fmt: skip
            out += http.chunk(usage)
        return out + DONE

    def error(self, message: str) -> bytes:
        """A mid-stream ``data: {"error": ...}`` event; the body ends after it (no ``[DONE]``)."""
        return (
            http.chunk(b"data: %s\n\n" % error_body(message, "server_error", None, "internal_error"))
            + http.LAST_CHUNK
        )

    def usage(self) -> dict:
        j = self.job
        return {
            "prompt_tokens": j.prompt_tokens,
            "completion_tokens": j.completion_tokens,
            "total_tokens": j.prompt_tokens + j.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": j.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": j.reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def plain(self) -> dict:
        """The non-streamed ``chat.completion`` object."""
        job = self.job
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        if job.answer.tool_calls:
            message["tool_calls"] = [
                {
                    "id": c["id"],
                    "type": "function",
                    "function": {"name": c["name"], "arguments": c["arguments"]},
                }
                for c in job.answer.tool_calls
            ]
        else:
            message["content"] = "".join(job.text_pieces)
        if job.reasoning_pieces:
            message["reasoning_content"] = "".join(job.reasoning_pieces)
        return {
            "id": job.cid, "object": "chat.completion", "created": job.created, "model": job.model_name,
            "system_fingerprint": FINGERPRINT.decode(),
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": job.finish}],
            "usage": self.usage(),
        }  # fmt: skip
