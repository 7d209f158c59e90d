"""The Responses API (``POST /v1/responses``) on top of the chat-completions machinery.

A Responses request is translated into the equivalent chat body (``instructions`` -> system message,
``input`` items -> messages, function tools and ``text.format`` -> ``tools`` / ``response_format``,
``max_output_tokens`` -> ``max_tokens``), so record lookup, answers, latency, faults and the judge are
the same. Only the rendering differs: named SSE events with ``sequence_number`` and no ``[DONE]``
(``response.created``, ``response.in_progress``, ``response.output_item.added``,
``response.content_part.added``, ``response.output_text.delta``..., ``response.output_text.done``,
``response.content_part.done``, ``response.output_item.done``, ``response.completed`` or
``response.incomplete`` with ``usage``); function calls stream as ``response.function_call_arguments.delta``.
An injected error event is ``event: error`` with ``{"type": "error", "code", "message", "param"}``.
"""

from __future__ import annotations

import json
from typing import Any


def _text(content: Any) -> Any:
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict) and "text" in p]
        return "".join(parts)
    return content


def to_chat_body(body: Any) -> tuple[dict | None, tuple[str, str] | None]:
    """(chat body, None) or (None, (param, message))."""
    if not isinstance(body, dict):
        return None, ("", "The request body must be a JSON object.")
    messages: list[dict] = []
    if isinstance(body.get("instructions"), str):
        messages.append({"role": "system", "content": body["instructions"]})
    inp = body.get("input")
    if isinstance(inp, str):
        messages.append({"role": "user", "content": inp})
    elif isinstance(inp, list):
        for i, item in enumerate(inp):
            if not isinstance(item, dict):
                return None, (f"input[{i}]", f"Invalid value for 'input[{i}]': expected an object.")
            kind = item.get("type", "message")
            if kind == "message" or "role" in item:
                messages.append({"role": item.get("role", "user"), "content": _text(item.get("content"))})
            elif kind == "function_call":
                call = {"id": item.get("call_id"), "type": "function",
                        "function": {"name": item.get("name"), "arguments": item.get("arguments", "")}}  # fmt: skip
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
            elif kind == "function_call_output":
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": item.get("call_id"),
                        "content": _text(item.get("output")),
                    }
                )
    else:
        return None, ("input", "Missing required parameter: 'input'.")
    chat: dict[str, Any] = {
        "model": body.get("model"),
        "messages": messages,
        "stream": bool(body.get("stream")),
    }
    if body.get("max_output_tokens") is not None:
        chat["max_tokens"] = body["max_output_tokens"]
    tools = [
        {"type": "function", "function": {k: v for k, v in t.items() if k != "type"}}
        for t in body.get("tools") or []
        if isinstance(t, dict) and t.get("type") == "function"
    ]
    if tools:
        chat["tools"] = tools
    tc = body.get("tool_choice")
    if isinstance(tc, dict) and tc.get("type") == "function":
        chat["tool_choice"] = {"type": "function", "function": {"name": tc.get("name")}}
    elif tc is not None:
        chat["tool_choice"] = tc
    fmt = (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        chat["response_format"] = {"type": "json_schema", "json_schema": {"name": fmt.get("name", "response"),
                                   "schema": fmt.get("schema", {}), "strict": fmt.get("strict", False)}}  # fmt: skip
    elif isinstance(fmt, dict) and fmt.get("type") == "json_object":
        chat["response_format"] = {"type": "json_object"}
    return chat, None


class Renderer:
    """Renders one job's events; keeps the sequence number."""

    def __init__(self, job: Any) -> None:
        self.job = job
        self.seq = 0
        self.rid = "resp_" + job.cid.split("-", 1)[1]
        self.msg_id = "msg_" + job.cid.split("-", 1)[1]

    def event(self, kind: str, payload: dict) -> bytes:
        payload = {"type": kind, "sequence_number": self.seq, **payload}
        self.seq += 1
        data = b"event: %s\ndata: %s\n\n" % (
            kind.encode(),
            json.dumps(payload, separators=(",", ":")).encode(),
        )
        return b"%x\r\n%s\r\n" % (len(data), data)

    def response(self, status: str, output: list, usage: dict | None) -> dict:
        job = self.job
        return {
            "id": self.rid, "object": "response", "created_at": job.created, "status": status,
            "model": job.model_name, "output": output, "usage": usage, "error": None,
            "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
            "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "text": {"format": {"type": "text"}},
        }  # fmt: skip

    def usage(self) -> dict:
        j = self.job
        return {
            "input_tokens": j.prompt_tokens, "input_tokens_details": {"cached_tokens": j.cached_tokens},
            "output_tokens": j.completion_tokens, "output_tokens_details": {"reasoning_tokens": j.reasoning_tokens},
            "total_tokens": j.prompt_tokens + j.completion_tokens,
        }  # fmt: skip

    def _fc_item(self, i: int, c: dict, args: str, status: str) -> dict:
        return {"type": "function_call", "id": f"fc_{c['id'][5:]}", "call_id": c["id"], "name": c["name"],
                "arguments": args, "status": status}  # fmt: skip

    def _msg_item(self, text: str, status: str) -> dict:
        content = [{"type": "output_text", "text": text, "annotations": []}] if status == "completed" else []
        return {
            "type": "message",
            "id": self.msg_id,
            "status": status,
            "role": "assistant",
            "content": content,
        }

    def output(self) -> list:
        job = self.job
        if job.answer.tool_calls:
            return [
                self._fc_item(i, c, c["arguments"], "completed") for i, c in enumerate(job.answer.tool_calls)
            ]
        return [self._msg_item("".join(job.text_pieces), "completed")]

    def head(self) -> bytes:
        resp = self.response("in_progress", [], None)
        out = self.event("response.created", {"response": resp}) + self.event(
            "response.in_progress", {"response": resp}
        )
        if not self.job.answer.tool_calls:
            out += self.event(
                "response.output_item.added", {"output_index": 0, "item": self._msg_item("", "in_progress")}
            )
            part = {"type": "output_text", "text": "", "annotations": []}
            out += self.event(
                "response.content_part.added",
                {"item_id": self.msg_id, "output_index": 0, "content_index": 0, "part": part},
            )
        return out

    def pieces(self, text_pieces: list[str] | None, per: int) -> list[tuple[int, bytes]]:
        from profiler.sim import tokens

        job = self.job
        out: list[tuple[int, bytes]] = []
        if job.answer.tool_calls:
            prev = b""
            for i, c in enumerate(job.answer.tool_calls):
                item = self._fc_item(i, c, "", "in_progress")
                first = prev + self.event("response.output_item.added", {"output_index": i, "item": item})
                out.append((tokens.count(c["name"]) + 3, first))
                parts = tokens.split(c["arguments"])
                for j in range(0, len(parts), per):
                    delta = {"item_id": item["id"], "output_index": i, "delta": "".join(parts[j : j + per])}
                    out.append(
                        (len(parts[j : j + per]), self.event("response.function_call_arguments.delta", delta))
                    )
                prev = self.event(
                    "response.function_call_arguments.done",
                    {"item_id": item["id"], "output_index": i, "arguments": c["arguments"]},
                )
                prev += self.event(
                    "response.output_item.done",
                    {"output_index": i, "item": self._fc_item(i, c, c["arguments"], "completed")},
                )
            self.fc_tail = prev
            return out
        assert text_pieces is not None
        for j in range(0, len(text_pieces), per):
            delta = {
                "item_id": self.msg_id,
                "output_index": 0,
                "content_index": 0,
                "delta": "".join(text_pieces[j : j + per]),
            }
            out.append((min(per, len(text_pieces) - j), self.event("response.output_text.delta", delta)))
        return out

    def tail(self) -> bytes:
        job = self.job
        status = "incomplete" if job.finish == "length" else "completed"
        if job.answer.tool_calls:
            out = self.fc_tail
        else:
            text = "".join(job.text_pieces)
            part = {"type": "output_text", "text": text, "annotations": []}
            ids = {"item_id": self.msg_id, "output_index": 0, "content_index": 0}
            out = self.event("response.output_text.done", {**ids, "text": text})
            out += self.event("response.content_part.done", {**ids, "part": part})
            out += self.event(
                "response.output_item.done", {"output_index": 0, "item": self._msg_item(text, "completed")}
            )
        resp = self.response(status, self.output(), self.usage())
        return out + self.event(f"response.{status}", {"response": resp}) + b"0\r\n\r\n"

    def error(self, message: str) -> bytes:
        return self.event("error", {"code": "server_error", "message": message, "param": None}) + b"0\r\n\r\n"

    def plain(self) -> dict:
        status = "incomplete" if self.job.finish == "length" else "completed"
        return self.response(status, self.output(), self.usage())
