"""One benchmark run on one workload: import it, then time each scenario in-process and over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, select, text

from bench import http_layer
from bench.querycount import QueryCounter
from bench.stats import Result

SECRET = "bench-secret-key-not-for-production-use"  # noqa: S105


def database_url_for(explicit: str | None, tmp: Path) -> str:
    import os

    from conference.config import normalise_database_url

    url = explicit or os.environ.get("DATABASE_URL")
    if url and url.startswith("postgres"):
        return normalise_database_url(url)
    return f"sqlite:///{tmp}/bench.sqlite3"


@dataclass
class Scenario:
    """One kind of request, repeated; ``body(i)`` gives the JSON of the i-th (POST) request."""

    metric: str
    path: Callable[[], str]
    iterations: dict[str, int]
    headers: Callable[[], dict] = field(default=lambda: {})
    before_each: Callable[[], None] | None = None
    before_all: Callable[[], None] | None = None
    body: Callable[[int], dict] | None = None
    expect: int = 200
    check: Callable[[bytes], None] | None = None
    warm_up: bool = True
    http: bool = True  # False: only meaningful in-process (it resets in-process caches)
    fresh_worker: bool = False  # True: over HTTP only, each sample on a newly started worker

    def count(self, size: str, quick: bool) -> int:
        if quick:
            return min(3, self.iterations.get(size, self.iterations["default"]))
        return self.iterations.get(size, self.iterations["default"])

    @property
    def method(self) -> str:
        return "GET" if self.body is None else "POST"


class BenchRun:
    def __init__(
        self, name: str, document: dict, database_url: str, quick: bool, http: bool
    ) -> None:
        self.name, self.document, self.database_url = name, document, database_url
        self.quick, self.http = quick, http
        self.results: list[Result] = []
        self.database_version = ""
        self.state: dict = {}

    # -- set-up -----------------------------------------------------------------

    def _config(self) -> dict:
        return {
            "ENV": "development",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": self.database_url,
            "MAIL_BACKEND": "console",
            "MAIL_DELIVER_AFTER_REQUEST": False,
            "RATELIMIT_ENABLED": False,
            "TASK_CONSUMER_IN_PROCESS": False,
        }

    def _reset_database(self) -> None:
        import conference.models  # noqa: F401
        from conference.extensions import db

        engine = create_engine(self.database_url)
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
                self.database_version = connection.execute(text("SHOW server_version")).scalar()
            else:
                import sqlite3

                self.database_version = f"SQLite {sqlite3.sqlite_version}"
            db.metadata.create_all(connection)
        engine.dispose()

    def execute(self) -> list[Result]:
        from conference import create_app
        from conference.extensions import db

        self._reset_database()
        self.app = create_app(self._config())
        with self.app.app_context():
            self._import()
            self._prepare()
            self.scenarios = self._scenarios()
            self._run_in_process()
            db.session.remove()
            if self.http:
                self._run_http()
            db.session.remove()
            db.engine.dispose()
        return self.results

    def _import(self) -> None:
        from conference.extensions import db
        from conference.workload.importer import import_event

        started = time.perf_counter()
        report = import_event(self.document)
        db.session.commit()
        elapsed = (time.perf_counter() - started) * 1000
        counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
        self.results.append(Result("import-event", self.name, "service", [elapsed], note=counts))
        self.slug = report.slug

    def _prepare(self) -> None:
        from sqlalchemy import func

        from conference.accounts.models import User
        from conference.badges import services as badges
        from conference.events.services import get_event
        from conference.extensions import db
        from conference.feeds.models import FeedKind
        from conference.feeds.services import get_or_create_token
        from conference.registration.models import Booking, Registration

        self.event = get_event(self.slug)
        # The attendee with the most confirmed bookings reads the personal feed.
        row = db.session.execute(
            select(Registration.user_id, func.count(Booking.id))
            .join(Booking, Booking.registration_id == Registration.id)
            .where(Registration.event_id == self.event.id)
            .group_by(Registration.user_id)
            .order_by(func.count(Booking.id).desc())
            .limit(1)
        ).first()
        if row is not None:
            user = db.session.get(User, row[0])
            self.state["personal_token"] = get_or_create_token(user, FeedKind.PERSONAL).token
        started = time.perf_counter()
        issued = badges.issue_missing_badges(self.event)
        db.session.commit()
        self.results.append(
            Result(
                "issue badges (sign)",
                self.name,
                "service",
                [(time.perf_counter() - started) * 1000],
                note=f"{issued} badges",
            )
        )
        _, self.device_token = badges.create_device(self.event, "Bench scanner", actor=None)
        db.session.commit()
        codes = [b.token for b in badges.list_badges(self.event)]
        self.codes = codes[: 2000 if not self.quick else 20]
        self.forged = [_forge(code) for code in self.codes]
        surnames = sorted({u.name.split()[-1] for u in db.session.scalars(select(User).limit(200))})
        self.surnames = surnames or ["Novák"]

    def _bump_agenda(self) -> None:
        from conference.events.models import Event
        from conference.events.services import bump_agenda_version
        from conference.extensions import db

        event = db.session.get(Event, self.event.id)
        bump_agenda_version(event)
        db.session.commit()

    def _forget_feeds(self) -> None:
        """Empty every feed cache of this process (a fresh worker)."""
        from conference.feeds.services import feed_cache, fragment_cache

        feed_cache().clear()
        fragment_cache().clear()

    def _forget_scans(self) -> None:
        """Each layer scans the same badges afresh, so the log is emptied first."""
        from sqlalchemy import delete

        from conference.badges.models import Scan
        from conference.extensions import db

        db.session.execute(delete(Scan))
        db.session.commit()

    # -- scenarios --------------------------------------------------------------

    def _scenarios(self) -> list[Scenario]:
        slug = self.slug
        feed = f"/events/{slug}/calendar.ics"
        device = {"Authorization": f"Bearer {self.device_token}"}
        scans = f"/api/v1/events/{slug}/checkins"
        n_codes = len(self.codes)
        found: list[Scenario] = [
            Scenario(
                "event feed, cold",
                lambda: feed,
                {"default": 20, "w5000": 5},
                before_each=self._bump_agenda,
                warm_up=False,
            ),
            Scenario(
                "event feed, from scratch",
                lambda: feed,
                {"default": 10, "w5000": 3},
                before_each=self._forget_feeds,
                warm_up=False,
                http=False,
            ),
            Scenario(
                "event feed, first request after worker start",
                lambda: feed,
                {"default": 3, "tiny": 1},
                warm_up=False,
                fresh_worker=True,
            ),
            Scenario("event feed, warm", lambda: feed, {"default": 200, "w5000": 100}),
            Scenario(
                "event feed, 304",
                lambda: feed,
                {"default": 200},
                headers=lambda: {"If-None-Match": self.state.get("feed_etag", "")},
                expect=304,
            ),
        ]
        if "personal_token" in self.state:
            token = self.state["personal_token"]
            found.append(
                Scenario("personal feed", lambda: f"/calendar/{token}.ics", {"default": 100})
            )
        found += [
            Scenario(
                "agenda page (HTML)", lambda: f"/events/{slug}/agenda/", {"default": 30, "w5000": 8}
            ),
            Scenario(
                "agenda page (HTML), after an agenda change",
                lambda: f"/events/{slug}/agenda/",
                {"default": 10, "w5000": 5},
                before_each=self._bump_agenda,
                warm_up=False,
            ),
            Scenario(
                "agenda JSON export",
                lambda: f"/events/{slug}/agenda.json",
                {"default": 30, "w5000": 8},
            ),
            Scenario(
                "frab XML export",
                lambda: f"/events/{slug}/schedule.xml",
                {"default": 30, "w5000": 8},
            ),
            Scenario(
                "name search at the door",
                lambda: f"/api/v1/events/{slug}/attendees?q={self.surnames[0]}",
                {"default": 200},
                headers=lambda: device,
            ),
            Scenario(
                "badge scan, accepted",
                lambda: scans,
                {"default": n_codes},
                headers=lambda: device,
                before_all=self._forget_scans,
                warm_up=False,
                body=lambda i: {"code": self.codes[i], "checkpoint": "entrance"},
                check=_expect_result("accepted"),
            ),
            Scenario(
                "badge scan, duplicate",
                lambda: scans,
                {"default": n_codes},
                headers=lambda: device,
                warm_up=False,
                body=lambda i: {"code": self.codes[i], "checkpoint": "entrance"},
                check=_expect_duplicate,
            ),
            Scenario(
                "badge scan, forged",
                lambda: scans,
                {"default": n_codes},
                headers=lambda: device,
                warm_up=False,
                body=lambda i: {"code": self.forged[i], "checkpoint": "entrance"},
                check=_expect_result("refused"),
            ),
        ]
        return found

    def _etag(self, client) -> None:
        response = client.get(f"/events/{self.slug}/calendar.ics")
        self.state["feed_etag"] = response.headers["ETag"]

    def _run_in_process(self) -> None:
        from conference.extensions import db

        client = self.app.test_client()
        counter = QueryCounter(db.engine)
        self._etag(client)
        for scenario in self.scenarios:
            if scenario.fresh_worker:
                continue
            if scenario.before_all:
                scenario.before_all()
            samples, size, queries = [], None, None
            count = scenario.count(self.name, self.quick)
            for index in range(-1 if scenario.warm_up else 0, count):
                if scenario.before_each:
                    scenario.before_each()
                db.session.expire_all()
                kwargs = {"headers": scenario.headers()}
                if scenario.body is not None:
                    kwargs["json"] = scenario.body(max(index, 0))
                with counter.counting():
                    started = time.perf_counter()
                    response = client.open(scenario.path(), method=scenario.method, **kwargs)
                    elapsed = (time.perf_counter() - started) * 1000
                verify(scenario, response.status_code, response.get_data())
                if index < 0:
                    continue  # warm-up
                samples.append(elapsed)
                size, queries = len(response.get_data()), counter.count
            self.results.append(
                Result(scenario.metric, self.name, "in-process", samples, size, queries)
            )
        self._service_metrics()

    def _service_metrics(self) -> None:
        """What has no single HTTP request to time: booking throughput, contention, PDFs."""
        from bench import service_metrics

        self.results.extend(service_metrics.run_all(self))

    def _run_http(self) -> None:
        env = {
            "CONFERENCE_ENV": "development",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": self.database_url,
            "CONFERENCE_MAIL_BACKEND": "console",
            "CONFERENCE_MAIL_DELIVER_AFTER_REQUEST": "false",
            "CONFERENCE_RATELIMIT_ENABLED": "false",
            # No task consumer inside the measured worker (development would start one).
            "CONFERENCE_TASK_CONSUMER_IN_PROCESS": "false",
        }
        self.results.extend(http_layer.run(self, env))


def verify(scenario: Scenario, status: int, body: bytes) -> None:
    if status != scenario.expect:
        raise RuntimeError(f"{scenario.metric}: HTTP {status}: {body[:300]!r}")
    if scenario.check is not None:
        scenario.check(body)


def _expect_result(result: str) -> Callable[[bytes], None]:
    def check(body: bytes) -> None:
        answer = json.loads(body)
        if answer.get("result") != result:
            raise RuntimeError(f"expected {result}, got {answer}")

    return check


def _expect_duplicate(body: bytes) -> None:
    """A re-read within the window repeats the first answer; a later one is refused, or
    answered "already in" where the event admits re-entry (door_rules)."""
    answer = json.loads(body)
    if not (answer.get("repeat") or answer.get("reason") in ("already_checked_in", "already_in")):
        raise RuntimeError(f"expected a duplicate, got {answer}")


def _forge(code: str) -> str:
    """The same code with one signature character changed: it must be refused."""
    position = len(code) - 5
    replacement = "A" if code[position] != "A" else "B"
    return code[:position] + replacement + code[position + 1 :]
