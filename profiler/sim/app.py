"""The simulator's request handling: routing, the chat-completions endpoint, streaming, admin endpoints.

Per request (``POST /v1/chat/completions``), synchronously: parse and validate the body (400), find the
model (404), find the dataset record (header ``x-swapbench-prompt-id`` or ``message_key(messages)``) or
recognise a judge call, check the rate limits (429 + headers), draw the request's random generator, the
5xx fault, and enter the capacity queue (full: 429). Streams then get their headers and the role chunk at
once; a task waits for a slot, waits out the TTFT and writes the answer chunk by chunk at the decode pace
(writes due at the same instant are coalesced into one). Non-streamed requests get one JSON body at the
time the last token would have been streamed.

Determinism: each request's ``random.Random`` is seeded from (seed, model key, prompt id or content hash,
n) where n counts earlier requests of that model for the same prompt, so answers, token counts, sampled
latencies and faults replay identically given the same request sequence per (model, prompt), even under
concurrency. Not deterministic: queue waits, 429s from rate limits and a full queue, and the delivered
timings (they depend on arrival times), and the order of the n-th/m-th request when the same prompt is
sent to the same model concurrently.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from profiler.judge_format import SYSTEM_PREFIX, parse_messages
from profiler.sim import http, judge, responses, tokens
from profiler.sim.answers import Answer, AnswerBook, answer_class, generic_text, stable_int, wants_json
from profiler.sim.catalog import Catalog
from profiler.sim.chatwire import ChatRenderer, error_body, validate
from profiler.sim.profile import Capacity, ModelProfile, QueueFull
from profiler.sim.ratelimit import RateLimiter
from profiler.sim.truth import TruthWriter

KINDS = ("wrong", "malformed", "prose")


CACHE_MIN_PROMPT_TOKENS = 1024  # OpenAI caches prompts from 1,024 tokens on ...
CACHE_BLOCK_TOKENS = 128  # ... in blocks of 128 tokens


def cached_prompt_tokens(prompt_tokens: int, hit_rate: float) -> int:
    """Prompt tokens reported as cached: none below 1,024 tokens, else the hit share in 128-token blocks."""
    if prompt_tokens < CACHE_MIN_PROMPT_TOKENS or hit_rate <= 0:
        return 0
    return int(prompt_tokens * hit_rate) // CACHE_BLOCK_TOKENS * CACHE_BLOCK_TOKENS


class ModelState:
    def __init__(self, profile: ModelProfile) -> None:
        self.profile = profile
        self.name_json = encode_basestring_ascii(profile.name)[1:-1].encode()  # safe inside a JSON string
        self.capacity = Capacity(profile.slots, profile.queue)
        self.limiter = RateLimiter(profile.rpm, profile.tpm)
        self.seen: dict[str, int] = {}
        self.stall_until = 0.0
        self.stats: dict[str, int] = dict.fromkeys(
            ("requests", "streams", "ok", "in_flight", "http_4xx", "http_429", "http_5xx", "rate_limited",
             "queue_full", "disconnect", "error_event", "stall", "client_gone", "judge_calls",
             "prompt_tokens", "completion_tokens", "reasoning_tokens"),
            0,
        )  # fmt: skip

    def counter(self, key: str) -> int:
        n = self.seen.get(key, 0)
        self.seen[key] = n + 1
        return n


class Job:
    """One admitted chat request: everything decided up front, timings filled in as it runs."""

    __slots__ = (
        "st", "conn", "rid", "prompt_id", "stream", "include_usage", "cid", "created", "model_name",
        "answer", "pieces", "finish", "prompt_tokens", "cached_tokens", "reasoning_tokens",
        "completion_tokens", "ttft_s", "gaps", "fault", "fault_at", "stall_s", "t_received", "t_slot",
        "t_first", "t_done", "status", "attempts", "headers", "judge_info", "waiter", "renderer", "text_pieces",
        "reasoning_pieces", "t_answer",
    )  # fmt: skip


class SimApp:
    """The HTTP application (see :class:`profiler.sim.http.Connection`)."""

    def __init__(
        self, profiles: list[ModelProfile], catalog: Catalog, seed: int = 0, truth: TruthWriter | None = None
    ) -> None:
        self.models: dict[str, ModelState] = {}
        self.states: list[ModelState] = []
        for p in profiles:
            st = ModelState(p)
            self.states.append(st)
            self.models.setdefault(p.name, st)
            self.models.setdefault(p.key, st)
        self.catalog = catalog
        self.seed = seed
        self.truth = truth or TruthWriter(None)
        self.book = AnswerBook()
        self.stall_until = 0.0
        self.rids = itertools.count(1)
        self.attempts: dict[str, int] = {}
        self.perf0, self.epoch0 = time.perf_counter(), time.time()
        self.created = int(self.epoch0)

    def epoch(self, t: float | None) -> float | None:
        return None if t is None else round(self.epoch0 + (t - self.perf0), 6)

    # -- routing -------------------------------------------------------------------------------------------
    def bad_request(self, err: http.HTTPError) -> bytes:
        return http.response(err.status, error_body(err.message, "invalid_request_error"), close=True)

    def handle(self, req: http.Request, conn: http.Connection) -> Any:
        path = req.path[3:] if req.path.startswith("/v1/") else req.path
        if path == "/responses" and req.method == "POST":
            return self.chat(req, conn, api="responses")
        if path == "/chat/completions":
            if req.method != "POST":
                return self._send(
                    conn, 405, error_body("Use POST for /v1/chat/completions.", "invalid_request_error")
                )
            return self.chat(req, conn)
        if req.method == "GET":
            if path == "/health":
                return self._json(conn, {"status": "ok", "models": [s.profile.name for s in self.states]})
            if path == "/models":
                return self._json(conn, {"object": "list", "data": [self._model_obj(s) for s in self.states]})
            if path.startswith("/models/"):
                st = self.models.get(path[len("/models/") :])
                if st is None:
                    return self._model_404(conn, path[len("/models/") :])
                return self._json(conn, self._model_obj(st))
            if path == "/sim/stats":
                return self._json(conn, self.stats())
        if req.method == "POST" and path == "/sim/stall":
            return self._admin_stall(req, conn)
        return self._send(
            conn, 404, error_body(f"Unknown path {req.method} {req.path}.", "invalid_request_error")
        )

    def _send(self, conn: http.Connection, status: int, body: bytes, headers: bytes = b"") -> None:
        conn.write(http.response(status, body, headers=headers))

    def _json(self, conn: http.Connection, obj: Any) -> None:
        self._send(conn, 200, json.dumps(obj).encode())

    def _model_obj(self, st: ModelState) -> dict:
        return {
            "id": st.profile.name,
            "object": "model",
            "created": self.created,
            "owned_by": "swapbench-sim",
        }

    def _model_404(self, conn: http.Connection, name: str) -> None:
        msg = f"The model `{name}` does not exist or you do not have access to it."
        self._send(conn, 404, error_body(msg, "invalid_request_error", "model", "model_not_found"))

    def stats(self) -> dict:
        out = {}
        for st in self.states:
            s = dict(st.stats)
            s.update(active=st.capacity.active, queued=st.capacity.queued, slots=st.capacity.slots)
            out[st.profile.key] = s
        return {"models": out, "truth_rows": self.truth.written + len(self.truth.rows)}

    def _admin_stall(self, req: http.Request, conn: http.Connection) -> None:
        try:
            body = json.loads(req.body or b"{}")
            ms = float(body.get("ms", 0))
        except (ValueError, TypeError, AttributeError):
            return self._send(
                conn, 400, error_body('Expected {"ms": N, "model": optional}.', "invalid_request_error")
            )
        until = time.perf_counter() + ms / 1000.0
        if body.get("model") is not None:
            st = self.models.get(str(body["model"]))
            if st is None:
                return self._model_404(conn, str(body["model"]))
            st.stall_until = until
        else:
            self.stall_until = until
        return self._json(conn, {"stalled_ms": ms, "model": body.get("model")})

    # -- chat completions ----------------------------------------------------------------------------------
    def chat(self, req: http.Request, conn: http.Connection, api: str = "chat") -> Any:
        try:
            body = json.loads(req.body)
        except (ValueError, UnicodeDecodeError) as err:
            return self._send(
                conn,
                400,
                error_body(
                    f"We could not parse the JSON body of your request: {err}", "invalid_request_error"
                ),
            )
        if api == "responses":
            body, problem = responses.to_chat_body(body)
            if problem:
                return self._send(conn, 400, error_body(problem[1], "invalid_request_error", problem[0]))
        problem = validate(body)
        if problem:
            return self._send(conn, 400, error_body(problem[1], "invalid_request_error", problem[0]))
        st = self.models.get(body["model"])
        if st is None:
            return self._model_404(conn, body["model"])
        prof, stats = st.profile, st.stats
        stats["requests"] += 1
        messages = body["messages"]
        headers = req.headers
        rid = headers.get("x-swapbench-rid")
        if rid:
            attempts = self.attempts.get(rid, 0) + 1
            if len(self.attempts) > 1_000_000:
                self.attempts.clear()
            self.attempts[rid] = attempts
        else:
            rid = f"sim-{next(self.rids)}"
            try:
                attempts = int(headers.get("x-stainless-retry-count", "0")) + 1
            except ValueError:
                attempts = 1
        tools = body.get("tools") or None
        prompt_tokens = tokens.count_messages(messages, tools)
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        verdict = st.limiter.admit(prompt_tokens + (max_tokens or 0))
        rl_headers = verdict.headers
        if not verdict.ok:
            stats["http_429"] += 1
            stats["rate_limited"] += 1
            unit = "requests per min (RPM)" if verdict.kind == "requests" else "tokens per min (TPM)"
            msg = (
                f"Rate limit reached for {prof.name} in organization org-swapbench-sim on {unit}: "
                f"Limit {int(verdict.limit)}, Used {int(verdict.used)}, Requested {int(verdict.requested)}. "
                f"Please try again in {verdict.retry_after_s * 1000:.0f}ms."
            )
            self._truth_refusal(st, rid, headers, 429, "rate_limit", req.t_received, prompt_tokens, attempts)
            return self._send(
                conn,
                429,
                error_body(msg, verdict.kind, None, "rate_limit_exceeded"),
                http.render_headers(rl_headers),
            )

        # the request's generator and what it will get
        judged = None
        prompt = None
        first = messages[0] if isinstance(messages[0], dict) else {}
        if str(first.get("content", "")).startswith(SYSTEM_PREFIX):
            judged = parse_messages(messages)
        if judged is not None:
            key = "judge:" + str(stable_int(req.body))
        else:
            prompt_id = headers.get("x-swapbench-prompt-id")
            prompt = self.catalog.by_id.get(prompt_id) if prompt_id else None
            if prompt is None:
                prompt = self.catalog.find(None, messages)
            key = (
                prompt.prompt_id
                if prompt is not None
                else "msg:" + str(stable_int(json.dumps(messages, sort_keys=True)))
            )
        rng = random.Random(stable_int(self.seed, prof.key, key, st.counter(key)))
        f = prof.faults
        u_5xx, u_drop, u_err, u_stall = rng.random(), rng.random(), rng.random(), rng.random()
        if u_5xx < f.http_5xx:
            status = rng.choice((500, 502, 503))
            stats["http_5xx"] += 1
            self._truth_refusal(st, rid, headers, status, "http_5xx", req.t_received, prompt_tokens, attempts,
                                prompt.prompt_id if prompt is not None else None)  # fmt: skip
            msg = "The server had an error while processing your request. Sorry about that!"
            if status == 503:
                msg = "The server is overloaded or not ready yet."
            return self._send(conn, status, error_body(msg, "server_error"), http.render_headers(rl_headers))
        try:
            waiter = st.capacity.try_acquire()
        except QueueFull:
            stats["http_429"] += 1
            stats["queue_full"] += 1
            self._truth_refusal(st, rid, headers, 429, "queue_full", req.t_received, prompt_tokens, attempts,
                                prompt.prompt_id if prompt is not None else None)  # fmt: skip
            msg = f"The engine for {prof.name} is currently overloaded (queue full). Please try again later."
            return self._send(
                conn,
                429,
                error_body(msg, "server_error", None, "engine_overloaded"),
                http.render_headers(rl_headers),
            )

        job = Job()
        job.st, job.conn, job.rid, job.waiter = st, conn, rid, waiter
        job.t_received, job.t_slot, job.t_first, job.t_done = req.t_received, None, None, None
        job.attempts, job.status, job.judge_info = attempts, 200, None
        job.text_pieces = None
        job.t_answer = None
        job.stream = bool(body.get("stream"))
        job.include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        job.model_name = prof.name
        job.cid = f"chatcmpl-{rng.getrandbits(64):016x}"
        job.created = int(self.epoch(req.t_received) or 0)
        job.prompt_tokens = prompt_tokens
        job.cached_tokens = cached_prompt_tokens(prompt_tokens, prof.cache_hit_rate)
        job.prompt_id = prompt.prompt_id if prompt is not None else None

        if judged is not None:
            stats["judge_calls"] += 1
            truth_value, source = judge.truth(self.catalog, *judged)
            reply, _agree = judge.verdict(self.seed, prof.key, req.body, truth_value, prof.judge_agreement)
            job.judge_info = (truth_value, reply["pass"], source)
            answer = Answer("judge", json.dumps(reply))
        else:
            answer = self._answer(prof, prompt, rng, body, max_tokens)
        job.answer = answer
        if answer.tool_calls:
            job.pieces = None
            visible = sum(
                tokens.count(c["name"]) + tokens.count(c["arguments"]) + 3 for c in answer.tool_calls
            )
            job.finish = "tool_calls"
        else:
            pieces = tokens.split(answer.content or "")
            job.finish = "stop"
            visible = len(pieces)
        job.reasoning_tokens = prof.sample_reasoning_tokens(rng)
        if max_tokens and not answer.tool_calls:
            # as the real APIs do: hidden reasoning counts against max_tokens, and an answer that does not
            # fit in what is left is cut and reported with finish_reason "length"
            job.reasoning_tokens = min(job.reasoning_tokens, max_tokens)
            room = max_tokens - job.reasoning_tokens
            if len(pieces) > room:
                pieces = pieces[:room]
                job.finish = "length"
            job.pieces = job.text_pieces = pieces
            visible = len(pieces)
        elif not answer.tool_calls:
            job.pieces = job.text_pieces = pieces
        job.completion_tokens = visible + job.reasoning_tokens
        prefill_ms = prof.sample_ttft_ms(rng, prompt_tokens - job.cached_tokens)
        job.reasoning_pieces = None
        if body.get("include_reasoning") and job.reasoning_tokens and api == "chat":
            # opt-in (OpenRouter's flag): stream the reasoning as `reasoning_content` deltas instead of
            # thinking silently; its own generator, so the request's other draws stay the same
            text = generic_text(random.Random(stable_int(job.cid, "reasoning")), job.reasoning_tokens)
            job.reasoning_pieces = tokens.split(text)
        if job.reasoning_pieces and job.stream:  # the reasoning chunks get decode gaps like the answer
            job.ttft_s = prefill_ms / 1000.0
        else:
            job.ttft_s = (prefill_ms + job.reasoning_tokens * prof.itl_mean_ms) / 1000.0
        job.fault, job.fault_at, job.stall_s = None, -1, 0.0
        job.gaps = None
        job.headers = rl_headers
        stats["in_flight"] += 1
        job.renderer = responses.Renderer(job) if api == "responses" else ChatRenderer(job)
        if job.stream:
            stats["streams"] += 1
            head = job.renderer.head()  # before the pieces: Responses events are numbered in order
            job.pieces = job.renderer.pieces(job.text_pieces, prof.tokens_per_chunk)
            sizes = [n for n, _ in job.pieces]
        else:
            per = prof.tokens_per_chunk
            sizes = [min(per, visible - j) for j in range(0, max(visible, 1), per)]
        if prof.itl_mean_ms > 0 and len(sizes) > 1:
            job.gaps = [0.0] + prof.sample_gaps_s(rng, sizes[1:])
        if u_drop < f.disconnect:
            job.fault = "disconnect"
        elif u_err < f.error_event:
            job.fault = "error_event"
        elif u_stall < f.stall:
            job.fault, job.stall_s = "stall", f.stall_ms / 1000.0
        if job.fault is not None:
            job.fault_at = rng.randrange(1, len(sizes)) if len(sizes) > 1 else 1
        if job.stream:
            extra = [("x-request-id", job.cid)] + rl_headers
            conn.write(http.stream_head(http.render_headers(extra)) + head)
            return self._start(job, self._run_stream(job))
        return self._start(job, self._run_plain(job))

    def _start(self, job: Job, coro: Any) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        task.add_done_callback(lambda t: self._finish(job, t))
        return task

    def _answer(
        self, prof: ModelProfile, prompt: Any, rng: random.Random, body: dict, max_tokens: int | None
    ) -> Answer:
        json_mode = wants_json(body.get("response_format"))
        tools = body.get("tools") or None
        tools_allowed = bool(tools) and body.get("tool_choice") != "none"
        if prompt is not None:
            cls = answer_class(prompt, json_mode, tools_allowed)
            if cls != "none":
                if rng.random() < prof.accuracy(prompt.task):
                    kind = "gold"
                else:
                    w = prof.wrong_mix
                    total = sum(w.get(k, 0.0) for k in KINDS)
                    x, kind = rng.random() * total, "wrong"
                    for k in KINDS:
                        x -= w.get(k, 0.0)
                        if x < 0:
                            kind = k
                            break
                return self.book.for_record(prompt, cls, kind, rng, prof.verbosity, json_mode)
        ans = self.book.generic(
            rng, max_tokens, body.get("response_format"), tools, body.get("tool_choice"), prof.verbosity
        )
        return ans

    # -- running -------------------------------------------------------------------------------------------
    async def _sleep_until(self, job: Job, deadline: float) -> float:
        """Sleep until ``deadline`` (perf_counter s), extended by any global or per-model stall."""
        while True:
            deadline = max(deadline, self.stall_until, job.st.stall_until)
            rem = deadline - time.perf_counter()
            if rem <= 0.0002:
                return deadline
            await asyncio.sleep(rem)

    async def _acquire(self, job: Job) -> None:
        if job.waiter is not None:
            await job.waiter
            job.t_slot = time.perf_counter()
        else:
            job.t_slot = job.t_received

    async def _run_stream(self, job: Job) -> None:
        conn = job.conn
        await self._acquire(job)
        deadline = job.t_slot + job.ttft_s
        gaps = job.gaps
        buf: list[bytes] = []
        pieces = job.pieces
        n = len(pieces)
        first_answer = len(job.reasoning_pieces or ()) if job.stream else 0
        first_answer = -1 if first_answer == 0 else first_answer  # -1: the first chunk is already answer
        for i in range(n + 1):  # i == n: the finish/usage/[DONE] tail
            if gaps is not None and i < n:
                deadline += gaps[i]
            if i == job.fault_at:
                if job.fault == "stall":
                    job.st.stats["stall"] += 1
                    deadline += job.stall_s
                elif job.fault == "disconnect":
                    conn.write(b"".join(buf))
                    job.st.stats["disconnect"] += 1
                    conn.close()  # no chunked terminator: the client sees a truncated body
                    return
                elif job.fault == "error_event":
                    job.st.stats["error_event"] += 1
                    msg = "The server had an error while processing your request."
                    buf.append(job.renderer.error(msg))
                    conn.write(b"".join(buf))
                    return
            if max(deadline, self.stall_until, job.st.stall_until) > time.perf_counter():
                if buf:
                    conn.write(b"".join(buf))
                    buf.clear()
                deadline = await self._sleep_until(job, deadline)
            if i == n:
                buf.append(job.renderer.tail())
            elif i == 0:
                conn.write(pieces[0][1])
                job.t_first = time.perf_counter()
            elif i == first_answer:
                conn.write(b"".join(buf) + pieces[i][1])
                buf.clear()
                job.t_answer = time.perf_counter()
            else:
                buf.append(pieces[i][1])
        conn.write(b"".join(buf))
        job.st.stats["ok"] += 1

    async def _run_plain(self, job: Job) -> None:
        conn = job.conn
        await self._acquire(job)
        total = job.ttft_s + (sum(job.gaps) if job.gaps else 0.0)
        if job.fault == "stall":
            job.st.stats["stall"] += 1
            total += job.stall_s
        if job.fault in ("disconnect", "error_event"):
            total = job.ttft_s  # fails part-way: at the first token
        await self._sleep_until(job, job.t_slot + total)
        if job.fault == "disconnect":
            job.st.stats["disconnect"] += 1
            conn.close()
            return
        if job.fault == "error_event":
            job.st.stats["error_event"] += 1
            job.status = 500
            msg = "The server had an error while processing your request."
            conn.write(
                http.response(
                    500,
                    error_body(msg, "server_error", None, "internal_error"),
                    headers=http.render_headers(job.headers),
                )
            )
            return
        job.t_first = time.perf_counter()
        ms = int((job.t_first - job.t_received) * 1000)
        extra = [("x-request-id", job.cid), ("openai-processing-ms", str(ms))] + job.headers
        body = json.dumps(job.renderer.plain(), separators=(",", ":")).encode()
        conn.write(http.response(200, body, headers=http.render_headers(extra)))
        job.st.stats["ok"] += 1

    def _finish(self, job: Job, task: asyncio.Task) -> None:
        st = job.st
        if task.cancelled():
            st.stats["client_gone"] += 1
            job.fault = job.fault or "client_gone"
        elif task.exception() is not None:
            job.fault, job.status = "sim_error", 500
        if job.t_slot is None and job.waiter is not None:
            st.capacity.leave(job.waiter)
        else:
            st.capacity.release()
        st.stats["in_flight"] -= 1
        job.t_done = time.perf_counter()
        delivered = job.t_first is not None and job.fault not in ("disconnect", "error_event", "client_gone")
        if delivered:
            st.stats["prompt_tokens"] += job.prompt_tokens
            st.stats["completion_tokens"] += job.completion_tokens
            st.stats["reasoning_tokens"] += job.reasoning_tokens
        if not self.truth.enabled:
            return
        row = {
            "rid": job.rid,
            "model": st.profile.key,
            "prompt_id": job.prompt_id,
            "status": job.status,
            "fault": job.fault,
            "t_received": self.epoch(job.t_received),
            "queue_us": int(((job.t_slot or job.t_done) - job.t_received) * 1e6),
            "injected_ttft_us": int((job.t_first - job.t_received) * 1e6)
            if job.t_first is not None
            else None,
            "injected_ttfa_us": int(((job.t_answer or job.t_first) - job.t_received) * 1e6)
            if job.t_first is not None
            else None,
            "target_ttft_us": int(job.ttft_s * 1e6),
            "t_first_token": self.epoch(job.t_first),
            "t_done": self.epoch(job.t_done),
            "completion_tokens": job.completion_tokens,
            "reasoning_tokens": job.reasoning_tokens,
            "prompt_tokens": job.prompt_tokens,
            "cached_tokens": job.cached_tokens,
            "answer_kind": job.answer.kind,
            "attempts_seen": job.attempts,
            "stream": job.stream,
        }
        if job.judge_info is not None:
            row["judge_truth"], row["judge_pass"], row["judge_truth_source"] = job.judge_info
        self.truth.add(row)

    def _truth_refusal(
        self, st: ModelState, rid: str, headers: dict, status: int, fault: str, t: float, prompt_tokens: int,
        attempts: int, prompt_id: str | None = None,
    ) -> None:  # fmt: skip
        if not self.truth.enabled:
            return
        if prompt_id is None:
            prompt_id = headers.get("x-swapbench-prompt-id")
        now = self.epoch(time.perf_counter())
        self.truth.add({
            "rid": rid, "model": st.profile.key, "prompt_id": prompt_id, "status": status, "fault": fault,
            "t_received": self.epoch(t), "queue_us": 0, "injected_ttft_us": None, "target_ttft_us": None,
            "t_first_token": None, "t_done": now, "completion_tokens": 0, "reasoning_tokens": 0,
            "prompt_tokens": prompt_tokens, "cached_tokens": 0, "answer_kind": None, "attempts_seen": attempts,
            "stream": None,
        })  # fmt: skip
