"""Both transports against a scripted SSE server (tests/client_mock.py): retries/backoff, pool exhaustion,
connection reuse, timeouts, drops, error events, reasoning, tool calls, auth header and query.

Every gevent run happens in a monkey-patched subprocess (tests/client_harness.py); this pytest process is
never patched. Timing assertions compare against what the server did (its log, its script), with bounds
that leave room for a loaded 2-core machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parent
TRANSPORTS = ["fast", "sdk"]


class Mock:
    def __init__(self, tls: tuple[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "client_mock.py"), *(tls or ())],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.port = int(self.proc.stdout.readline())
        self.scheme = "https" if tls else "http"
        self.base_url = f"{self.scheme}://127.0.0.1:{self.port}/v1"
        self._ctx = None
        if tls:
            import ssl

            self._ctx = ssl.create_default_context(cafile=tls[0])

    def _open(self, req):
        return urllib.request.urlopen(req, timeout=10, context=self._ctx)

    def _post(self, path: str, obj: object) -> object:
        req = urllib.request.Request(
            f"{self.scheme}://127.0.0.1:{self.port}{path}", data=json.dumps(obj).encode(), method="POST"
        )
        with self._open(req) as r:
            return json.loads(r.read())

    def reset(self, script: list | None = None, default: dict | None = None) -> None:
        self._post("/_mock/reset", {})
        self._post("/_mock/default", default or {})
        self._post("/_mock/script", script or [])

    def log(self) -> list[dict]:
        with self._open(f"{self.scheme}://127.0.0.1:{self.port}/_mock/log") as r:
            return json.loads(r.read())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def mock():
    m = Mock()
    yield m
    m.stop()


def harness(
    transport: str,
    base_url: str,
    runs: list[dict],
    cfg: dict | None = None,
    ep: dict | None = None,
    extra: dict | None = None,
):
    spec = {"transport": transport, "base_url": base_url, "cfg": cfg or {}, "ep": ep or {}, "runs": runs}
    spec.update(extra or {})
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run(
        [sys.executable, str(HERE / "client_harness.py"), json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


NO_JITTER = {"max_retries": 2, "backoff": {"initial_s": 0.05, "multiplier": 2.0, "max_s": 1.0, "jitter": 0.0}}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_retry_sequence_attempts_outcomes_and_backoff(mock, transport):
    mock.reset(
        [
            # request 1: 429 (retry-after-ms 120) -> 503 (no header: 0.05*2**1 = 0.1 s) -> ok
            {"status": 429, "headers": {"retry-after-ms": "120"}},
            {"status": 503},
            {},
            # request 2: three 429 -> retries exhausted (waits 0.05 and 0.1 s: retry-after-ms 0 is ignored)
            {"status": 429, "headers": {"retry-after-ms": "0"}},
            {"status": 429},
            {"status": 429},
            # request 3: 400 is not retried
            {"status": 400},
            # request 4: the server says do not retry
            {"status": 503, "headers": {"x-should-retry": "false"}},
            # request 5: retry-after above max_retry_after_s -> no retry
            {"status": 429, "headers": {"retry-after": "500"}},
            # request 6: x-should-retry true on a 400
            {"status": 400, "headers": {"x-should-retry": "true"}},
            {},
        ]
    )
    res = harness(transport, mock.base_url, [{"n": 6}], cfg=NO_JITTER)
    r = res["runs"][0]
    assert [x["attempt_outcomes"] for x in r] == [
        ["http_429", "http_5xx", "ok"],
        ["http_429", "http_429", "http_429"],
        ["http_4xx"],
        ["http_5xx"],
        ["http_429"],
        ["http_4xx", "ok"],
    ]
    assert [x["outcome"] for x in r] == ["ok", "http_429", "http_4xx", "http_5xx", "http_429", "ok"]
    assert [x["attempts"] for x in r] == [3, 3, 1, 1, 1, 2]
    assert [x["retries"] for x in r] == [2, 2, 0, 0, 0, 1]
    assert [x["http_status"] for x in r] == [200, 429, 400, 503, 429, 200]
    assert r[0]["retry_after_ms"] == [120, None]
    # backoff: what the policy says, measured between attempts (jitter 0), small overhead allowed
    for row, expect_ms in [(r[0], 220), (r[1], 150), (r[5], 50)]:
        assert expect_ms * 1000 <= row["backoff_us"] <= expect_ms * 1000 + 40_000, (
            row["backoff_us"],
            expect_ms,
        )
    # the server saw the attempts separated by the same waits
    log = mock.log()
    gaps = [(log[i + 1]["t_recv"] - log[i]["t_recv"]) * 1000 for i in range(2)]
    assert 120 <= gaps[0] <= 170 and 100 <= gaps[1] <= 150, gaps
    assert r[0]["ttft_us"] > r[0]["backoff_us"] and r[0]["ttft_attempt_us"] < r[0]["ttft_us"] - 200_000
    assert r[2]["error"].startswith("HTTP 400") and r[2]["ttft_us"] is None and r[2]["e2e_us"] > 0
    assert r[2]["prompt_tokens"] == 0 and r[2]["completion_tokens"] == 0 and not r[2]["tokens_estimated"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_connection_reuse_and_stream_fields(mock, transport):
    mock.reset(default={"tokens": 8})
    res = harness(transport, mock.base_url, [{"n": 5}])
    rows = res["runs"][0]
    assert res["opened"] == 1
    assert [x["new_connection"] for x in rows] == [True, False, False, False, False]
    assert rows[0]["connect_us"] is not None and all(x["connect_us"] is None for x in rows[1:])
    log = mock.log()
    assert len({e["conn"] for e in log}) == 1 and len(log) == 5
    h = log[0]["headers"]
    assert h["accept-encoding"] == "identity" and h["authorization"].startswith("Bearer ")
    for x in rows:
        assert x["outcome"] == "ok" and x["chunks"] == 8 and len(x["itl_us"]) == 7
        assert x["response"] == "".join(f"tok{i} " for i in range(8))
        assert (x["prompt_tokens"], x["completion_tokens"], x["cached_tokens"]) == (11, 8, 3)
        assert x["finish_reason"] == "stop" and x["ttfa_us"] == x["ttft_us"]
        assert 0 <= x["schedule_lag_us"] <= x["ttfb_us"] <= x["ttft_us"] <= x["e2e_us"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_single_attempt_ttft_attempt_is_ttft_minus_schedule_lag(mock, transport):
    """DESIGN: t_start is when the client begins the first attempt, so with one attempt ttft_attempt =
    ttft - schedule_lag on both transports (the SDK's own request building is part of the attempt)."""
    mock.reset(default={"tokens": 4})
    res = harness(transport, mock.base_url, [{"n": 6}])
    for x in res["runs"][0]:
        assert x["outcome"] == "ok" and x["attempts"] == 1
        gap = x["ttft_us"] - x["schedule_lag_us"] - x["ttft_attempt_us"]
        assert 0 <= gap <= 200, gap


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_ttft_and_itl_against_server_timestamps(mock, transport):
    mock.reset(default={"ttft_ms": 80, "itl_ms": 25, "tokens": 6})
    res = harness(transport, mock.base_url, [{"n": 4}])
    log = mock.log()
    diffs = []
    itl_diffs = []
    for row, entry in zip(res["runs"][0], log, strict=True):
        # the client saw the first token when the server wrote it (same host clock)
        diffs.append(abs(row["t_wall"] + row["ttft_us"] / 1e6 - entry["t_first"]))
        assert 80_000 <= row["ttft_us"] - (entry["t_recv"] - row["t_wall"]) * 1e6 <= 150_000
        server_gaps = [(b - a) * 1e6 for a, b in zip(entry["t_chunks"], entry["t_chunks"][1:], strict=False)]
        assert len(row["itl_us"]) == len(server_gaps) == 5
        itl_diffs += [abs(c - g) for c, g in zip(row["itl_us"], server_gaps, strict=True)]
    diffs.sort()
    itl_diffs.sort()
    assert diffs[len(diffs) // 2] < 0.002 and diffs[-1] < 0.05, (
        diffs
    )  # typically ~0.2 ms (max: a loaded CI box)
    assert itl_diffs[len(itl_diffs) // 2] < 1000 and itl_diffs[-1] < 30_000, itl_diffs  # typically < 0.1 ms


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pool_exhaustion_and_queueing(mock, transport):
    mock.reset(default={"ttft_ms": 500, "tokens": 2})
    cfg = {"max_connections": 2, "pool_timeout_s": 0.2, "max_retries": 0}
    res = harness(transport, mock.base_url, [{"n": 6, "concurrency": 6}], cfg=cfg)
    rows = res["runs"][0]
    outs = sorted(x["outcome"] for x in rows)
    assert outs == ["ok", "ok"] + ["pool_timeout"] * 4, outs
    for x in rows:
        if x["outcome"] == "pool_timeout":
            assert 190_000 <= x["pool_wait_us"] <= 260_000, x
            assert x["ttfb_us"] is None and x["attempt_outcomes"] == ["pool_timeout"]
    # a large pool timeout: nobody fails, the pool wait shows the queueing (0, 0, .5, .5, 1, 1 s)
    mock.reset(default={"ttft_ms": 500, "tokens": 2})
    cfg = {"max_connections": 2, "pool_timeout_s": 10, "max_retries": 0}
    res = harness(transport, mock.base_url, [{"n": 6, "concurrency": 6}], cfg=cfg)
    rows = res["runs"][0]
    assert all(x["outcome"] == "ok" for x in rows)
    waits = sorted(x["pool_wait_us"] / 1e6 for x in rows)
    for got, want in zip(waits, [0, 0, 0.5, 0.5, 1.0, 1.0], strict=True):
        assert want <= got + 0.005 and got <= want + 0.1, waits
    assert res["opened"] == 2
    for x in rows:  # TTFT includes the pool wait
        assert x["ttft_us"] >= x["pool_wait_us"] + 500_000


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_timeouts_drops_error_events(mock, transport):
    mock.reset(
        [
            {"stall_after": 2, "stall_ms": 1500},  # read timeout mid-stream (0.3 s)
            {"head_delay_ms": 1500},  # read timeout before headers (retries disabled in this run)
            {"drop_after": 3},  # connection cut mid-stream
            {"error_after": 2},  # data: {"error": ...}
            {"no_done": True},  # body ends without [DONE]
            {"crlf": True, "comments": True, "usage": False},  # still ok; tokens estimated
            {"itl_ms": 200, "tokens": 8},  # total timeout 1 s (each gap below the read timeout)
        ]
    )
    cfg = {"read_timeout_s": 0.3, "max_retries": 0, "total_timeout_s": 1.0}
    res = harness(transport, mock.base_url, [{"n": 7}], cfg=cfg)
    stall, headstall, drop, err, nodone, crlf, total = res["runs"][0]
    assert stall["outcome"] == "read_timeout" and stall["chunks"] == 2
    assert 290_000 <= stall["e2e_us"] - stall["ttft_us"] <= 400_000
    assert headstall["outcome"] == "read_timeout" and headstall["ttfb_us"] is None
    assert drop["outcome"] == "stream_dropped" and drop["chunks"] == 3
    assert drop["tokens_estimated"] and drop["completion_tokens"] >= 3
    assert err["outcome"] == "stream_error_event" and "mock overloaded" in err["error"] and err["chunks"] == 2
    assert nodone["outcome"] == "no_done" and nodone["chunks"] == 8
    assert crlf["outcome"] == "ok" and crlf["chunks"] == 8 and crlf["tokens_estimated"]
    assert crlf["completion_tokens"] >= 8 and crlf["prompt_tokens"] > 0  # ~4 chars per token
    assert total["outcome"] == "total_timeout" and 990_000 <= total["e2e_us"] <= 1_150_000
    for x in (stall, headstall, drop, err, nodone, total):
        assert x["attempt_outcomes"] == [x["outcome"]] and x["error"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_total_timeout_covers_backoff_and_timeouts_are_retried(mock, transport):
    mock.reset(
        [
            {"status": 429, "headers": {"retry-after-ms": "3000"}},  # backoff beyond the total deadline
            {"head_delay_ms": 600},  # read timeout before headers: retried like the SDK does
            {},
        ]
    )
    cfg = {"total_timeout_s": 0.5, "max_retries": 2}
    res = harness(transport, mock.base_url, [{"n": 1}], cfg=cfg)
    (x,) = res["runs"][0]
    assert x["outcome"] == "total_timeout" and x["attempt_outcomes"] == ["http_429"]
    assert 490_000 <= x["e2e_us"] <= 650_000
    cfg = {"read_timeout_s": 0.2, "max_retries": 2, **{"backoff": {"initial_s": 0.01, "jitter": 0.0}}}
    res = harness(transport, mock.base_url, [{"n": 1}], cfg=cfg)
    (x,) = res["runs"][0]
    assert x["attempt_outcomes"] == ["read_timeout", "ok"] and x["outcome"] == "ok"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_backoff_cut_short_by_the_total_timeout_is_backoff(mock, transport):
    """A request that sleeps for its retry until the total deadline backed off: that sleep is its
    backoff_us (and in the ``backoff`` histogram), so e2e = attempts + backoff, nothing unaccounted."""
    mock.reset(
        [
            {"status": 429, "headers": {"retry-after-ms": "3000"}},  # answered at once, then 0.5 s of waiting
            {"head_delay_ms": 600},  # read timeout after 0.2 s, then a 2 s backoff cut at 0.5 s
        ]
    )
    cfg = {"total_timeout_s": 0.5, "read_timeout_s": 0.2, "max_retries": 2,
           "backoff": {"initial_s": 2.0, "jitter": 0.0}}  # fmt: skip
    res = harness(transport, mock.base_url, [{"n": 2}], cfg=cfg)
    r429, rto = res["runs"][0]
    for x, first, attempt_us in ((r429, "http_429", 0), (rto, "read_timeout", 200_000)):
        assert x["outcome"] == "total_timeout" and x["attempt_outcomes"] == [first], x
        assert x["attempts"] == 1 and x["retries"] == 0
        assert 490_000 <= x["e2e_us"] <= 650_000, x["e2e_us"]
        # the attempt itself takes a little (the SDK builds its client on the first call): 380 ms, not 450
        assert 380_000 - attempt_us <= x["backoff_us"] <= 520_000 - attempt_us, (first, x["backoff_us"])
        assert x["e2e_us"] - x["backoff_us"] - x["schedule_lag_us"] <= attempt_us + 100_000


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_ttft_vs_ttfa_and_tool_calls(mock, transport, field):
    mock.reset([{"reasoning": 3, "reasoning_field": field, "itl_ms": 40, "tokens": 2, "tool_call": True}])
    res = harness(transport, mock.base_url, [{"n": 1}])
    (x,) = res["runs"][0]
    assert x["outcome"] == "ok" and x["chunks"] == 3 + 2 + 3
    assert 115_000 <= x["ttfa_us"] - x["ttft_us"] <= 160_000  # three reasoning chunks, 40 ms apart
    assert x["reasoning"] == "think0 think1 think2 "
    assert x["response"] == "tok0 tok1 "
    assert x["tool_calls"] == [{"id": "call_1", "name": "search", "arguments": '{"q": "x"}'}]
    assert x["finish_reason"] == "tool_calls" and x["reasoning_tokens"] == 3


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_azure_style_auth_header_query_and_capture(mock, transport):
    mock.reset(default={"tool_call": True, "tokens": 3})
    ep = {
        "api_key": "azure-key-123",
        "api_key_header": "api-key",
        "headers": {"x-team": "search"},
        "query": {"api-version": "2024-10-21"},
    }
    runs = [
        {"n": 1, "capture": "hash", "headers": {"x-swapbench-rid": "w0-1", "x-swapbench-prompt-id": "t/1"}},
        {"n": 1, "capture": "off"},
    ]
    base = f"http://127.0.0.1:{mock.port}/openai/deployments/gpt-4o"
    res = harness(transport, base, runs, ep=ep)
    log = mock.log()
    for e in log:
        assert e["path"] == "/openai/deployments/gpt-4o/chat/completions"
        assert e["query"] == {"api-version": "2024-10-21"}
        assert e["headers"]["api-key"] == "azure-key-123"
        assert "authorization" not in e["headers"]
        assert e["headers"]["x-team"] == "search"
        assert e["body"]["stream"] is True and e["body"]["model"] == "mock"
    assert log[0]["headers"]["x-swapbench-rid"] == "w0-1"
    assert log[0]["headers"]["x-swapbench-prompt-id"] == "t/1"
    hashed, off = res["runs"][0][0], res["runs"][1][0]
    text = "tok0 tok1 tok2 "
    assert hashed["response"] == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert hashed["tool_calls"] == [{"id": "call_1", "name": "search", "arguments": '{"q": "x"}'}]
    assert hashed["reasoning"] is None
    assert off["response"] is None and off["tool_calls"] is None and off["outcome"] == "ok"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_connect_refused_is_an_outcome(transport):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    cfg = {"max_retries": 1, "backoff": {"initial_s": 0.01, "jitter": 0.0}}
    res = harness(transport, f"http://127.0.0.1:{port}/v1", [{"n": 1}], cfg=cfg)
    (x,) = res["runs"][0]
    assert x["outcome"] == "client_error" and x["attempts"] == 2 and "connect" in x["error"].lower()
    assert x["attempt_outcomes"] == ["client_error", "client_error"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_server_closing_an_idle_keepalive_connection_is_not_a_failure(mock, transport):
    mock.reset([{"silent_close": True}, {}, {"silent_close": True}, {}])
    res = harness(transport, mock.base_url, [{"n": 4}])
    rows = res["runs"][0]
    assert [x["outcome"] for x in rows] == ["ok"] * 4 and [x["attempts"] for x in rows] == [1] * 4
    assert [x["new_connection"] for x in rows] == [True, True, False, True]
    assert res["opened"] == 3


@pytest.fixture(scope="module")
def tls_mock(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    m = Mock(tls=(cert, key))
    yield m, cert
    m.stop()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_https_reuse_and_verification(tls_mock, transport):
    mock, cert = tls_mock
    mock.reset(default={"tokens": 4})
    # verify off: a self-signed server is accepted, the TLS connection is reused
    res = harness(transport, mock.base_url, [{"n": 3}], ep={"verify_tls": False})
    rows = res["runs"][0]
    assert [x["outcome"] for x in rows] == ["ok"] * 3 and res["opened"] == 1
    assert rows[0]["connect_us"] > 0 and rows[1]["connect_us"] is None
    # verify on: the self-signed certificate is refused (not retried forever: max_retries 0)
    res = harness(transport, mock.base_url, [{"n": 1}], ep={"verify_tls": True}, cfg={"max_retries": 0})
    (x,) = res["runs"][0]
    assert x["outcome"] == "client_error" and "certificate" in x["error"].lower(), x["error"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_killed_requests_leave_the_pool_usable(mock, transport):
    """Locust kills users mid-request (GreenletExit): in streams, in pool waits, in connects."""
    mock.reset(default={"ttft_ms": 1000, "tokens": 2})
    cfg = {"max_connections": 2, "pool_timeout_s": 5, "max_retries": 0}
    runs = [{"n": 6, "concurrency": 6, "kill_after_ms": 300}, {"n": 4, "concurrency": 2}]
    res = harness(transport, mock.base_url, runs, cfg=cfg)
    assert all(x is None for x in res["runs"][0])  # all killed
    assert [x["outcome"] for x in res["runs"][1]] == ["ok"] * 4
    for x in res["runs"][1]:
        assert x["pool_wait_us"] < 1_500_000  # no leaked slot: nobody waits for the full pool timeout
    if transport == "fast":
        pool = res["pool"]
        assert pool["waiters"] == 0 and pool["total"] == pool["idle"] <= 2, pool


def test_endpoint_from_a_real_scenario_reaches_the_server(mock, tmp_path, monkeypatch):
    """scenario endpoint -> make_transport: key from the env var, Azure-style header, ${VAR} headers, query."""
    import yaml

    (tmp_path / "d.jsonl").write_text(
        json.dumps({"id": "a", "messages": [{"role": "user", "content": "hi"}]}) + "\n"
    )
    doc = {
        "name": "ep",
        "baseline": "azure",
        "models": {
            "azure": {
                "model": "gpt-4o-deploy",
                "endpoint": {
                    "base_url": f"http://127.0.0.1:{mock.port}/openai/deployments/gpt-4o",
                    "api_key_env": "SWAPBENCH_TEST_KEY",
                    "api_key_header": "api-key",
                    "headers": {"x-team": "${SWAPBENCH_TEST_TEAM}"},
                    "query": {"api-version": "2024-10-21"},
                },
                "price": {"input_per_1m": 1, "output_per_1m": 1},
                "params": {"seed": 5},
            }
        },
        "client": {"max_retries": 0},
        "prompt_mix": {"tasks": {"t": {"weight": 1, "dataset": "d.jsonl", "max_tokens": 50}}},
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc))
    monkeypatch.setenv("SWAPBENCH_TEST_KEY", "k-from-env")
    monkeypatch.setenv("SWAPBENCH_TEST_TEAM", "search")
    for transport in TRANSPORTS:
        mock.reset(default={"tokens": 2})
        res = harness(
            transport, None, [{"n": 1, "task": "t"}], extra={"scenario": str(path), "model": "azure"}
        )
        assert res["runs"][0][0]["outcome"] == "ok"
        (e,) = mock.log()
        assert e["path"] == "/openai/deployments/gpt-4o/chat/completions" and e["query"] == {
            "api-version": "2024-10-21"
        }
        assert e["headers"]["api-key"] == "k-from-env" and "authorization" not in e["headers"]
        assert e["headers"]["x-team"] == "search"
        assert (
            e["body"]["model"] == "gpt-4o-deploy" and e["body"]["seed"] == 5 and e["body"]["max_tokens"] == 50
        )
        assert e["body"]["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_bad_input_is_a_client_error_outcome_not_an_exception(mock, transport):
    mock.reset()
    runs = [{"n": 1, "headers": {"x-bad": "snow\u2603man"}}, {"n": 1}]
    res = harness(transport, mock.base_url, runs, cfg={"max_retries": 0})
    bad, good = res["runs"][0][0], res["runs"][1][0]
    assert bad["outcome"] == "client_error" and bad["error"] and bad["attempt_outcomes"] == ["client_error"]
    assert good["outcome"] == "ok"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_connect_timeout_is_an_outcome_and_is_retried(transport):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)  # never accepts: once the accept queue is full, SYNs are dropped
    port = listener.getsockname()[1]
    fill = []
    for _ in range(4):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fill.append(s)
    try:
        cfg = {"connect_timeout_s": 0.3, "max_retries": 1, "backoff": {"initial_s": 0.01, "jitter": 0.0}}
        res = harness(transport, f"http://127.0.0.1:{port}/v1", [{"n": 1}], cfg=cfg)
    finally:
        for s in fill:
            s.close()
        listener.close()
    (x,) = res["runs"][0]
    assert x["outcome"] == "connect_timeout" and x["attempt_outcomes"] == ["connect_timeout"] * 2, x
    assert 600_000 <= x["e2e_us"] <= 900_000 and x["new_connection"] and x["ttfb_us"] is None
