"""The dashboard's delegation filter and per-delegation numbers (issue 17)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from conference.dashboard import figures
from conference.extensions import db
from tests.badges.helpers import badge_for, scan_at
from tests.delegations.helpers import invite, invite_and_accept, make_delegation, make_ncp
from tests.factories import make_event, make_staff

DAY = date(2027, 3, 23)
DOORS_OPEN = datetime(2027, 3, 23, 8, 30, tzinfo=UTC)  # 09:30 in Brussels


def _world():
    event = make_event("dash-deleg", start=DAY, days=2)
    belgium = make_delegation(event, "Belgium", quota=3)
    estonia = make_delegation(event, "Estonia", quota=2, country="EE")
    ncp_be, ncp_ee = make_ncp(belgium), make_ncp(estonia)
    _, bert = invite_and_accept(belgium, ncp_be, name="Bert Belgian")
    invite_and_accept(belgium, ncp_be, name="Bea Belgian")
    invite(belgium, ncp_be, name="Ben Belgian")
    invite_and_accept(estonia, ncp_ee, name="Eero Estonian")
    badge_for(event, name="Regina Registrant", category="practitioner")
    organiser = make_staff(event, "organiser", name="Olga Organiser")
    from conference.badges import services

    badge = services.ensure_badge(bert)
    db.session.commit()
    scan_at(event, badge.token, organiser, now=DOORS_OPEN)
    return event, belgium, estonia, organiser


def test_delegation_figures_count_quota_invited_accepted_checked_in(app):
    event, belgium, estonia, _ = _world()

    rows = {row.name: row for row in figures.delegation_figures(event)}

    assert (rows["Belgium"].quota, rows["Belgium"].invited) == (3, 1)
    assert (rows["Belgium"].accepted, rows["Belgium"].checked_in) == (2, 1)
    assert (rows["Estonia"].accepted, rows["Estonia"].checked_in) == (1, 0)


def test_charts_narrow_to_one_delegations_nominees(app):
    event, belgium, estonia, _ = _world()
    day = DAY

    everyone = figures.registrations_per_day(event)
    belgians = figures.registrations_per_day(event, belgium.id)
    arrivals_be = figures.arrivals(event, day, belgium.id)
    arrivals_ee = figures.arrivals(event, day, estonia.id)

    assert sum(v[0] for _, v in everyone.rows) == 4  # approved: 3 nominees and Regina
    assert sum(v[0] for _, v in belgians.rows) == 2
    assert sum(sum(v) for _, v in arrivals_be.rows) == 1 and arrivals_ee.rows == []


def test_dashboard_page_filters_by_delegation_and_lists_them(app, login):
    event, belgium, estonia, organiser = _world()
    client = login(organiser)

    page = client.get(f"/events/{event.slug}/manage/dashboard").get_data(as_text=True)
    filtered = client.get(f"/events/{event.slug}/manage/dashboard?delegation={belgium.id}")
    as_json = client.get(f"/api/v1/events/{event.slug}/dashboard?delegation={belgium.id}")

    assert 'id="delegations-heading"' in page and "Belgium" in page and "Estonia" in page
    assert '<option value="">Every registrant</option>' in page
    text = filtered.get_data(as_text=True)
    assert filtered.status_code == 200
    assert "Registrations per day, by state now (Belgium)" in text
    assert f"dashboard?delegation={belgium.id}" in text  # the refresh keeps the filter
    assert as_json.status_code == 200
    assert as_json.get_json()["charts"][0]["title"].endswith("(Belgium)")


def test_another_events_or_a_bogus_delegation_is_an_error_next_to_the_field(app, login):
    event, belgium, estonia, organiser = _world()
    other = make_delegation(make_event("dash-other"), "Foreignland")
    client = login(organiser)

    for value in (str(other.id), "bogus", "99999999999999999999"):
        page = client.get(f"/events/{event.slug}/manage/dashboard?delegation={value}")
        answer = client.get(f"/api/v1/events/{event.slug}/dashboard?delegation={value}")

        assert page.status_code == 422
        assert "Choose one of this event&#39;s delegations." in page.get_data(as_text=True)
        assert "Foreignland" not in page.get_data(as_text=True)
        assert answer.status_code == 400
        assert answer.get_json()["error"]["message"] == "Choose one of this event's delegations."


def test_ncp_gets_no_dashboard(app, login):
    event, belgium, estonia, _ = _world()
    ncp = belgium.contacts[0].user

    assert login(ncp).get(f"/events/{event.slug}/manage/dashboard").status_code == 403
