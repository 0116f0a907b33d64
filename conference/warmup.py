"""Build the public outputs of the coming events in a worker before it takes requests.

A worker's caches start empty, and at the flagship's size the first visitor of the event's
feed or agenda would wait seconds for the build (issue 22). gunicorn's ``post_worker_init``
hook (deploy/gunicorn.conf.py) calls ``warm_public_outputs``: it asks for each output through
the app itself, as an anonymous visitor, so what lands in the cache is exactly what the
next visitor would have been built (the same audience, agenda version and visibility rules).
It never stops a worker: a failure is logged and the output is built on demand as before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, url_for

log = logging.getLogger(__name__)

# The anonymous outputs whose cold build is slow at the flagship's size.
PUBLIC_OUTPUTS = (
    "agenda.agenda",
    "agenda.agenda_json",
    "agenda.schedule_xml",
    "feeds.event_calendar",
)


@dataclass
class WarmReport:
    built: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def output_paths(app: Flask) -> list[str]:
    """The public outputs of the next ``WARM_OUTPUTS_EVENTS`` upcoming or running events."""
    return [path for path, _language in output_requests(app)]


def output_requests(app: Flask) -> list[tuple[str, str]]:
    """``output_paths`` with the language each is built in: the event's default language.

    Pages and feeds are cached per language; the warm-up builds only the one most visitors
    get, so it makes as many entries as before (``WARM_OUTPUTS_EVENTS`` still bounds it)."""
    from conference.events.services import list_public_events
    from conference.gc_guard import remove_session
    from conference.i18n import language_for

    limit = app.config["WARM_OUTPUTS_EVENTS"]
    if limit <= 0:
        return []
    with app.test_request_context():
        try:
            events = [e for e in list_public_events() if not e.is_past][:limit]
            return [
                (url_for(name, slug=e.slug), language_for(None, e))
                for e in events
                for name in PUBLIC_OUTPUTS
            ]
        finally:
            remove_session()


def warm_public_outputs(app: Flask, *, alive: Callable[[], None] | None = None) -> WarmReport:
    """Ask for every output of ``output_paths`` once; what answers 200 is now cached.

    ``alive`` is called after each output (gunicorn's ``worker.notify``: the master kills a
    worker that stays silent for its timeout)."""
    started = time.perf_counter()
    report = WarmReport()
    try:
        requests = output_requests(app)
    except Exception:  # a worker must start even when the database is not there yet
        log.exception("Warming the public outputs: could not list the events")
        return report
    client = app.test_client()
    for path, language in requests:
        try:
            # As a visitor whose browser asks for the event's language (feeds default to it).
            response = client.get(path, headers={"Accept-Language": language})
            response.close()
        except Exception:  # the visitor would then build it, as without warming
            log.exception("Warming %s failed", path)
            report.failed.append(path)
            continue
        (report.built if response.status_code == 200 else report.failed).append(path)
        if alive is not None:
            alive()
    report.seconds = time.perf_counter() - started
    log.info(
        "Warmed %d public output(s) in %.1f s%s",
        len(report.built),
        report.seconds,
        f"; {len(report.failed)} failed" if report.failed else "",
    )
    return report
