"""Nominations: an NCP invites an expert; the expert accepts (or declines) with that very address.

Callers own the transaction; locks follow ``services`` (event first, so every nomination step
of an event is serialised with its registrations). Every step is in the event's audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from conference import permissions
from conference.db_types import utcnow
from conference.delegations import notify, rules
from conference.delegations.models import Delegation, Nomination
from conference.delegations.rules import ACCEPTED, DECLINED, EXPIRED, INVITED, WITHDRAWN
from conference.delegations.services import (
    check_contact,
    claim_quota_seat,
    release_quota_seat,
)
from conference.errors import DelegationError, InvitationInvalid, QuotaFull
from conference.extensions import db
from conference.registration import audit, search, seats
from conference.registration.models import AuditEntry, Registration, RegistrationStatus
from conference.registration.services import cancel_registration, set_status
from conference.tasks.registry import background_task

APPROVED = RegistrationStatus.APPROVED.value
ACTIVE = (INVITED, ACCEPTED)


def _expiry(now: datetime) -> datetime:
    return now + timedelta(days=current_app.config["NOMINATION_EXPIRY_DAYS"])


def audit_step(nomination: Nomination, action: str, *, actor: Any, before: str | None, after: str):
    """One line in the event's audit log for a nomination step."""
    db.session.add(
        AuditEntry(
            event_id=nomination.event_id,
            registration_id=nomination.registration_id,
            action=action,
            from_state=before,
            to_state=after,
            actor_id=getattr(actor, "id", None),
            detail=f"{nomination.delegation.name}: {nomination.name} <{nomination.email}>",
        )
    )


def nominate(
    delegation: Delegation, name: str, email: str, *, actor: Any, now: datetime | None = None
) -> tuple[Nomination, str]:
    """Invite one expert; returns the nomination and the link's secret (mailed, never stored)."""
    check_contact(actor, delegation)
    now = now or utcnow()
    name, email = name.strip(), rules.normalise_email(email)
    if not name or len(name) > 200:
        raise DelegationError(_("Give the expert's full name."), field="name")
    if not rules.is_plausible_email(email):
        raise DelegationError(_("Give a valid email address."), field="email")
    seats.lock(delegation.event)
    db.session.refresh(delegation)
    if delegation.accepted_count >= delegation.quota:
        raise QuotaFull(
            _(
                "All %(quota)d seat(s) of the delegation are taken: "
                "withdraw a nomination or ask the organisers for a larger quota.",
                quota=delegation.quota,
            ),
            field="email",
        )
    taken = db.session.scalar(
        seats.fresh(
            select(Nomination).where(
                Nomination.event_id == delegation.event_id,
                Nomination.email == email,
                Nomination.state.in_(ACTIVE),
            )
        )
    )
    if taken is not None and taken.state_at(now) != EXPIRED:
        same = taken.delegation_id == delegation.id
        raise DelegationError(
            _("This person is already nominated by your delegation.")
            if same
            else _("This person is already nominated for this event by another delegation."),
            field="email",
        )
    secret, digest = rules.new_invitation_secret()
    nomination = Nomination(
        event_id=delegation.event_id,
        delegation_id=delegation.id,
        name=name,
        email=email,
        state=INVITED,
        token_hash=digest,
        expires_at=_expiry(now),
        nominated_by_id=getattr(actor, "id", None),
        nominated_at=now,
        sent_at=now,
    )
    db.session.add(nomination)
    db.session.flush()
    audit_step(nomination, "nominated", actor=actor, before=None, after=INVITED)
    notify.invitation(nomination, secret)
    return nomination, secret


def _lock_nomination(nomination: Nomination) -> Nomination:
    seats.lock(nomination.event)
    db.session.refresh(nomination)
    return nomination


