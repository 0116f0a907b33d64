"""Delegations, quotas, NCPs and every state change of a nomination, with its refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from conference import permissions
from conference.badges import services as badge_services
from conference.db_types import utcnow
from conference.delegations import nominations, services
from conference.delegations.models import Delegation, Nomination
from conference.errors import DelegationError, InvitationInvalid, PermissionDenied, QuotaFull
from conference.extensions import db
from conference.registration import booking
from conference.registration.models import AuditEntry, Registration
from tests.badges.helpers import scan_at
from tests.delegations.helpers import invite, invite_and_accept, make_delegation, make_ncp
from tests.factories import make_attendee, make_open_event, make_session, make_staff, make_user
from tests.registration.helpers import deliver_mail, drain_mail

pytestmark = pytest.mark.usefixtures("app")


def _audit_actions(event) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.event_id == event.id, AuditEntry.action.like("nomination%"))
            .order_by(AuditEntry.id)
        )
    ) + list(
        db.session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.event_id == event.id, AuditEntry.action == "nominated"
            )
        )
    )


# --- Delegations and quotas -----------------------------------------------------------------


def test_create_delegation_refuses_a_second_with_the_same_name():
    event = make_open_event()
    make_delegation(event, "Belgium")
    with pytest.raises(DelegationError) as error:
        make_delegation(event, "Belgium")
    assert error.value.field == "name"
    db.session.rollback()


def test_create_delegation_of_a_country_needs_its_country():
    event = make_open_event()
    with pytest.raises(DelegationError, match="needs its country") as error:
        make_delegation(event, "Somewhere", country="")
    assert error.value.field == "country"
    db.session.rollback()
    agency = make_delegation(event, "Europol", country="", kind="eu_body")
    assert agency.kind_label == "EU institution, body or agency"


def test_only_organisers_create_delegations():
    event = make_open_event()
    stranger = make_user()
    with pytest.raises(PermissionDenied):
        services.create_delegation(event, services.DelegationDetails(name="X"), actor=stranger)
    organiser = make_staff(event, "organiser")
    created = services.create_delegation(
        event, services.DelegationDetails(name="Estonia", country="EE", quota=2), actor=organiser
    )
    assert (created.name, created.quota, created.accepted_count) == ("Estonia", 2, 0)


def test_quota_can_be_raised_and_lowered_down_to_the_accepted_count():
    event = make_open_event()
    delegation = make_delegation(event, quota=3)
    ncp = make_ncp(delegation)
    invite_and_accept(delegation, ncp, name="Ann One")
    invite_and_accept(delegation, ncp, name="Bob Two")
    services.set_quota(delegation, 5, actor=None)
    assert delegation.quota == 5
    services.set_quota(delegation, 2, actor=None)
    assert delegation.quota == 2
    db.session.commit()

    with pytest.raises(DelegationError) as error:
        services.set_quota(delegation, 1, actor=None)
    assert error.value.message.startswith("2 nominee(s) have already accepted")
    assert error.value.field == "quota"
    db.session.rollback()
    assert db.session.get(Delegation, delegation.id).quota == 2


# --- NCPs and what they may do ----------------------------------------------------------------


def test_an_ncp_manages_their_delegation_only_and_organisers_all():
    event = make_open_event()
    belgium, estonia = (
        make_delegation(event, "Belgium"),
        make_delegation(event, "Estonia", country="EE"),
    )
    ncp = make_ncp(belgium)
    organiser = make_staff(event, "organiser")
    assert permissions.can_manage_delegation(ncp, belgium)
    assert not permissions.can_manage_delegation(ncp, estonia)
    assert not permissions.can_manage_delegations(ncp, event)
    assert permissions.can_manage_delegation(organiser, estonia)
    with pytest.raises(PermissionDenied):
        nominations.nominate(estonia, "Eve", "eve@example.org", actor=ncp)
    db.session.rollback()


def test_removing_an_ncp_ends_their_access_and_keeps_their_nominations():
    event = make_open_event()
    delegation = make_delegation(event)
    ncp = make_ncp(delegation)
    nomination, _ = invite(delegation, ncp)
    assert services.remove_contact(delegation, ncp, actor=None)
    db.session.commit()
    assert not permissions.can_manage_delegation(ncp, delegation)
    assert db.session.get(Nomination, nomination.id).state == "invited"


# --- Nominating -------------------------------------------------------------------------------


def test_nominate_sends_an_invitation_locked_to_the_address(smtp_server):
    event = make_open_event(title="Flagship 2027")
    delegation = make_delegation(event, "Belgium")
    ncp = make_ncp(delegation, name="Ann Peeters")
    nomination, secret = invite(delegation, ncp, name="Eva Expert", email=" Eva@Example.ORG ")
    deliver_mail()
    assert (nomination.state, nomination.email) == ("invited", "eva@example.org")
    assert nomination.token_hash != secret and secret not in nomination.token_hash
    assert nomination.expires_at - nomination.nominated_at == timedelta(days=14)
    [mail] = smtp_server.messages_to("eva@example.org")
    text = smtp_server.text_of(mail)
    assert f"http://conference.test/invitations/{secret}" in text
    assert "Belgium nominates you" in text and "Ann Peeters" in text
    assert "cannot be passed on" in text
    assert "nominated" in _audit_actions(event)


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [("", "a@example.org", "name"), ("Eva", "not-an-address", "email")],
)
def test_nominate_refuses_malformed_details(name, email, field):
    delegation = make_delegation(make_open_event())
    ncp = make_ncp(delegation)
    with pytest.raises(DelegationError) as error:
        nominations.nominate(delegation, name, email, actor=ncp)
    assert error.value.field == field
    db.session.rollback()


def test_nominate_refuses_someone_already_nominated_at_the_event():
    event = make_open_event()
    belgium, estonia = (
        make_delegation(event, "Belgium"),
        make_delegation(event, "Estonia", country="EE"),
    )
    invite(belgium, make_ncp(belgium), email="eva@example.org")
    with pytest.raises(DelegationError, match="already nominated by your delegation"):
        nominations.nominate(belgium, "Eva", "EVA@example.org", actor=None)
    db.session.rollback()
    with pytest.raises(DelegationError, match="by another delegation"):
        nominations.nominate(estonia, "Eva", "eva@example.org", actor=None)
    db.session.rollback()


def test_nominate_refuses_once_the_quota_is_taken():
    delegation = make_delegation(make_open_event(), quota=1)
    ncp = make_ncp(delegation)
    invite_and_accept(delegation, ncp)
    with pytest.raises(QuotaFull, match="All 1 seat"):
        nominations.nominate(delegation, "Late Comer", "late@example.org", actor=ncp)
    db.session.rollback()


# --- Accepting --------------------------------------------------------------------------------


def test_accept_creates_an_approved_registration_verified_on_the_nomination(smtp_server):
    event = make_open_event(title="Flagship 2027")
    delegation = make_delegation(event, "Belgium")
    ncp = make_ncp(delegation, name="Ann Peeters", email="ncp@example.org")
    nomination, secret = invite(delegation, ncp, name="Eva Expert", email="eva@example.org")
    nominee = make_user("eva@example.org", name="Eva Expert", category="academia")
    drain_mail(smtp_server)
    places_before = event.approved_count

    registration = nominations.accept(secret, nominee, privacy_consent=True)
    db.session.commit()

    assert registration.status == "approved"
    assert registration.category == "member_state_expert"
    assert registration.category_verified
    assert registration.category_verified_by_id == ncp.id
    today = utcnow().date().isoformat()
    assert registration.category_verification_basis == (
        f"nominated by Belgium, NCP Ann Peeters, on {today}"
    )
    assert registration.country == "BE"
    assert db.session.get(Nomination, nomination.id).state == "accepted"
    assert db.session.get(Nomination, nomination.id).registration_id == registration.id
    assert db.session.get(Delegation, delegation.id).accepted_count == 1
    db.session.refresh(event)
    assert event.approved_count == places_before + 1
    assert "nomination_accepted" in _audit_actions(event)
    deliver_mail()
    assert "You accepted the nomination of Belgium" in smtp_server.text_of(
        smtp_server.messages_to("eva@example.org")[0]
    )
    assert "Eva Expert (eva@example.org) accepted" in smtp_server.text_of(
        smtp_server.messages_to("ncp@example.org")[0]
    )


def test_accept_upgrades_an_existing_pending_registration():
    event = make_open_event(mode="moderated")
    delegation = make_delegation(event)
    ncp = make_ncp(delegation)
    from tests.factories import register

    nominee = make_user("eva@example.org", name="Eva")
    pending = register(event, nominee, category="academia")
    assert pending.status == "pending"
    _, secret = invite(delegation, ncp, email="eva@example.org")
    registration = nominations.accept(secret, nominee, privacy_consent=True)
    db.session.commit()
    assert registration.id == pending.id
    assert (registration.status, registration.category) == ("approved", "member_state_expert")
    assert registration.category_verified


def test_accept_needs_the_privacy_consent():
    delegation = make_delegation(make_open_event())
    _, secret = invite(delegation, make_ncp(delegation), email="eva@example.org")
    nominee = make_user("eva@example.org")
    with pytest.raises(DelegationError) as error:
        nominations.accept(secret, nominee, privacy_consent=False)
    assert error.value.field == "privacy_consent"
    db.session.rollback()


def test_accept_refuses_when_the_quota_is_taken_meanwhile():
    delegation = make_delegation(make_open_event(), quota=1)
    ncp = make_ncp(delegation)
    _, first = invite(delegation, ncp, name="Ann One")
    _, second = invite(delegation, ncp, name="Bob Two")
    nominations.accept(
        first, make_user(f"ann.one.{delegation.id}@example.org"), privacy_consent=True
    )
    db.session.commit()
    with pytest.raises(QuotaFull, match="All seats of Belgium are taken"):
        nominations.accept(
            second, make_user(f"bob.two.{delegation.id}@example.org"), privacy_consent=True
        )
    db.session.rollback()
    assert db.session.get(Delegation, delegation.id).accepted_count == 1


# --- The invitation lock ----------------------------------------------------------------------


def test_invitation_refuses_another_address():
    delegation = make_delegation(make_open_event())
    _, secret = invite(delegation, make_ncp(delegation), email="eva@example.org")
    forwarded_to = make_user("colleague@example.org")
    with pytest.raises(InvitationInvalid, match="sent to another email address"):
        nominations.accept(secret, forwarded_to, privacy_consent=True)
    db.session.rollback()
    assert (
        db.session.scalar(select(Registration).where(Registration.user_id == forwarded_to.id))
        is None
    )


def test_invitation_refuses_an_unconfirmed_address():
    delegation = make_delegation(make_open_event())
    _, secret = invite(delegation, make_ncp(delegation), email="eva@example.org")
    unconfirmed = make_user("eva@example.org", verified=False)
    with pytest.raises(InvitationInvalid, match="Confirm your email address"):
        nominations.accept(secret, unconfirmed, privacy_consent=True)
    db.session.rollback()


def test_invitation_link_works_once():
    delegation = make_delegation(make_open_event())
    _, secret = invite(delegation, make_ncp(delegation), email="eva@example.org")
    nominee = make_user("eva@example.org")
    nominations.accept(secret, nominee, privacy_consent=True)
    db.session.commit()
    with pytest.raises(InvitationInvalid, match="already been used"):
        nominations.accept(secret, nominee, privacy_consent=True)
    db.session.rollback()
    assert db.session.get(Delegation, delegation.id).accepted_count == 1


def test_invitation_link_expires():
    delegation = make_delegation(make_open_event())
    _, secret = invite(delegation, make_ncp(delegation), email="eva@example.org")
    nominee = make_user("eva@example.org")
    later = utcnow() + timedelta(days=14, seconds=1)
    with pytest.raises(InvitationInvalid, match="has expired"):
        nominations.accept(secret, nominee, privacy_consent=True, now=later)
    db.session.rollback()


def test_invitation_link_is_dead_after_withdrawal():
    delegation = make_delegation(make_open_event())
    ncp = make_ncp(delegation)
    nomination, secret = invite(delegation, ncp, email="eva@example.org")
    nominations.withdraw(nomination, actor=ncp)
    db.session.commit()
    with pytest.raises(InvitationInvalid, match="withdrawn"):
        nominations.accept(secret, make_user("eva@example.org"), privacy_consent=True)
    db.session.rollback()


def test_a_resend_replaces_the_link():
    delegation = make_delegation(make_open_event())
    ncp = make_ncp(delegation)
    nomination, old = invite(delegation, ncp, email="eva@example.org")
    new = nominations.resend(nomination, actor=ncp)
    db.session.commit()
    nominee = make_user("eva@example.org")
    with pytest.raises(InvitationInvalid, match="not valid"):
        nominations.accept(old, nominee, privacy_consent=True)
    db.session.rollback()
    assert nominations.accept(new, nominee, privacy_consent=True).is_approved


# --- Declining, resending, withdrawing, expiring ----------------------------------------------


def test_decline_tells_the_ncp_and_a_resend_reopens_it(smtp_server):
    event = make_open_event()
    delegation = make_delegation(event)
    ncp = make_ncp(delegation, email="ncp@example.org")
    nomination, secret = invite(delegation, ncp, name="Eva Expert", email="eva@example.org")
    drain_mail(smtp_server)
    nominations.decline(secret)
    db.session.commit()
    assert db.session.get(Nomination, nomination.id).state == "declined"
    with pytest.raises(InvitationInvalid, match="You declined"):
        nominations.decline(secret)
    db.session.rollback()
    deliver_mail()
    assert "declined the nomination" in smtp_server.text_of(
        smtp_server.messages_to("ncp@example.org")[0]
    )
    nominations.resend(nomination, actor=ncp)
    db.session.commit()
    assert db.session.get(Nomination, nomination.id).state == "invited"
    assert _audit_actions(event).count("nomination_resent") == 1


def test_resend_refuses_an_accepted_or_withdrawn_nomination():
    delegation = make_delegation(make_open_event())
    ncp = make_ncp(delegation)
    nomination, _ = invite_and_accept(delegation, ncp)
    with pytest.raises(DelegationError, match="accepted cannot be sent again"):
        nominations.resend(nomination, actor=ncp)
    db.session.rollback()


def test_withdrawing_an_accepted_nominee_cancels_frees_seats_and_closes_the_door(smtp_server):
    event = make_open_event()
    session = make_session(event, capacity=1, restricted_to=["member_state_expert"])
    delegation = make_delegation(event, quota=1)
    ncp = make_ncp(delegation)
    nomination, registration = invite_and_accept(delegation, ncp, name="Eva Expert")
    booking.book_session(registration, session, actor=None)
    waiting = make_attendee(event, category="member_state_expert", verified=True)
    assert booking.book_session(waiting, session, actor=None).status == "waitlisted"
    badge = badge_services.ensure_badge(registration)
    db.session.commit()
    code = badge.token
    drain_mail(smtp_server)

    nominations.withdraw(nomination, actor=ncp)
    db.session.commit()

    db.session.expire_all()
    registration = db.session.get(Registration, registration.id)
    assert registration.status == "cancelled"
    assert not registration.category_verified
    assert registration.category_verification_basis.endswith(f"(withdrawn on {utcnow().date()})")
    assert db.session.get(Delegation, delegation.id).accepted_count == 0
    assert [b.status for b in db.session.get(Registration, waiting.id).bookings] == ["confirmed"]
    assert "nomination_withdrawn" in _audit_actions(event)
    deliver_mail()
    notice = smtp_server.text_of(smtp_server.messages_to(nomination.email)[0])
    assert "withdrew your nomination" in notice and "badge no longer opens any door" in notice
    refused = scan_at(event, code, make_staff(event, "door_staff"))
    assert (refused.result, refused.reason) == ("refused", "not_approved")


def test_withdraw_twice_is_refused():
    delegation = make_delegation(make_open_event())
    ncp = make_ncp(delegation)
    nomination, _ = invite(delegation, ncp)
    nominations.withdraw(nomination, actor=ncp)
    db.session.commit()
    with pytest.raises(DelegationError, match="already withdrawn"):
        nominations.withdraw(nomination, actor=ncp)
    db.session.rollback()


def test_expire_and_remind(smtp_server):
    event = make_open_event()
    delegation = make_delegation(event)
    ncp = make_ncp(delegation)
    soon, _ = invite(delegation, ncp, name="Ann Soon")
    gone, _ = invite(delegation, ncp, name="Bob Gone")
    now = utcnow()
    db.session.get(Nomination, soon.id).expires_at = now + timedelta(days=2)
    db.session.get(Nomination, gone.id).expires_at = now - timedelta(minutes=1)
    db.session.commit()
    drain_mail(smtp_server)

    assert nominations.expire_and_remind(now) == (1, 1)
    db.session.commit()
    assert nominations.expire_and_remind(now) == (0, 0)  # one reminder only

    assert db.session.get(Nomination, gone.id).state == "expired"
    assert db.session.get(Nomination, soon.id).state == "invited"
    deliver_mail()
    [reminder] = smtp_server.messages_to(soon.email)
    assert "expires on" in smtp_server.text_of(reminder)
    assert smtp_server.messages_to(gone.email) == []


def test_an_expired_verification_stops_counting():
    event = make_open_event()
    registration = make_attendee(event, category="member_state_expert", verified=True)
    session = make_session(event, restricted_to=["member_state_expert"])
    assert permissions.may_attend_session(registration, session)
    registration.category_verification_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not registration.category_verified
    assert not permissions.may_attend_session(registration, session)


def test_a_nominee_cancelling_frees_the_quota_seat():
    event = make_open_event()
    delegation = make_delegation(event, quota=1)
    ncp = make_ncp(delegation)
    nomination, registration = invite_and_accept(delegation, ncp)
    from conference.registration.services import cancel_registration

    cancel_registration(registration, actor=registration.user)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Delegation, delegation.id).accepted_count == 0
    assert db.session.get(Nomination, nomination.id).state == "declined"
    assert "nomination_cancelled" in _audit_actions(event)
    # The seat is free again: the NCP nominates someone else, who may accept.
    invite_and_accept(delegation, ncp, name="Second Choice")
    assert db.session.get(Delegation, delegation.id).accepted_count == 1
