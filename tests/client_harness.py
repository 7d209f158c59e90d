"""Runs client scenarios in a gevent-monkey-patched subprocess and prints JSON (the pytest process is
never patched).

``python tests/client_harness.py '{"transport": "fast", "base_url": ..., "cfg": {...}, "ep": {...},
"runs": [{"n": 3, "concurrency": 1, "body": {...}, "headers": {...}, "capture": "full",
"stagger_ms": 0}]}'`` or, through the real pipeline (scenario, prompts, request_body, make_transport),
``{"transport": ..., "base_url": SIM_URL, "scenario": PATH, "model": KEY, "runs": [{"n": 3, "task": T}]}``
prints ``{"runs": [[outcome row + rid + itl_us + retry_after_ms + t_wall, ...], ...], "opened": N, "pool": {...}}``
where ``opened`` counts connections opened (fast: pool counter; sdk: connect_tcp traces) and ``pool`` is
the fast pool's accounting at the end. A run with ``kill_after_ms`` kills its greenlets mid-request.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
import gevent.pool  # noqa: E402

from profiler.client import ClientConfig, EndpointConfig, build_transport  # noqa: E402

DEFAULT_BODY = {
    "model": "mock",
    "messages": [{"role": "user", "content": "hello there"}],
    "stream": True,
    "stream_options": {"include_usage": True},
    "max_tokens": 32,
}


def main() -> None:
    spec = json.loads(sys.argv[1])
    if spec.get("scenario"):
        # the real pipeline: scenario -> prompts -> request_body -> make_transport (simulator URL)
        from profiler.client import make_transport
        from profiler.prompts import load_prompts, request_body
        from profiler.scenario import load_scenario

        sc = load_scenario(spec["scenario"])
        prompts = load_prompts(sc)
        used = {}

        def transport_for(run: dict):
            key = run.get("model", spec["model"])
            if key not in used:
                used[key] = make_transport(
                    sc, sc.models[key], base_url_override=spec["base_url"], kind=spec["transport"]
                )
                used[key].prepare()
            return used[key]

        def make_request(run: dict, i: int) -> tuple[dict, dict | None]:
            recs = prompts[run["task"]]
            p = recs[i % len(recs)]
            rid = f"{spec['transport']}-{run.get('tag', 'r')}-{i}"
            model = sc.models[run.get("model", spec["model"])]
            return request_body(p, model), {"x-swapbench-prompt-id": p.prompt_id, "x-swapbench-rid": rid}

    else:
        cfg = ClientConfig.from_scenario(spec.get("cfg") or {}, transport=spec["transport"])
        ep = EndpointConfig(base_url=spec["base_url"], **(spec.get("ep") or {}))
        tr = build_transport(spec["transport"], cfg, ep)
        tr.prepare()  # as the Locust plugin does after fork
        used = {"": tr}

        def transport_for(run: dict):
            return tr

        def make_request(run: dict, i: int) -> tuple[dict, dict | None]:
            return run.get("body") or DEFAULT_BODY, run.get("headers")

    results = [do_run(transport_for(run), run, make_request) for run in spec.get("runs", [])]
    state = {}
    for t in used.values():
        pool = getattr(t, "_pool", None)
        if pool is not None:
            state = {"total": pool.total, "idle": len(pool._idle), "waiters": len(pool._waiters)}
    print(
        json.dumps(
            {"runs": results, "opened": sum(t.connections_opened() for t in used.values()), "pool": state}
        )
    )


def do_run(tr, run: dict, make_request) -> list:
    n = int(run.get("n", 1))
    conc = int(run.get("concurrency", 1))
    rows: list = [None] * n

    def one(i: int) -> None:
        if run.get("stagger_ms"):
            gevent.sleep(i * run["stagger_ms"] / 1000)
        body, headers = make_request(run, i)
        t0 = time.perf_counter()
        wall = time.time()
        o = tr.execute(body, t_intended=t0, headers=headers, capture=run.get("capture", "full"))
        row = o.row()
        row["rid"] = (headers or {}).get("x-swapbench-rid")
        row["itl_us"] = o.itl_us
        row["retry_after_ms"] = o.retry_after_ms
        row["t_wall"] = wall
        rows[i] = row

    if conc <= 1:
        for i in range(n):
            one(i)
    else:
        p = gevent.pool.Pool(conc)
        for i in range(n):
            p.spawn(one, i)
        if run.get("kill_after_ms"):  # as Locust does when it stops users mid-request
            gevent.sleep(run["kill_after_ms"] / 1000)
            p.kill(block=True)
        p.join()
    return rows


if __name__ == "__main__":
    main()