def resend(nomination: Nomination, *, actor: Any, now: datetime | None = None) -> str:
    """A new link (the old one stops working) with a new expiry; also reopens a declined one."""
    check_contact(actor, nomination.delegation)
    now = now or utcnow()
    _lock_nomination(nomination)
    before = nomination.state_at(now)
    if before in (ACCEPTED, WITHDRAWN):
        raise DelegationError(
            _("A nomination that is accepted cannot be sent again.")
            if before == ACCEPTED
            else _("A nomination that is withdrawn cannot be sent again.")
        )
    secret, digest = rules.new_invitation_secret()
    nomination.state = INVITED
    nomination.token_hash = digest
    nomination.expires_at = _expiry(now)
    nomination.sent_at = now
    nomination.reminded_at = None
    nomination.responded_at = None
    db.session.flush()
    audit_step(nomination, "nomination_resent", actor=actor, before=before, after=INVITED)
    notify.invitation(nomination, secret)
    return secret


def withdraw(nomination: Nomination, *, actor: Any, now: datetime | None = None) -> None:
    """Withdraw a nomination; an accepted one loses its registration, seats and verification."""
    check_contact(actor, nomination.delegation)
    now = now or utcnow()
    _lock_nomination(nomination)
    before = nomination.state_at(now)
    if before == WITHDRAWN:
        raise DelegationError(_("This nomination is already withdrawn."))
    nomination.state = WITHDRAWN
    nomination.withdrawn_by_id = getattr(actor, "id", None)
    nomination.responded_at = nomination.responded_at or now
    registration = nomination.registration if before == ACCEPTED else None
    if before == ACCEPTED:
        release_quota_seat(nomination.delegation)
    if registration is not None:
        seats.lock(registration)
        if registration.is_active:
            # The system cancels (the NCP is no moderator); the NCP is named in the audit line.
            cancel_registration(registration, actor=None, notify_attendee=False)
        registration.category_verified_at = None
        registration.category_verified_by_id = None
        registration.delegation_id = None
        registration.category_verification_basis = (
            f"{registration.category_verification_basis} (withdrawn on {now.date().isoformat()})"
        ).strip()
    db.session.flush()
    audit_step(nomination, "nomination_withdrawn", actor=actor, before=before, after=WITHDRAWN)
    notify.withdrawn(nomination, was_accepted=before == ACCEPTED)


def find_invitation(secret: str) -> Nomination | None:
    """The nomination a link's secret belongs to, if any."""
    if not secret or len(secret) > 100:
        return None
    return db.session.scalar(
        select(Nomination).where(Nomination.token_hash == rules.hash_secret(secret))
    )


def check_usable(nomination: Nomination | None, now: datetime) -> Nomination:
    """The nomination if its link may still be answered, else InvitationInvalid saying why."""
    if nomination is None:
        raise InvitationInvalid(str(rules.UNKNOWN_INVITATION))
    state = nomination.state_at(now)
    if state != INVITED:
        raise InvitationInvalid(str(rules.UNUSABLE_INVITATION[state]))
    return nomination


def check_holder(nomination: Nomination, user: Any) -> None:
    """The lock on the address: the account must hold exactly the invited one, confirmed."""
    if not permissions.is_authenticated(user):
        raise InvitationInvalid(
            _("Log in (or sign up) with the address the invitation was sent to.")
        )
    if rules.normalise_email(user.email) != nomination.email:
        raise InvitationInvalid(
            _(
                "This invitation was sent to another email address. Log in with the address it "
                "was sent to; it cannot be passed on to someone else."
            )
        )
    if not user.email_verified:
        raise InvitationInvalid(_("Confirm your email address first (see the mail we sent you)."))


def accept(
    secret: str, user: Any, *, privacy_consent: bool, now: datetime | None = None
) -> Registration:
    """Accept an invitation: an approved registration, category verified on the nomination."""
    now = now or utcnow()
    nomination = check_usable(find_invitation(secret), now)
    check_holder(nomination, user)
    if not privacy_consent:
        raise DelegationError(
            _("You must agree to the privacy notice to accept."), field="privacy_consent"
        )
    delegation, event = nomination.delegation, nomination.event
    seats.lock(event)
    table = Nomination.__table__
    taken = db.session.execute(
        update(table)
        .where(table.c.id == nomination.id, table.c.state == INVITED, table.c.expires_at > now)
        .values(state=ACCEPTED, responded_at=now)
    )
    db.session.refresh(nomination)
    if taken.rowcount != 1:  # used, withdrawn or expired meanwhile
        check_usable(nomination, now)
        raise InvitationInvalid(str(rules.UNUSABLE_INVITATION[ACCEPTED]))
    if not claim_quota_seat(delegation):
        raise QuotaFull(
            _(
                "All seats of %(delegation)s are taken. Your national contact point can tell "
                "you whether one frees up.",
                delegation=delegation.name,
            )
        )
    registration = _approved_registration(nomination, user, now)
    nomination.registration_id = registration.id
    db.session.flush()
    audit_step(nomination, "nomination_accepted", actor=user, before=INVITED, after=ACCEPTED)
    permissions.forget_cached_registration(user)
    notify.accepted(nomination)
    return registration


