"""The simulator through the real openai SDK: streaming, usage, tool calls, JSON, errors, endpoints."""

from __future__ import annotations

import json

import httpx
import jsonschema
import openai
import pytest
from test_sim_fixtures import CODE, all_models, records, write_scenario

from profiler.sim import tokens
from profiler.sim.app import cached_prompt_tokens
from profiler.sim.server import start_subprocess

REC = records()


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("simapi")
    with start_subprocess(write_scenario(tmp, all_models()), truth_path=tmp / "truth.jsonl") as s:
        yield s


@pytest.fixture(scope="module")
def client(sim):
    return openai.OpenAI(base_url=sim.url, api_key="x", max_retries=0)


def ask(client, model, rec, **kw):
    extra = {k: rec[k] for k in ("tools", "tool_choice") if k in rec}
    return client.chat.completions.create(model=model, messages=rec["messages"], **extra, **kw)


def collect(stream):
    text, calls, usage, chunks = [], {}, None, []
    for ch in stream:
        chunks.append(ch)
        if ch.usage:
            usage = ch.usage
        for c in ch.choices:
            if c.delta.content:
                text.append(c.delta.content)
            for tc in c.delta.tool_calls or []:
                slot = calls.setdefault(tc.index, {"id": None, "name": None, "args": []})
                if tc.id:
                    slot["id"] = tc.id
                if tc.function and tc.function.name:
                    slot["name"] = tc.function.name
                if tc.function and tc.function.arguments:
                    slot["args"].append(tc.function.arguments)
    return "".join(text), calls, usage, chunks


def test_stream_and_plain_return_the_gold_answer(client):
    rec = REC["qa"][3]
    plain = ask(client, "base", rec)
    assert plain.choices[0].message.content == rec["gold"]
    assert plain.choices[0].finish_reason == "stop"
    text, _, usage, chunks = collect(
        ask(client, "base", rec, stream=True, stream_options={"include_usage": True})
    )
    assert text == rec["gold"]
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert usage.completion_tokens == plain.usage.completion_tokens == tokens.count(rec["gold"])
    assert usage.prompt_tokens == tokens.count_messages(rec["messages"])


