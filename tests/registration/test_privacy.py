"""Data export and account deletion."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from conference.accounts.models import User
from conference.accounts.services import authenticate
from conference.events.models import EventStaff
from conference.extensions import db
from conference.mail.models import OutboxMessage
from conference.registration import booking as bookings
from conference.registration import moderation
from conference.registration.models import AuditEntry, Registration
from tests.factories import (
    PASSWORD,
    make_attendee,
    make_open_event,
    make_session,
    make_staff,
    make_user,
    register,
)
from tests.registration.helpers import assert_counters_match_rows, deliver_mail, drain_mail

pytestmark = pytest.mark.usefixtures("app")


def test_data_export_holds_everything_about_the_person_and_nothing_restricted(login):
    event = make_open_event(privacy_notice_version="v7")
    organiser = make_staff(event, "organiser", name="Olga Organiser")
    user = make_user("eva@example.org", name="Eva Example")
    registration = register(event, user, category="member_state_expert")
    registration.accessibility_needs = "Hearing loop"
    registration.dietary_needs = "Halal"
    db.session.commit()
    open_session = make_session(event, title="Open plenary")
    secret = make_session(event, title="Secret briefing", restricted_to=["member_state_expert"])
    bookings.book_session(registration, open_session, actor=user)
    moderation.verify_category(registration, actor=organiser)
    bookings.book_session(
        registration,
        make_session(event, title="Seen later", starts_at=open_session.ends_at),
        actor=user,
    )
    db.session.commit()

    response = login(user).get("/account/data-export")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == "eva@example.org"
    assert data["account"]["name"] == "Eva Example"
    [reg] = data["registrations"]
    assert reg["event"]["slug"] == event.slug
    assert reg["status"] == "approved" and reg["stakeholder_category"] == "member_state_expert"
    assert reg["category_verified"] is True
    assert (reg["accessibility_needs"], reg["dietary_needs"]) == ("Hearing loop", "Halal")
    assert reg["privacy_notice_version"] == "v7" and reg["privacy_consented_at"]
    assert reg["mailing_list_opt_in"] is False
    assert {b["session"] for b in reg["bookings"]} == {"Open plenary", "Seen later"}
    actions = [h["action"] for h in reg["history"]]
    assert actions[:2] == ["Registered", "Approved"] and "Category verified" in actions
    assert {h["by"] for h in reg["history"]} == {"you", "system", "event organiser"}
    assert "Olga Organiser" not in response.get_data(as_text=True)  # other people's data stays out
    assert secret.title not in response.get_data(as_text=True)
    assert data["emails_sent_to_you"][0]["subject"].startswith("You are registered")


def test_data_export_needs_a_login(client):
    response = client.get("/account/data-export")

    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_account_deletion_erases_the_person_and_frees_seats(login, smtp_server):
    event = make_open_event(capacity=1)
    organiser = make_staff(event, "organiser")
    session = make_session(event, capacity=1)
    user = make_user("gone@example.org", name="Gina Gone")
    registration = register(event, user)
    registration.accessibility_needs = "Wheelchair"
    db.session.commit()
    bookings.book_session(registration, session, actor=user)
    waiting_registration = register(event, make_user("next@example.org"))  # event full
    moderation.verify_category(registration, actor=organiser)
    db.session.commit()
    waiting_reg_id = waiting_registration.id
    drain_mail(smtp_server)
    by_category_before = db.session.scalar(
        select(func.count()).select_from(Registration).where(Registration.category == "academia")
    )
    client = login(user)

    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})

    assert response.status_code == 302
    deliver_mail()
    db.session.expire_all()
    gone = db.session.get(User, user.id)
    assert gone.name == "Deleted user" and gone.email == f"deleted-{user.id}@invalid"
    assert gone.password_hash is None and not gone.is_active
    assert authenticate("gone@example.org", PASSWORD) is None
    kept = db.session.get(Registration, registration.id)
    assert kept.status == "cancelled" and kept.category == "academia"
    assert (kept.organisation, kept.job_title, kept.accessibility_needs) == ("", "", "")
    assert db.session.get(Registration, waiting_reg_id).status == "approved"
    assert smtp_server.messages_to("gone@example.org") == []
    assert len(smtp_server.messages_to("next@example.org")) == 1
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.recipient == "gone@example.org")
        )
        == 0
    )
    # Totals and the audit trail stay: the registration still counts, history still resolves.
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.category == "academia")
        )
        == by_category_before
    )
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.registration_id == registration.id)
        .order_by(AuditEntry.id)
    ).all()
    assert [e.action for e in entries][-3:] == ["cancelled", "unbooked", "account_deleted"]
    assert entries[0].actor.name == "Deleted user"
    audit = login(organiser).get(f"/events/{event.slug}/manage/audit").get_data(as_text=True)
    assert "Deleted user" in audit and "Gina Gone" not in audit and "gone@example.org" not in audit
    assert_counters_match_rows(event)
    # The old session no longer logs anyone in.
    assert client.get("/account/profile").status_code == 302


def test_account_deletion_removes_staff_roles():
    event = make_open_event()
    organiser = make_staff(event, "organiser")
    from conference.registration.privacy import delete_account

    delete_account(organiser)
    db.session.commit()

    assert db.session.scalar(select(func.count()).select_from(EventStaff)) == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"password": "wrong password!", "confirm": "y"},
            "password",
            "The password is not correct.",
        ),
        ({"password": PASSWORD}, "confirm", "Tick the box to confirm."),
        ({"confirm": "y"}, "password", "Enter your password to confirm."),
    ],
)
def test_account_deletion_needs_the_password_and_the_box(login, data, field, message):
    user = make_user("keep@example.org")
    registration = make_attendee(make_open_event())
    registration.user_id = user.id
    db.session.commit()

    response = login(user).post("/account/delete", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page[page.index(f'id="{field}-error"') :]
    assert message in error[: error.index("</p>")]
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "keep@example.org"
    assert db.session.get(Registration, registration.id).status == "approved"
