"""The one SSE parser, plus the interpreter of OpenAI chat-completion chunks.

``SSEParser.feed(bytes) -> list[Event]`` is incremental and follows the WHATWG event-stream rules: lines end
with CR, LF or CRLF (also when split across ``feed`` calls), ``:`` starts a comment, a blank line dispatches
the event, several ``data:`` lines are joined with ``\\n``, one leading space after the colon is stripped,
``event:``/``id:``/``retry:`` are kept, a leading UTF-8 BOM is dropped. It is on the hot path of the load
generator, so it works on bytes and allocates little: one ``split`` per ``feed`` and one ``Event`` per
dispatched event.

``ChatStream`` turns the ``data`` of each event into the pieces the client measures: content and reasoning
deltas (``reasoning_content`` or ``reasoning``), tool-call deltas accumulated by index, ``finish_reason``,
``usage``, ``{"error": ...}`` events and ``[DONE]``. ``choices: null`` is tolerated.
"""

from __future__ import annotations

try:  # orjson is ~3x faster on chunk-sized JSON; the stdlib parser gives identical results
    from orjson import JSONDecodeError as _JSONError
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - depends on the environment
    from json import JSONDecodeError as _JSONError
    from json import loads as _loads

__all__ = [
    "ANSWER",
    "DELTA",
    "DONE",
    "ERROR",
    "ChatStream",
    "Event",
    "SSEParser",
    "parse_events",
]


class Event:
    """One dispatched server-sent event. ``data`` is the joined data lines (str)."""

    __slots__ = ("event", "data", "id", "retry")

    def __init__(self, data: str, event: str = "message", id: str = "", retry: int | None = None) -> None:
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry

    def __repr__(self) -> str:
        return f"Event(event={self.event!r}, data={self.data!r}, id={self.id!r}, retry={self.retry!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Event):
            return NotImplemented
        return (self.event, self.data, self.id, self.retry) == (
            other.event,
            other.data,
            other.id,
            other.retry,
        )


_BOM = b"\xef\xbb\xbf"


class SSEParser:
    """Incremental WHATWG event-stream parser: ``feed(bytes) -> list[Event]``.

    ``last_event_id`` and ``retry`` (the last valid ``retry:`` value, ms) persist across events as the
    spec says; ``Event.id`` is the last event id at dispatch time.
    """

    __slots__ = ("_buf", "_cr", "_data", "_event", "_start", "last_event_id", "retry")

    def __init__(self) -> None:
        self._buf = b""  # incomplete last line
        self._cr = False  # the previous feed ended with CR: a leading LF of the next one belongs to it
        self._data: list[bytes] = []
        self._event = b""
        self._start = True  # BOM check pending
        self.last_event_id = ""
        self.retry: int | None = None

    def feed(self, chunk: bytes) -> list[Event]:
        if self._cr:
            self._cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        buf = self._buf + chunk if self._buf else chunk
        if self._start:
            if len(buf) < 3 and _BOM.startswith(buf):
                self._buf = buf
                return []
            self._start = False
            if buf[:3] == _BOM:
                buf = buf[3:]
        if b"\r" in buf:
            if buf[-1:] == b"\r":
                self._cr = True
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buf.split(b"\n")
        self._buf = lines.pop()
        out: list[Event] = []
        data = self._data
        for line in lines:
            if line[:5] == b"data:":  # the hot case
                data.append(line[6:] if line[5:6] == b" " else line[5:])
            elif not line:
                if data:
                    out.append(
                        Event(
                            (data[0] if len(data) == 1 else b"\n".join(data)).decode("utf-8", "replace"),
                            self._event.decode("utf-8", "replace") if self._event else "message",
                            self.last_event_id,
                            self.retry,
                        )
                    )
                    data.clear()
                self._event = b""
            elif line[:1] == b":":
                continue  # comment
            else:
                self._field(line)
        return out

    def _field(self, line: bytes) -> None:
        i = line.find(b":")
        if i < 0:
            name, value = line, b""
        else:
            name, value = line[:i], line[i + 1 :]
            if value[:1] == b" ":
                value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value
        elif name == b"id":
            if b"\0" not in value:
                self.last_event_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value and value.isdigit():
            self.retry = int(value)
        # other fields are ignored

    def close(self) -> list[Event]:
        """End of stream: an incomplete event (no blank line) is discarded, per spec."""
        self._buf = b""
        self._data.clear()
        self._event = b""
        return []


def parse_events(payload: bytes) -> list[Event]:
    """Parse a whole byte string (tests, small bodies)."""
    return SSEParser().feed(payload)


