"""The one SSE parser and the chat-chunk interpreter (pure, no network)."""

from __future__ import annotations

import json

import pytest

from profiler.sse import ANSWER, DELTA, DONE, ERROR, ChatStream, Event, SSEParser, parse_events


def feed_split(payload: bytes, cuts: list[int]) -> list[Event]:
    p = SSEParser()
    out: list[Event] = []
    prev = 0
    for c in [*cuts, len(payload)]:
        out += p.feed(payload[prev:c])
        prev = c
    return out


STREAM = (
    b"\xef\xbb\xbf: comment at start\r\n"
    b"event: update\r\n"
    b"id: 7\r\n"
    b"retry: 1500\r\n"
    b"data: line one\r\n"
    b"data:line two\r\n"
    b"data:  two spaces\r\n"
    b"\r\n"
    b'data: {"x": 1}\r'
    b"\r"
    b": keep-alive\n"
    b"data: caf\xc3\xa9\n"
    b"\n"
    b"data\n"
    b"\n"
    b"event: ignored-without-data\n"
    b"\n"
    b"data: [DONE]\n\n"
    b"data: incomplete at the end"
)

EXPECTED = [
    Event("line one\nline two\n two spaces", "update", "7", 1500),
    Event('{"x": 1}', "message", "7", 1500),
    Event("caf\u00e9", "message", "7", 1500),
    Event("", "message", "7", 1500),  # a bare "data" field is an empty data line: dispatched
    Event("[DONE]", "message", "7", 1500),
]


def test_whole_stream_follows_whatwg_rules():
    assert parse_events(STREAM) == EXPECTED


def test_every_single_split_point_gives_the_same_events():
    for i in range(len(STREAM) + 1):
        assert feed_split(STREAM, [i]) == EXPECTED, f"split at byte {i}"


def test_byte_by_byte_and_pairs_of_splits():
    assert feed_split(STREAM, list(range(1, len(STREAM)))) == EXPECTED
    for i in range(0, len(STREAM), 7):
        for j in range(i, len(STREAM), 11):
            assert feed_split(STREAM, [i, j]) == EXPECTED


@pytest.mark.parametrize("nl", [b"\n", b"\r\n", b"\r"])
def test_line_endings(nl):
    payload = nl.join([b"data: a", b"data: b", b"", b"data: c", b"", b""])
    assert [e.data for e in parse_events(payload)] == ["a\nb", "c"]
    for i in range(len(payload) + 1):
        assert [e.data for e in feed_split(payload, [i])] == ["a\nb", "c"]


def test_cr_at_chunk_end_followed_by_lf_is_one_line_end():
    p = SSEParser()
    assert p.feed(b"data: x\r") == []
    assert p.feed(b"\n\r") == [Event("x")]
    assert p.feed(b"\n") == []  # the CRLF pair from "\r" + "\n": one blank line, already dispatched
    assert p.feed(b"data: y\n\n") == [Event("y")]


def test_invalid_retry_and_nul_id_are_ignored():
    evs = parse_events(b"retry: 12a\nid: a\x00b\ndata: z\n\n")
    assert evs == [Event("z", "message", "", None)]


def test_field_without_colon_and_unknown_fields():
    assert parse_events(b"foo: bar\ndata\ndata\n\n") == [Event("\n")]


def chunk(delta=None, finish=None, usage=None, choices=True):
    obj = {"id": "c", "object": "chat.completion.chunk"}
    if choices is None:
        obj["choices"] = None
    elif choices:
        obj["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    else:
        obj["choices"] = []
    if usage is not None:
        obj["usage"] = usage
    return json.dumps(obj)


def test_chat_stream_content_reasoning_tools_usage():
    cs = ChatStream()
    assert cs.feed(chunk({"role": "assistant", "content": ""})) == 0
    assert cs.feed(chunk({"reasoning_content": "think "})) == DELTA
    assert cs.feed(chunk({"reasoning": "more"})) == DELTA
    assert cs.feed(chunk({"content": "Hel"})) == DELTA | ANSWER
    assert cs.feed(chunk({"content": "lo"})) == DELTA | ANSWER
    tc0 = {"index": 0, "id": "call_a", "type": "function", "function": {"name": "search", "arguments": ""}}
    tc1 = {"index": 1, "id": "call_b", "type": "function", "function": {"name": "lookup", "arguments": "{"}}
    assert cs.feed(chunk({"tool_calls": [tc0]})) == DELTA | ANSWER
    assert cs.feed(chunk({"tool_calls": [tc1]})) == DELTA | ANSWER
    assert (
        cs.feed(chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"q": "x"}'}}]}))
        == DELTA | ANSWER
    )
    assert cs.feed(chunk({"tool_calls": [{"index": 1, "function": {"arguments": "}"}}]})) == DELTA | ANSWER
    assert cs.feed(chunk({}, finish="tool_calls")) == 0
    usage = {"prompt_tokens": 5, "completion_tokens": 9, "completion_tokens_details": {"reasoning_tokens": 2}}
    assert cs.feed(chunk(usage=usage, choices=False)) == 0
    assert cs.feed(chunk(choices=None)) == 0  # vLLM-style choices: null
    assert cs.feed("[DONE]") == DONE
    assert cs.text() == "Hello"
    assert cs.reasoning_text() == "think more"
    assert cs.tool_call_list() == [
        {"id": "call_a", "name": "search", "arguments": '{"q": "x"}'},
        {"id": "call_b", "name": "lookup", "arguments": "{}"},
    ]
    assert cs.finish_reason == "tool_calls"
    assert cs.usage == usage
    assert cs.done


def test_chat_stream_error_event_and_bad_json():
    cs = ChatStream()
    assert cs.feed('{"error": {"message": "overloaded", "type": "server_error", "code": "503"}}') == ERROR
    assert "overloaded" in cs.error
    cs2 = ChatStream()
    assert cs2.feed("not json") == 0 and cs2.bad_json == 1
    assert cs2.feed("oops", event="error") == ERROR


def test_capture_off_keeps_lengths_only():
    cs = ChatStream(keep_text=False)
    cs.feed(chunk({"content": "abcd"}))
    cs.feed(chunk({"reasoning_content": "xy"}))
    assert cs.content == [] and cs.reasoning == []
    assert cs.content_chars == 4 and cs.reasoning_chars == 2
