"""The first request after a worker starts: a fresh gunicorn worker per sample.

The worker has started as in production (deploy/gunicorn.conf.py: its ``post_worker_init``
builds the coming events' public outputs before the first request, conference/warmup.py) and
answered the readiness probe, as after a deploy or a worker recycled by max-requests. Until
2026-12-02 the bench's workers started without that configuration, so this measured a cold
build that production never serves to a visitor.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bench.server import Client, Gunicorn

if TYPE_CHECKING:
    from bench.http_layer import Answer
    from bench.scenarios import Scenario


def time_first_requests(
    env: dict[str, str],
    scenario: Scenario,
    count: int,
    app: str = "conference:create_app()",
    path: str | None = None,
) -> tuple[list[float], Answer | None]:
    """``count`` first requests, each to a new worker; the floor passes its own app and path."""
    from bench.http_layer import Answer
    from bench.scenarios import verify

    samples: list[float] = []
    answer = None
    for _ in range(count):
        with Gunicorn(env, app=app) as server:
            client = Client(server.port, keep_alive=False)
            started = time.perf_counter()
            reply = client.request("GET", path or scenario.path(), None, dict(scenario.headers()))
            samples.append((time.perf_counter() - started) * 1000)
            if path is None:
                verify(scenario, reply.status, reply.body)
            answer = Answer(reply.status, len(reply.body), reply.headers.get("content-type", ""))
    return samples, answer