# ChatStream.feed() flags
DELTA = 1  # a non-empty content / reasoning / tool-call (or refusal) delta: counts for TTFT, ITL, chunks
ANSWER = 2  # ... and it is answer content (content, refusal or tool call), not reasoning: counts for TTFA
ERROR = 4  # an {"error": ...} event (or an `event: error`)
DONE = 8  # data: [DONE]


class ChatStream:
    """Accumulates one streamed chat completion from the ``data`` of its events.

    ``keep_text=False`` keeps only lengths (for ``capture: off`` and token estimates).
    """

    __slots__ = (
        "keep_text",
        "content",
        "reasoning",
        "refusal",
        "content_chars",
        "reasoning_chars",
        "tool_calls",
        "finish_reason",
        "usage",
        "error",
        "done",
        "bad_json",
    )

    def __init__(self, keep_text: bool = True) -> None:
        self.keep_text = keep_text
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.refusal: list[str] = []
        self.content_chars = 0
        self.reasoning_chars = 0
        self.tool_calls: dict[int, list] = {}  # index -> [id, name, [argument pieces]]
        self.finish_reason: str | None = None
        self.usage: dict | None = None
        self.error: str | None = None
        self.done = False
        self.bad_json = 0

    def feed(self, data: str, event: str = "message") -> int:
        """Interpret one event's data; returns a bit set of DELTA / ANSWER / ERROR / DONE."""
        if data[:6] == "[DONE]":
            self.done = True
            return DONE
        try:
            obj = _loads(data)
        except (_JSONError, ValueError):
            if event == "error":
                self.error = data[:300] or "error event"
                return ERROR
            self.bad_json += 1
            return 0
        if not isinstance(obj, dict):
            self.bad_json += 1
            return 0
        err = obj.get("error")
        if err is not None or event == "error":
            self.error = _error_message(err if err is not None else obj)
            return ERROR
        usage = obj.get("usage")
        if usage:
            self.usage = usage
        choices = obj.get("choices")
        if not choices:
            return 0
        flags = 0
        ch = choices[0]
        delta = ch.get("delta")
        if delta:
            text = delta.get("content")
            if text:
                flags = DELTA | ANSWER
                self.content_chars += len(text)
                if self.keep_text:
                    self.content.append(text)
            text = delta.get("reasoning_content") or delta.get("reasoning")
            if text and isinstance(text, str):
                flags |= DELTA
                self.reasoning_chars += len(text)
                if self.keep_text:
                    self.reasoning.append(text)
            text = delta.get("refusal")
            if text:
                flags = DELTA | ANSWER
                self.refusal.append(text)
            tcs = delta.get("tool_calls")
            if tcs and self._tool_calls(tcs):
                flags = DELTA | ANSWER
        fr = ch.get("finish_reason")
        if fr:
            self.finish_reason = fr
        return flags

    def _tool_calls(self, tcs: list) -> bool:
        nonempty = False
        acc = self.tool_calls
        for tc in tcs:
            if not isinstance(tc, dict):
                continue
            idx = tc.get("index", len(acc))
            slot = acc.get(idx)
            if slot is None:
                slot = acc[idx] = [None, None, []]
            if tc.get("id"):
                slot[0] = tc["id"]
                nonempty = True
            fn = tc.get("function")
            if fn:
                if fn.get("name"):
                    slot[1] = (
                        (slot[1] or "") + fn["name"] if slot[1] and fn["name"] != slot[1] else fn["name"]
                    )
                    nonempty = True
                args = fn.get("arguments")
                if args:
                    slot[2].append(args)
                    nonempty = True
        return nonempty

    # results -------------------------------------------------------------------------------------------
    def text(self) -> str:
        if self.content:
            return "".join(self.content)
        return "".join(self.refusal)

    def reasoning_text(self) -> str | None:
        return "".join(self.reasoning) if self.reasoning else None

    def tool_call_list(self) -> list[dict] | None:
        if not self.tool_calls:
            return None
        return [
            {"id": slot[0], "name": slot[1], "arguments": "".join(slot[2])}
            for _, slot in sorted(self.tool_calls.items())
        ]

    def tool_chars(self) -> int:
        return sum(len(slot[1] or "") + sum(len(a) for a in slot[2]) for slot in self.tool_calls.values())


def _error_message(err: object) -> str:
    if isinstance(err, dict):
        msg = err.get("message") or err.get("error") or err
        code = err.get("code") or err.get("type")
        text = f"{code}: {msg}" if code else str(msg)
    else:
        text = str(err)
    return " ".join(text.split())[:300] or "error event"
