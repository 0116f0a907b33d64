"""Measure the floor (bench/floor_app.py) in the same run, for every HTTP figure.

For each metric the floor answers the same status, number of bytes and content type, to the
same requests (method, headers, body), as often, through the same client code, on a gunicorn
started with the same command and worker class (a fresh one per sample where ours is).
Scans (POST) go to the scan floor: one single-row read by primary key and one insert with a
commit, on the run's kind of database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bench import floor_app
from bench.server import Client, Gunicorn
from bench.stats import Result

if TYPE_CHECKING:
    from bench.http_layer import Answer
    from bench.scenarios import BenchRun


FLOOR_APP = "bench.floor_app:application"


class Floor:
    def __init__(self, database_url: str, codes: list[str]) -> None:
        self.url = _floor_url(database_url)
        _create_tables(self.url, codes)

    def measure(
        self,
        bench: BenchRun,
        layer: str,
        keep_alive: bool,
        worker_class: str,
        answers: dict[str, Answer],
    ) -> list[Result]:
        from bench.first_request import time_first_requests
        from bench.http_layer import time_requests

        env = {floor_app.DATABASE_URL_VARIABLE: self.url}
        results = []
        with Gunicorn(env, worker_class=worker_class, app=FLOOR_APP) as server:
            client = Client(server.port, keep_alive=keep_alive)
            for scenario in bench.scenarios:
                answer = answers.get(scenario.metric)
                if answer is None:
                    continue
                query = urlencode(
                    {"bytes": answer.size, "type": answer.content_type, "status": answer.status}
                )
                path = f"/{'scan' if scenario.body is not None else 'bytes'}?{query}"
                count = scenario.count(bench.name, bench.quick)
                if scenario.fresh_worker:  # against a fresh floor worker too
                    samples, _ = time_first_requests(env, scenario, count, FLOOR_APP, path)
                else:
                    samples, _ = time_requests(client, scenario, count, path=path, hooks=False)
                results.append(
                    Result(scenario.metric, bench.name, f"floor, {layer}", samples, answer.size)
                )
            client.close()
        return results


def _floor_url(database_url: str) -> str:
    """The run's database for PostgreSQL (its own schema), else a SQLite file of its own."""
    if database_url.startswith("postgres"):
        return database_url
    return f"sqlite:///{Path(database_url.removeprefix('sqlite:///')).with_name('floor.sqlite3')}"


def _create_tables(url: str, codes: list[str]) -> None:
    """A badge table keyed by the run's badge codes, and an empty scan log."""
    connection = floor_app.connect(url)
    mark = "?" if url.startswith("sqlite") else "%s"
    cursor = connection.cursor()
    if not url.startswith("sqlite"):
        schema = floor_app.SCHEMA
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cursor.execute(f"CREATE SCHEMA {schema}")
        cursor.execute(f"SET search_path TO {schema}")
    cursor.execute("DROP TABLE IF EXISTS floor_scan")
    cursor.execute("DROP TABLE IF EXISTS floor_badge")
    cursor.execute("CREATE TABLE floor_badge (code VARCHAR(512) PRIMARY KEY, holder TEXT)")
    serial = "INTEGER PRIMARY KEY" if url.startswith("sqlite") else "SERIAL PRIMARY KEY"
    cursor.execute(
        f"CREATE TABLE floor_scan (id {serial}, code VARCHAR(512) NOT NULL, "
        "checkpoint TEXT NOT NULL, scanned_at TEXT NOT NULL)"
    )
    cursor.executemany(
        f"INSERT INTO floor_badge (code, holder) VALUES ({mark}, {mark})",  # noqa: S608
        [(code, f"Holder {i}") for i, code in enumerate(codes)],
    )
    connection.commit()
    connection.close()