def test_raw_sse_framing(sim):
    rec = REC["labels"][0]
    body = {
        "model": "base",
        "messages": rec["messages"],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with httpx.stream("POST", f"{sim.url}/chat/completions", json=body) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["transfer-encoding"] == "chunked"
        raw = r.read().decode()
    events = [e for e in raw.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    first = json.loads(events[0][6:])
    assert first["object"] == "chat.completion.chunk"
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    usage_chunk = json.loads(events[-2][6:])
    assert usage_chunk["choices"] == [] and usage_chunk["usage"]["total_tokens"] > 0
    without = {k: v for k, v in body.items() if k != "stream_options"}
    raw2 = httpx.post(f"{sim.url}/chat/completions", json=without).text
    assert '"usage"' not in raw2 and raw2.endswith("data: [DONE]\n\n")


def test_cached_tokens_follow_the_real_api_rules():
    # OpenAI caches only prompts of 1,024+ tokens, in 128-token blocks
    assert cached_prompt_tokens(1000, 0.9) == 0
    assert cached_prompt_tokens(3217, 0.3) == 896  # int(965.1) // 128 * 128
    assert cached_prompt_tokens(4096, 1.0) == 4096
    assert cached_prompt_tokens(4096, 0.0) == 0


def test_reasoning_counts_against_max_tokens(client):
    rec = REC["qa"][5]
    out = ask(client, "reason", rec, max_tokens=4)
    u = out.usage
    assert u.completion_tokens <= 4
    assert out.choices[0].finish_reason == "length"


def test_reasoning_and_cached_tokens_in_usage(client):
    rec = REC["qa"][5]
    visible = tokens.count(rec["gold"])
    out = ask(client, "reason", rec)
    u = out.usage
    assert u.completion_tokens_details.reasoning_tokens > 5
    assert u.completion_tokens == visible + u.completion_tokens_details.reasoning_tokens
    assert u.prompt_tokens_details.cached_tokens == cached_prompt_tokens(u.prompt_tokens, 0.5)
    _, _, su, _ = collect(ask(client, "reason", rec, stream=True, stream_options={"include_usage": True}))
    assert su.completion_tokens_details.reasoning_tokens > 5
    assert su.prompt_tokens_details.cached_tokens == u.prompt_tokens_details.cached_tokens


def test_tool_calls_streamed_like_openai(client):
    rec = REC["agent"][2]
    _, calls, usage, chunks = collect(
        ask(client, "base", rec, stream=True, stream_options={"include_usage": True})
    )
    assert list(calls) == [0]
    call = calls[0]
    assert call["id"].startswith("call_") and call["name"] == "search_orders"
    assert len(call["args"]) > 3  # arguments arrive in pieces
    assert json.loads("".join(call["args"])) == rec["gold_tool_calls"][0]["arguments"]
    first_tc = next(ch for ch in chunks if ch.choices and ch.choices[0].delta.tool_calls)
    assert (
        first_tc.choices[0].delta.tool_calls[0].id and first_tc.choices[0].delta.tool_calls[0].function.name
    )
    assert chunks[-2].choices[0].finish_reason == "tool_calls"
    plain = ask(client, "base", rec)
    tc = plain.choices[0].message.tool_calls[0]
    assert plain.choices[0].finish_reason == "tool_calls" and plain.choices[0].message.content is None
    assert json.loads(tc.function.arguments) == rec["gold_tool_calls"][0]["arguments"]
    no_tools = client.chat.completions.create(
        model="base", messages=rec["messages"], tools=rec["tools"], tool_choice="none"
    )
    assert no_tools.choices[0].message.tool_calls is None and no_tools.choices[0].message.content


@pytest.mark.parametrize("model", ["base", "verbose"])
def test_json_answers_parse_and_keep_their_value(client, model):
    for rec in REC["extraction"][:10]:
        out = ask(client, model, rec, response_format={"type": "json_object"})
        assert json.loads(out.choices[0].message.content) == rec["gold"]


def test_json_schema_for_unknown_prompt_gives_a_valid_instance(client):
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "population": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["city", "population", "tags"],
        "additionalProperties": False,
    }
    rf = {"type": "json_schema", "json_schema": {"name": "city", "schema": schema, "strict": True}}
    out = client.chat.completions.create(
        model="base", messages=[{"role": "user", "content": "Not in any dataset."}], response_format=rf
    )
    jsonschema.validate(json.loads(out.choices[0].message.content), schema)
    plain = client.chat.completions.create(
        model="base", messages=[{"role": "user", "content": "Also unknown."}], max_tokens=20
    )
    assert 0 < plain.usage.completion_tokens <= 20


def test_verbosity_inflates_tokens_but_not_correctness(client):
    sums = {"base": 0, "verbose": 0}
    for task in ("qa", "ts_codegen", "extraction", "agent"):
        for rec in REC[task][:8]:
            kw = {"response_format": {"type": "json_object"}} if task == "extraction" else {}
            for model in sums:
                out = ask(client, model, rec, **kw)
                sums[model] += out.usage.completion_tokens
                msg = out.choices[0].message
                if task == "qa":
                    assert msg.content.startswith(rec["gold"])
                elif task == "ts_codegen":  # only comment lines were added
                    kept = [ln for ln in msg.content.split("\n") if not ln.strip().startswith("//")]
                    assert "\n".join(kept) == rec["gold"]
                elif task == "extraction":
                    assert json.loads(msg.content) == rec["gold"]
                else:
                    assert (
                        json.loads(msg.tool_calls[0].function.arguments)
                        == rec["gold_tool_calls"][0]["arguments"]
                    )
    ratio = sums["verbose"] / sums["base"]
    assert 1.15 <= ratio <= 1.25, ratio


def test_max_tokens_truncates_with_length(client):
    rec = REC["ts_codegen"][0]
    out = ask(client, "base", rec, max_tokens=10)
    assert out.choices[0].finish_reason == "length" and out.usage.completion_tokens == 10
    assert CODE.startswith(out.choices[0].message.content.replace("total0", "total"))


def test_error_bodies_and_status_codes(sim, client):
    r = httpx.post(
        f"{sim.url}/chat/completions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"} and err["type"] == "invalid_request_error"
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="base", messages=[])
    assert e.value.param == "messages"
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "hi"}])
    assert e.value.code == "model_not_found"
    assert httpx.get(f"{sim.url}/nothing").status_code == 404
    assert httpx.get(f"{sim.url}/chat/completions").status_code == 405


