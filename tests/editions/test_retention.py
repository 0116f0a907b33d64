"""Retention: organisers are warned once, then registrants of expired events are anonymised."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from conference.accounts.models import User
from conference.badges.models import Badge, Scan
from conference.badges.services import ensure_badge
from conference.editions.retention import add_months, erase_on
from conference.events.models import StaffRole
from conference.extensions import db
from conference.mail.models import OutboxMessage
from conference.registration.models import AuditEntry, Registration, RegistrationSearchTerm
from tests.factories import make_attendee, make_event, make_registration, make_staff, make_user
from tests.registration.helpers import deliver_mail


@pytest.fixture
def past_event(app):
    """A 2025 edition that ended on 12 June 2025, with one attendee who was checked in."""
    event = make_event("ceris-2025", title="CERIS 2025", start=date(2025, 6, 11), days=2)
    organiser = make_staff(event, StaffRole.ORGANISER.value, email="olga@example.org")
    registration = make_attendee(event, name="Zoë Ångström")
    registration.organisation = "Europol"
    registration.dietary_needs = "Vegetarian"
    registration.job_title = "Analyst"
    registration.mailing_list_opt_in = True
    badge = ensure_badge(registration)
    db.session.add(
        Scan(
            event_id=event.id,
            badge_id=badge.id,
            registration_id=registration.id,
            result="accepted",
            reason="ok",
        )
    )
    db.session.commit()
    return event, organiser, registration


def _run(runner, when: str):
    result = runner.invoke(args=["erase-expired", "--now", when])
    assert result.exit_code == 0, result.output
    return result.output


def test_retention_date_is_months_after_the_last_day(past_event):
    event, _organiser, _registration = past_event
    assert event.retention_months == 12  # the documented default
    assert erase_on(event) == date(2026, 6, 13)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)


def test_erase_expired_warns_once_then_erases_like_account_deletion(
    past_event, runner, smtp_server
):
    event, organiser, registration = past_event
    person = registration.user
    other_event = make_event("ceris-2027")
    kept = make_registration(other_event, person)
    entries_before = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.event_id == event.id)
    )

    # Before the warning period (30 days before 13 June 2026): nothing happens.
    assert "0 event(s) warned, 0 erased" in _run(runner, "2026-05-13")
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0

    # In the warning period: one mail to the organiser, sent once however often it runs.
    assert "Warned organisers of ceris-2025: erasure on 2026-06-13" in _run(runner, "2026-05-14")
    assert "0 event(s) warned, 0 erased" in _run(runner, "2026-05-20")
    deliver_mail()
    mails = smtp_server.messages_to(organiser.email)
    assert len(mails) == 1
    assert mails[0]["Subject"] == "Personal data of CERIS 2025 will be erased on 2026-06-13"
    assert "/events/ceris-2025/manage/registrations" in mails[0].get_body(("plain",)).get_content()

    assert "0 erased" in _run(runner, "2026-06-12")
    assert "Erased personal data of ceris-2025: 1 registration(s)" in _run(runner, "2026-06-13")
    db.session.expire_all()

    registration = db.session.get(Registration, registration.id)
    assert (registration.status, registration.category) == ("approved", "academia")  # totals
    assert registration.user_id != person.id
    assert (registration.user.name, registration.user.is_active_account) == ("Deleted user", False)
    assert registration.user.email.endswith("@invalid")
    assert (registration.organisation, registration.job_title, registration.dietary_needs) == (
        "",
        "",
        "",
    )
    assert registration.mailing_list_opt_in is False
    terms = set(
        db.session.scalars(
            select(RegistrationSearchTerm.term).where(
                RegistrationSearchTerm.registration_id == registration.id
            )
        )
    )
    assert not terms & {"zoe", "angstrom", "europol"}
    # The audit trail is kept and says what happened; the check-in still counts.
    actions = list(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.event_id == event.id).order_by(AuditEntry.id)
        )
    )
    assert len(actions) == entries_before + 1 and actions[-1] == "personal_data_erased"
    assert (
        db.session.scalar(select(func.count()).select_from(Scan).where(Scan.event_id == event.id))
        == 1
    )
    assert db.session.scalar(select(Badge.revoked_at).where(Badge.event_id == event.id))
    assert db.session.get(type(event), event.id).personal_data_erased_at is not None
    # The person keeps their account and their other event.
    person = db.session.get(User, person.id)
    assert (person.name, person.is_active_account) == ("Zoë Ångström", True)
    assert db.session.get(Registration, kept.id).user_id == person.id

    assert "0 event(s) warned, 0 erased" in _run(runner, "2026-07-01")


def test_erasure_waits_for_the_warning_however_late_the_command_first_runs(
    past_event, runner, smtp_server
):
    # Years after the retention date, the first run only warns; erasure follows 30 days later.
    assert "1 event(s) warned, 0 erased" in _run(runner, "2030-01-10")
    assert "0 event(s) warned, 0 erased" in _run(runner, "2030-02-08")
    assert "0 event(s) warned, 1 erased" in _run(runner, "2030-02-09")


def test_warning_goes_to_administrators_when_the_event_has_no_organiser(app, runner, smtp_server):
    admin = make_user("admin@example.org", admin=True)
    make_event("lonely-2025", start=date(2025, 3, 3), days=1, retention_months=1)
    _run(runner, "2025-04-01")
    deliver_mail()
    assert len(smtp_server.messages_to(admin.email)) == 1


def test_running_and_upcoming_events_are_never_touched(app, runner):
    make_event("next-2031", start=date(2031, 5, 5))
    assert "0 event(s) warned, 0 erased" in _run(runner, "2031-05-05")


def test_past_edition_stays_readable_after_erasure(past_event, runner, client):
    _run(runner, "2030-01-10")
    _run(runner, "2030-03-01")
    page = client.get("/events/ceris-2025/")
    assert page.status_code == 200
    assert "Past edition" in page.get_data(as_text=True)
    agenda = client.get("/events/ceris-2025/agenda/")
    assert agenda.status_code == 200 and "Past edition" in agenda.get_data(as_text=True)
    assert client.get("/events/ceris-2025/agenda.json").status_code == 200
