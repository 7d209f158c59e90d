"""Runs client scenarios in a gevent-monkey-patched subprocess and prints JSON (the pytest process is
never patched).

``python tests/client_harness.py '{"transport": "fast", "base_url": ..., "cfg": {...}, "ep": {...},
"runs": [{"n": 3, "concurrency": 1, "body": {...}, "headers": {...}, "capture": "full",
"stagger_ms": 0}]}'`` prints ``{"runs": [[outcome row + itl_us + retry_after_ms + t0 ...], ...],
"opened": N}`` where ``opened`` counts connections opened (fast: pool counter; sdk: connect_tcp traces).
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
    cfg = ClientConfig.from_scenario(spec.get("cfg") or {}, transport=spec["transport"])
    ep = EndpointConfig(base_url=spec["base_url"], **(spec.get("ep") or {}))
    tr = build_transport(spec["transport"], cfg, ep)
    tr.prepare()  # as the Locust plugin does after fork
    results = []
    for run in spec.get("runs", []):
        results.append(do_run(tr, run))
    print(json.dumps({"runs": results, "opened": tr.connections_opened()}))


def do_run(tr, run: dict) -> list:
    n = int(run.get("n", 1))
    conc = int(run.get("concurrency", 1))
    body = run.get("body") or DEFAULT_BODY
    rows: list = [None] * n

    def one(i: int) -> None:
        if run.get("stagger_ms"):
            gevent.sleep(i * run["stagger_ms"] / 1000)
        t0 = time.perf_counter()
        wall = time.time()
        o = tr.execute(body, t_intended=t0, headers=run.get("headers"), capture=run.get("capture", "full"))
        row = o.row()
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
        p.join()
    return rows


if __name__ == "__main__":
    main()
