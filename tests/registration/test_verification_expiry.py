"""A verification past its expiry counts as not verified in SQL as in Python (issue 17), and
the person's registration page says when it expires, or that it has."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conference.badges import services as badges
from conference.dashboard import figures
from conference.db_types import utcnow
from conference.extensions import db
from conference.registration.models import Registration
from conference.registration.queries import RegistrantFilters, registrants_query
from tests.badges.helpers import badge_for
from tests.factories import make_event


@pytest.fixture
def people(app):
    event = make_event()
    now = utcnow()
    regs = {}
    for name, expires in (
        ("Forever", None),
        ("Later", now + timedelta(days=3)),
        ("Expired", now - timedelta(minutes=1)),
    ):
        registration, _ = badge_for(event, name=name, category="practitioner", verified=True)
        registration.category_verification_expires_at = expires
        regs[name] = registration
    regs["Never"], _ = badge_for(event, name="Never", category="practitioner")
    db.session.commit()
    return event, regs


def _names(event, **filters) -> set[str]:
    query = registrants_query(event, RegistrantFilters(**filters))
    return {r.user.name for r in db.session.scalars(query)}


def test_sql_clause_agrees_with_the_property(people):
    event, regs = people

    in_sql = set(
        db.session.scalars(select(Registration.id).where(Registration.category_verified_clause()))
    )

    assert in_sql == {r.id for r in regs.values() if r.category_verified}
    assert in_sql == {regs["Forever"].id, regs["Later"].id}
    assert regs["Expired"].category_verification_expired
    assert not regs["Later"].category_verification_expired


def test_registrant_filter_treats_an_expired_verification_as_not_verified(people):
    event, _ = people

    assert _names(event, verified="yes") == {"Forever", "Later"}
    assert _names(event, verified="no") == {"Expired", "Never"}


def test_badge_list_verified_only_leaves_out_expired(people):
    event, _ = people

    badges_shown = badges.list_badges(event, badges.BadgeFilter(verified_only=True))

    assert {b.registration.user.name for b in badges_shown} == {"Forever", "Later"}


def test_dashboard_backlog_counts_expired_verifications_again(people):
    event, _ = people

    series = figures.verification_backlog(event)

    assert [count for _, (count,) in series.rows] == [2]


def test_registration_page_says_when_the_verification_expires(people, login):
    event, regs = people

    later = login(regs["Later"].user).get(f"/events/{event.slug}/registration")
    expired = login(regs["Expired"].user).get(f"/events/{event.slug}/registration")
    forever = login(regs["Forever"].user).get(f"/events/{event.slug}/registration")

    later_text, expired_text = later.get_data(as_text=True), expired.get_data(as_text=True)
    assert "Your verification expires on" in later_text
    assert "Verification expired" in expired_text and "expired on" in expired_text
    assert "are closed to you" in expired_text
    assert 'id="verification-expiry"' not in forever.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 4
