"""Delegations, their quotas and their national contact points (NCP).

Callers own the transaction: these functions add and flush, the view or command commits.
Locks: event -> delegation -> nomination -> registration -> sessions (see registration.seats).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from conference import permissions
from conference.accounts.models import User
from conference.categories import StakeholderCategory
from conference.countries import is_country_code
from conference.delegations import rules
from conference.delegations.models import Delegation, DelegationContact, DelegationKind
from conference.errors import DelegationError, PermissionDenied
from conference.events.models import Event
from conference.extensions import db


@dataclass
class DelegationDetails:
    """The editable fields of a delegation."""

    name: str
    kind: str = DelegationKind.MEMBER_STATE.value
    country: str = ""
    category: str = StakeholderCategory.MEMBER_STATE_EXPERT.value
    quota: int = 0


def check_organiser(actor: Any, event: Event) -> None:
    if actor is not None and not permissions.can_manage_delegations(actor, event):
        raise PermissionDenied(_("Only the event's organisers manage delegations."))


def check_contact(actor: Any, delegation: Delegation) -> None:
    if actor is not None and not permissions.can_manage_delegation(actor, delegation):
        raise PermissionDenied(_("Only this delegation's contact points and the organisers may."))


def validate_details(event: Event, details: DelegationDetails, existing: Delegation | None) -> None:
    """Raise DelegationError naming the field when the details cannot make a delegation."""
    name = details.name.strip()
    if not name or len(name) > 120:
        raise DelegationError(
            _("Give the delegation a name (at most 120 characters)."), field="name"
        )
    if details.kind not in {k.value for k in DelegationKind}:
        raise DelegationError(_("Choose the kind of delegation."), field="kind")
    if details.country and not is_country_code(details.country):
        raise DelegationError(_("Choose a country from the list, or none."), field="country")
    if details.kind != DelegationKind.EU_BODY.value and not details.country:
        raise DelegationError(_("A country's delegation needs its country."), field="country")
    if details.category not in {c.value for c in StakeholderCategory}:
        raise DelegationError(_("Choose the category its nominees hold."), field="category")
    if not 0 <= details.quota <= rules.MAX_QUOTA:
        raise DelegationError(
            _("The quota is between 0 and %(max)d.", max=rules.MAX_QUOTA), field="quota"
        )
    other = db.session.scalar(
        select(Delegation).where(Delegation.event_id == event.id, Delegation.name == name)
    )
    if other is not None and other is not existing:
        raise DelegationError(_("Another delegation of this event has this name."), field="name")


def create_delegation(event: Event, details: DelegationDetails, *, actor: Any) -> Delegation:
    """Add a delegation to the event with its seat quota."""
    check_organiser(actor, event)
    validate_details(event, details, None)
    delegation = Delegation(
        event_id=event.id,
        name=details.name.strip(),
        kind=details.kind,
        country=details.country.upper(),
        category=details.category,
        quota=details.quota,
        accepted_count=0,
    )
    db.session.add(delegation)
    db.session.flush()
    return delegation


def update_delegation(delegation: Delegation, details: DelegationDetails, *, actor: Any) -> None:
    """Change a delegation's name, kind, country, category and quota."""
    check_organiser(actor, delegation.event)
    validate_details(delegation.event, details, delegation)
    set_quota(delegation, details.quota, actor=actor)
    delegation.name = details.name.strip()
    delegation.kind = details.kind
    delegation.country = details.country.upper()
    delegation.category = details.category
    db.session.flush()


def set_quota(delegation: Delegation, quota: int, *, actor: Any) -> None:
    """Raise or lower the quota; never below the nominees who already accepted.

    One conditional UPDATE, so an acceptance racing with the change cannot slip under it.
    """
    check_organiser(actor, delegation.event)
    if not 0 <= quota <= rules.MAX_QUOTA:
        raise DelegationError(
            _("The quota is between 0 and %(max)d.", max=rules.MAX_QUOTA), field="quota"
        )
    table = Delegation.__table__
    result = db.session.execute(
        update(table)
        .where(table.c.id == delegation.id, table.c.accepted_count <= quota)
        .values(quota=quota)
    )
    db.session.refresh(delegation)
    if result.rowcount != 1:
        raise DelegationError(
            rules.quota_too_low_message(quota, delegation.accepted_count), field="quota"
        )


def claim_quota_seat(delegation: Delegation) -> bool:
    """Take one of the delegation's seats if one is free; False when its quota is reached."""
    table = Delegation.__table__
    result = db.session.execute(
        update(table)
        .where(table.c.id == delegation.id, table.c.accepted_count < table.c.quota)
        .values(accepted_count=table.c.accepted_count + 1)
    )
    db.session.expire(delegation, ["accepted_count"])
    return result.rowcount == 1


def release_quota_seat(delegation: Delegation) -> None:
    """Give one seat back to the delegation."""
    table = Delegation.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == delegation.id, table.c.accepted_count > 0)
        .values(accepted_count=table.c.accepted_count - 1)
    )
    db.session.expire(delegation, ["accepted_count"])


def appoint_contact(delegation: Delegation, user: User, *, actor: Any) -> DelegationContact:
    """Make ``user`` a national contact point of the delegation; appointing twice changes nothing."""
    check_organiser(actor, delegation.event)
    existing = db.session.scalar(
        select(DelegationContact).where(
            DelegationContact.delegation_id == delegation.id, DelegationContact.user_id == user.id
        )
    )
    if existing is not None:
        return existing
    contact = DelegationContact(
        delegation_id=delegation.id, user_id=user.id, granted_by_id=getattr(actor, "id", None)
    )
    db.session.add(contact)
    db.session.flush()
    permissions.forget_cached_delegation_contacts(user)
    return contact


def find_contact(delegation: Delegation, user: User) -> DelegationContact | None:
    """``user``'s NCP role for ``delegation``, if they hold it."""
    return db.session.scalar(
        select(DelegationContact).where(
            DelegationContact.delegation_id == delegation.id, DelegationContact.user_id == user.id
        )
    )


def remove_contact(delegation: Delegation, user: User, *, actor: Any) -> bool:
    """Take the NCP role away; returns whether there was one. Their nominations stay."""
    check_organiser(actor, delegation.event)
    contact = find_contact(delegation, user)
    if contact is None:
        return False
    db.session.delete(contact)
    db.session.flush()
    permissions.forget_cached_delegation_contacts(user)
    return True


def get_delegation(event: Event, delegation_id: int) -> Delegation | None:
    """The delegation if it belongs to the event."""
    return db.session.scalar(
        select(Delegation).where(Delegation.id == delegation_id, Delegation.event_id == event.id)
    )


def find_delegation_by_name(event: Event, name: str) -> Delegation | None:
    return db.session.scalar(
        select(Delegation).where(Delegation.event_id == event.id, Delegation.name == name.strip())
    )
