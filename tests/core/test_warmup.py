"""A worker builds the coming events' public outputs before its first visitor (conference/warmup.py)."""

from __future__ import annotations

from datetime import timedelta

from conference.db_types import utcnow
from conference.extensions import db
from conference.warmup import output_paths, warm_public_outputs
from tests.factories import make_event, make_session
from tests.querycount import count_queries

HIDDEN_TITLE = "Closed-door briefing on sanctions evasion"


def _coming_event(slug: str = "coming"):
    event = make_event(slug)
    make_session(event, title="Open plenary")
    make_session(
        event, title=HIDDEN_TITLE, restricted_to=["member_state_expert"], visibility="hidden"
    )
    db.session.commit()
    return event


def test_the_coming_events_outputs_are_built_and_then_served_from_memory(app, client):
    event = _coming_event("warmed")
    later = _coming_event("later")  # the same agenda a week later: left cold
    later.start_date += timedelta(days=7)
    later.end_date += timedelta(days=7)
    db.session.commit()
    app.config["WARM_OUTPUTS_EVENTS"] = 1
    paths = output_paths(app)

    report = warm_public_outputs(app)
    warm = [_statements(client, path) for path in paths]
    cold = [_statements(client, path.replace("/warmed/", "/later/")) for path in paths]

    assert paths == [
        f"/events/{event.slug}/agenda/",
        f"/events/{event.slug}/agenda.json",
        f"/events/{event.slug}/schedule.xml",
        f"/events/{event.slug}/calendar.ics",
    ]
    assert report.built == paths and not report.failed
    # Served from the cache: fewer statements than building the same output from nothing.
    for path, served, built in zip(paths, warm, cold, strict=True):
        assert served < built, path


def _statements(client, path: str) -> int:
    with count_queries(db.engine) as log:
        assert client.get(path).status_code == 200
    return log.count


def test_what_is_built_is_what_an_anonymous_visitor_gets(app, client):
    _coming_event()
    warm_public_outputs(app)

    for path in output_paths(app):
        body = client.get(path).get_data(as_text=True)
        assert HIDDEN_TITLE not in body, path
        assert "Open plenary" in body, path


def test_past_draft_and_beyond_the_limit_are_left_alone(app):
    make_event("finished", start=utcnow().date() - timedelta(days=10))
    make_event("draft", published=False)
    first, second = _coming_event("first"), _coming_event("second")
    app.config["WARM_OUTPUTS_EVENTS"] = 1
    soonest = min((first, second), key=lambda e: (e.start_date, e.id))

    slugs = {path.split("/")[2] for path in output_paths(app)}
    app.config["WARM_OUTPUTS_EVENTS"] = 0

    assert slugs == {soonest.slug}
    assert output_paths(app) == [] and warm_public_outputs(app).built == []


def test_a_worker_starts_even_when_the_database_does_not_answer(app_factory, tmp_path):
    unreachable = app_factory(DATABASE_URL=f"sqlite:///{tmp_path}/missing/dir/x.sqlite3")
    beats = []

    report = warm_public_outputs(unreachable, alive=lambda: beats.append(1))

    assert report.built == [] and beats == []