def test_models_health_and_stats(sim, client):
    ids = [m.id for m in client.models.list()]
    assert {"base", "verbose", "judge", "tiny"} <= set(ids)
    assert client.models.retrieve("base").id == "base"
    h = httpx.get(f"{sim.base}/health")
    assert h.status_code == 200 and h.json()["status"] == "ok"
    stats = httpx.get(f"{sim.base}/sim/stats").json()
    assert stats["models"]["base"]["requests"] > 0 and stats["models"]["base"]["in_flight"] == 0


def test_prompt_id_header_selects_the_record(client):
    rec = REC["qa"][1]
    out = client.chat.completions.create(
        model="base", messages=[{"role": "user", "content": "paraphrased"}],
        extra_headers={"x-swapbench-prompt-id": "labels/lb-0004"},
    )  # fmt: skip
    assert out.choices[0].message.content == REC["labels"][4]["gold"]
    assert ask(client, "base", rec).choices[0].message.content == rec["gold"]  # by message_key


def test_keep_alive_and_pipelining(sim):
    import socket

    body = json.dumps({"model": "base", "messages": REC["labels"][1]["messages"]}).encode()
    req = b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    with socket.create_connection(("127.0.0.1", sim.port)) as s:
        s.sendall(req * 3)
        data = b""
        s.settimeout(5)
        while data.count(b"HTTP/1.1 200 OK") < 3 or not data.endswith(b"}"):
            data += s.recv(65536)
    assert data.count(b'"finish_reason":"stop"') == 3


def test_responses_api_plain_and_streamed(client):
    rec = REC["qa"][0]
    out = client.responses.create(model="reason", input=rec["messages"])
    assert out.output_text == rec["gold"]
    assert out.usage.output_tokens_details.reasoning_tokens > 5
    assert (
        out.usage.output_tokens
        == tokens.count(rec["gold"]) + out.usage.output_tokens_details.reasoning_tokens
    )
    assert out.usage.input_tokens_details.cached_tokens == cached_prompt_tokens(out.usage.input_tokens, 0.5)
    events = list(client.responses.create(model="base", input=rec["messages"], stream=True))
    types = [e.type for e in events]
    assert types[:2] == ["response.created", "response.in_progress"] and types[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == rec["gold"]
    with client.responses.stream(model="base", input=rec["messages"]) as st:
        for _ in st:
            pass
        assert st.get_final_response().output_text == rec["gold"]


def test_responses_api_function_calls_and_json(client):
    rec = REC["agent"][1]
    tools = [{"type": "function", **t["function"]} for t in rec["tools"]]
    with client.responses.stream(model="base", input=rec["messages"], tools=tools) as st:
        deltas = [e.delta for e in st if e.type == "response.function_call_arguments.delta"]
        final = st.get_final_response()
    call = final.output[0]
    assert call.type == "function_call" and call.name == "search_orders" and len(deltas) > 3
    assert json.loads(call.arguments) == rec["gold_tool_calls"][0]["arguments"]
    ex = REC["extraction"][1]
    out = client.responses.create(
        model="verbose", input=ex["messages"], text={"format": {"type": "json_object"}}
    )
    assert json.loads(out.output_text) == ex["gold"]
    out = client.responses.create(model="base", input=REC["qa"][2]["messages"], max_output_tokens=16)
    assert out.status == "incomplete" and out.usage.output_tokens == 16


def test_include_reasoning_streams_reasoning_content_first(client):
    rec = REC["qa"][6]
    reasoning, content, usage, first_kinds = [], [], None, []
    for ch in client.chat.completions.create(
        model="reason", messages=rec["messages"], stream=True, stream_options={"include_usage": True},
        extra_body={"include_reasoning": True},
    ):  # fmt: skip
        usage = ch.usage or usage
        for c in ch.choices:
            rc = (c.delta.model_extra or {}).get("reasoning_content")
            if rc:
                reasoning.append(rc)
                first_kinds.append("r")
            if c.delta.content:
                content.append(c.delta.content)
                first_kinds.append("c")
    assert "".join(content) == rec["gold"]
    assert first_kinds[0] == "r" and first_kinds.index("c") == len(
        reasoning
    )  # all reasoning, then the answer
    assert tokens.count("".join(reasoning)) == usage.completion_tokens_details.reasoning_tokens > 5
    plain = ask(client, "reason", rec, extra_body={"include_reasoning": True})
    assert plain.choices[0].message.model_extra["reasoning_content"]