def _approved_registration(nomination: Nomination, user: Any, now: datetime) -> Registration:
    """The nominee's registration, created or renewed, approved and verified on the nomination."""
    delegation, event = nomination.delegation, nomination.event
    registration = db.session.scalar(
        seats.fresh(
            select(Registration).where(
                Registration.event_id == event.id, Registration.user_id == user.id
            )
        )
    )
    if registration is not None:
        seats.lock(registration)
        if registration.status == RegistrationStatus.REJECTED.value:
            raise DelegationError(
                _("The organisers did not accept your registration for this event; contact them.")
            )
    else:
        registration = Registration(
            event_id=event.id,
            user_id=user.id,
            status="pending",
            category=delegation.category,
            organisation=user.organisation or delegation.name,
            country=delegation.country or user.country or "",
        )
        db.session.add(registration)
        db.session.flush()
        audit.record(registration, "registered", actor=user, to_state="pending")
    if registration.status != APPROVED:
        if not seats.claim_event_place(event):
            raise DelegationError(
                _(
                    "The event has no free place left. The organisers and your national contact "
                    "point have been told; try again once a place frees up."
                )
            )
        registration.waitlist_position = None
        registration.rejection_reason = ""
        set_status(registration, APPROVED, actor=user, action="approved", detail="nomination")
    ncp = nomination.nominated_by
    registration.category = delegation.category
    registration.category_verified_at = now
    registration.category_verified_by_id = nomination.nominated_by_id
    registration.category_verification_basis = rules.verification_basis(
        delegation.name, ncp.name if ncp is not None else "(no longer appointed)", now.date()
    )
    registration.category_verification_expires_at = None
    registration.delegation_id = delegation.id
    registration.privacy_consent_version = event.privacy_notice_version
    registration.privacy_consented_at = now
    registration.updated_at = now
    search.reindex_registration(registration)
    audit.record(
        registration,
        "category_verified",
        actor=ncp,
        detail=registration.category,
    )
    return registration


def decline(secret: str, *, now: datetime | None = None) -> Nomination:
    """The nominee says no (the link alone suffices); the NCP may send it again."""
    now = now or utcnow()
    nomination = check_usable(find_invitation(secret), now)
    _lock_nomination(nomination)
    check_usable(nomination, now)
    nomination.state = DECLINED
    nomination.responded_at = now
    db.session.flush()
    audit_step(nomination, "nomination_declined", actor=None, before=INVITED, after=DECLINED)
    notify.declined(nomination)
    return nomination


def expire_and_remind(now: datetime | None = None) -> tuple[int, int]:
    """Mark invitations past their expiry as expired, and remind those about to expire."""
    now = now or utcnow()
    remind_before = timedelta(days=current_app.config["NOMINATION_REMINDER_DAYS"])
    expired = reminded = 0
    due = db.session.scalars(
        select(Nomination).where(Nomination.state == INVITED).order_by(Nomination.id)
    ).all()
    for nomination in due:
        if nomination.expires_at <= now:
            nomination.state = EXPIRED
            audit_step(nomination, "nomination_expired", actor=None, before=INVITED, after=EXPIRED)
            expired += 1
        elif nomination.reminded_at is None and nomination.expires_at - now <= remind_before:
            nomination.reminded_at = now
            notify.reminder(nomination)
            reminded += 1
    db.session.flush()
    return expired, reminded


@background_task("delegations.expire_and_remind", every_minute=True)
def expire_and_remind_task() -> None:
    """The task: expire and remind, then commit (the mail task sends the reminders)."""
    expire_and_remind()
    db.session.commit()
