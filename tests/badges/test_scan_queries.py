"""A scan and a name search cost the same number of SQL statements whatever the size of the event."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from conference.badges import services
from conference.events.models import Event
from conference.extensions import db
from conference.workload.importer import import_event
from tests.querycount import count_queries
from tests.workload import build_workload

SIZES = {"small": (20, 30), "large": (200, 300)}  # sessions, attendees


@pytest.fixture
def scanners(app):
    made = {}
    for name, (sessions, attendees) in SIZES.items():
        document = copy.deepcopy(build_workload(sessions=sessions, attendees=attendees, rooms=6))
        document["event"]["slug"] = f"scan-{name}"
        for attendee in document["attendees"]:
            attendee["email"] = f"{name}-{attendee['email']}"
        import_event(document)
        db.session.commit()
        event = db.session.scalar(select(Event).where(Event.slug == f"scan-{name}"))
        services.issue_missing_badges(event)
        _, token = services.create_device(event, "Door 1", actor=None)
        db.session.commit()
        codes = [badge.token for badge in services.list_badges(event)]
        made[name] = (event.slug, token, codes)
    return made


def _count(client, slug: str, token: str, code: str) -> tuple[int, str]:
    db.session.expire_all()
    with count_queries(db.engine) as log:
        response = client.post(
            f"/api/v1/events/{slug}/checkins",
            json={"code": code, "checkpoint": "entrance"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200
    return log.count, response.get_json()["result"]


def test_scan_query_count_does_not_grow_with_the_event(app, scanners):
    client = app.test_client()
    counts = {}
    for name, (slug, token, codes) in scanners.items():
        _count(client, slug, token, codes[-1])  # the device's first use is recorded once
        forged = codes[1][:-5] + ("A" if codes[1][-5] != "A" else "B") + codes[1][-4:]
        counts[name] = [
            _count(client, slug, token, codes[0]),  # accepted
            _count(client, slug, token, codes[0]),  # the same badge again: a repeat
            _count(client, slug, token, forged),  # refused
        ]

    assert counts["small"] == counts["large"], counts
    assert [result for _, result in counts["large"]] == ["accepted", "accepted", "refused"]
    # Device and event, badge lock, badge with holder, key status and the ids of the
    # holder's scan history (none yet), insert.
    assert counts["large"][0][0] == 4
    # A repeat reads the scan it repeats too: still within the door's five statements.
    assert counts["large"][1][0] <= 5


def test_name_search_query_count_does_not_grow_with_the_event(app, scanners):
    client = app.test_client()
    counts = {}
    for name, (slug, token, _) in scanners.items():
        url, headers = (
            f"/api/v1/events/{slug}/attendees?q=rossi",
            {"Authorization": f"Bearer {token}"},
        )
        client.get(url, headers=headers)  # the device's first use is recorded once
        db.session.expire_all()
        with count_queries(db.engine) as log:
            response = client.get(url, headers=headers)
        assert response.status_code == 200 and response.get_json()["attendees"]
        counts[name] = log.count

    assert counts["small"] == counts["large"] <= 2, counts
