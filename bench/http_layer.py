"""The HTTP layer: each scenario against gunicorn, a new connection per request on a sync
worker and keep-alive on a gthread worker, each followed by the floor on the same settings."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench import first_request
from bench.floor import Floor
from bench.server import Client, Gunicorn
from bench.stats import Result

if TYPE_CHECKING:
    from bench.scenarios import BenchRun, Scenario

LAYERS = (("http new conn", False, "sync"), ("http keep-alive", True, "gthread"))


@dataclass
class Answer:
    """What the floor must answer to stand in for a metric: same status, size and type."""

    status: int
    size: int
    content_type: str


def time_requests(
    client: Client, scenario: Scenario, count: int, path: str | None = None, hooks: bool = True
) -> tuple[list[float], Answer | None]:
    """Time ``count`` requests of ``scenario`` (after one untimed one if it warms up).

    The floor calls this too, with its own ``path`` and without the scenario's hooks and
    checks, so that both are timed by the same client code."""
    from bench.scenarios import verify

    samples: list[float] = []
    answer = None
    for index in range(-1 if scenario.warm_up else 0, count):
        if hooks and scenario.before_each:
            scenario.before_each()
        headers = dict(scenario.headers())
        body = None
        if scenario.body is not None:
            body = json.dumps(scenario.body(max(index, 0))).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        reply = client.request(scenario.method, path or scenario.path(), body, headers)
        elapsed = (time.perf_counter() - started) * 1000
        if hooks:
            verify(scenario, reply.status, reply.body)
        elif reply.status != scenario.expect:
            raise RuntimeError(f"floor for {scenario.metric}: HTTP {reply.status}")
        if index < 0:
            continue
        samples.append(elapsed)
        answer = Answer(reply.status, len(reply.body), reply.headers.get("content-type", ""))
    return samples, answer


def run(bench: BenchRun, env: dict[str, str]) -> list[Result]:
    results: list[Result] = []
    peak = 0
    floor = Floor(bench.database_url, bench.codes)
    for layer, keep_alive, worker_class in LAYERS:
        answers: dict[str, Answer] = {}
        layer_results: list[Result] = []
        with Gunicorn(env, worker_class=worker_class) as server:
            client = Client(server.port, keep_alive=keep_alive)
            for scenario in bench.scenarios:
                if not scenario.http or (scenario.fresh_worker and keep_alive):
                    continue
                if scenario.before_all:
                    scenario.before_all()
                count = scenario.count(bench.name, bench.quick)
                if scenario.fresh_worker:
                    samples, answer = first_request.time_first_requests(env, scenario, count)
                else:
                    samples, answer = time_requests(client, scenario, count)
                answers[scenario.metric] = answer
                size = answer.size if answer else None
                layer_results.append(Result(scenario.metric, bench.name, layer, samples, size))
            client.close()
            peak = max(peak, server.peak_memory_kib())
        floors = floor.measure(bench, layer, keep_alive, worker_class, answers)
        results += [*compare(layer_results, floors), *floors]
    results.append(
        Result("server peak memory (RSS)", bench.name, "http", [peak / 1024], unit="MiB")
    )
    return results


def compare(measured: list[Result], floors: list[Result]) -> list[Result]:
    """Each figure gets its floor's median and the ratio of the two medians."""
    by_metric = {f.metric: f for f in floors}
    for result in measured:
        floor = by_metric.get(result.metric)
        if floor is not None and floor.median > 0:
            result.extra.update(
                floor_ms=round(floor.median, 3), x_floor=round(result.median / floor.median, 2)
            )
    return measured
