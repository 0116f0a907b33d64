"""Every authorisation question, answered in one place.

Views, templates (through a context processor) and services ask these
predicates; ``require`` turns a "no" into 403, or 404 where the object's very
existence must stay secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from flask import abort, current_app, has_app_context
from sqlalchemy import select

from conference.extensions import db
from conference.markings import TLP

if TYPE_CHECKING:
    from conference.agenda.models import AgendaSession
    from conference.delegations.models import Delegation
    from conference.documents.models import SessionDocument
    from conference.events.models import Event
    from conference.registration.models import Registration


PERMISSION_CACHES = "permission_caches"


def _request_cache(name: str) -> dict:
    """A memo on the database session, which lives as long as the application context (one
    request, or one CLI command): services answer the same without a Flask request."""
    caches = db.session.info.setdefault(PERMISSION_CACHES, {})
    return caches.setdefault(name, {})


def is_authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


# --- Second factor (issue 18) -----------------------------------------------------------------
# A stolen password must not give a staff role: administrators and organisers (door staff when
# DOOR_STAFF_REQUIRE_SECOND_FACTOR is on) hold their role only once a second factor is set up.
# A logged-in session with TOTP on has passed it (the log-in asks for it, and setting it up
# ends every other session); a provider's trusted claim may stand in for it for one session.


def has_second_factor(user: Any) -> bool:
    """The account's own TOTP, or this session's second factor from the identity provider."""
    return bool(getattr(user, "has_totp", False)) or bool(
        getattr(user, "second_factor_from_provider", False)
    )


def has_second_factor_for(user: Any, event: Event) -> bool:
    """A second factor this event's staff roles accept: the account's own, or the identity
    provider's when the event's organisers trust it."""
    if getattr(user, "has_totp", False):
        return True
    return bool(getattr(user, "second_factor_from_provider", False)) and bool(
        event.trusts_provider_second_factor
    )


def role_needs_second_factor(role: str) -> bool:
    """Every staff role does, except door staff unless the setting says so."""
    from conference.events.models import StaffRole

    if role == StaffRole.DOOR_STAFF.value:
        return has_app_context() and bool(
            current_app.config.get("DOOR_STAFF_REQUIRE_SECOND_FACTOR", False)
        )
    return True


def is_staff_without_second_factor(user: Any) -> bool:
    """Holds a staff role (or site administration) that is unusable without a second factor."""
    if not is_authenticated(user) or getattr(user, "has_totp", False):
        return False
    from_provider = bool(getattr(user, "second_factor_from_provider", False))
    if getattr(user, "is_admin", False) and not from_provider:
        return True
    cache: dict[int, bool] = _request_cache("blocked_staff")
    if user.id not in cache:
        from conference.events.models import Event, EventStaff

        rows = db.session.execute(
            select(EventStaff.role, Event.trusts_provider_second_factor)
            .join(Event, Event.id == EventStaff.event_id)
            .where(EventStaff.user_id == user.id)
        )
        from conference.delegations.models import Delegation, DelegationContact

        contacts = db.session.execute(
            select(Event.trusts_provider_second_factor)
            .join(Delegation, Delegation.event_id == Event.id)
            .join(DelegationContact, DelegationContact.delegation_id == Delegation.id)
            .where(DelegationContact.user_id == user.id)
        )
        # A national contact point's role waits for the factor as the staff roles do.
        roles = [(role, trusted) for role, trusted in rows]
        roles += [("national_contact_point", trusted) for (trusted,) in contacts]
        cache[user.id] = any(
            (role == "national_contact_point" or role_needs_second_factor(role))
            and not (from_provider and trusted)
            for role, trusted in roles
        )
    return cache[user.id]


def holds_staff_role(user: Any) -> bool:
    """Administrator, or holder of any event role (their sessions end sooner)."""
    if not is_authenticated(user):
        return False
    if getattr(user, "is_admin", False):
        return True
    from conference.events.models import EventStaff

    return (
        db.session.scalar(select(EventStaff.id).where(EventStaff.user_id == user.id).limit(1))
        is not None
    )


def is_site_admin(user: Any) -> bool:
    """A site administrator (with a second factor) may do anything."""
    return (
        is_authenticated(user)
        and bool(getattr(user, "is_admin", False))
        and has_second_factor(user)
    )


def staff_roles(user: Any, event: Event) -> frozenset[str]:
    """The per-event roles the user holds and may use (cached for the request): a role that
    needs a second factor counts only once the account has one."""
    if not is_authenticated(user) or event.id is None:
        return frozenset()
    cache: dict[tuple[int, int], frozenset[str]] = _request_cache("staff_roles")
    key = (user.id, event.id)
    if key not in cache:
        from conference.events.models import EventStaff

        rows = db.session.scalars(
            select(EventStaff.role).where(
                EventStaff.event_id == event.id, EventStaff.user_id == user.id
            )
        )
        verified = has_second_factor_for(user, event)
        cache[key] = frozenset(r for r in rows if verified or not role_needs_second_factor(r))
    return cache[key]


def forget_cached_roles(user: Any) -> None:
    """Drop the role cache after roles change within the same request."""
    cache = _request_cache("staff_roles")
    for key in [k for k in cache if k[0] == getattr(user, "id", None)]:
        del cache[key]
    _request_cache("blocked_staff").pop(getattr(user, "id", None), None)


def is_organiser(user: Any, event: Event) -> bool:
    from conference.events.models import StaffRole

    return StaffRole.ORGANISER.value in staff_roles(user, event)


def is_door_staff(user: Any, event: Event) -> bool:
    from conference.events.models import StaffRole

    return StaffRole.DOOR_STAFF.value in staff_roles(user, event)


def is_event_staff(user: Any, event: Event) -> bool:
    """Organisers, door staff and administrators see everything of an event."""
    return is_site_admin(user) or bool(staff_roles(user, event))


def can_create_event(user: Any) -> bool:
    return is_site_admin(user)


def can_view_event(user: Any, event: Event) -> bool:
    """Published events are public; drafts are seen by their staff only."""
    return event.is_published or is_event_staff(user, event)


def can_manage_event(user: Any, event: Event) -> bool:
    """Edit the event, its agenda and registrations."""
    return is_site_admin(user) or is_organiser(user, event)


def can_clone_event(user: Any, event: Event) -> bool:
    """Start the next edition from this one (the clone is a new draft they organise)."""
    return can_manage_event(user, event)


def can_grant_role(user: Any, event: Event, role: str) -> bool:
    """Administrators grant any role; an event's organisers may add door staff."""
    from conference.events.models import StaffRole

    if is_site_admin(user):
        return True
    return role == StaffRole.DOOR_STAFF.value and is_organiser(user, event)


def can_scan(user: Any, event: Event) -> bool:
    """Check attendees in at the doors of the event."""
    return is_site_admin(user) or is_organiser(user, event) or is_door_staff(user, event)


def can_verify_categories(user: Any, event: Event) -> bool:
    return can_manage_event(user, event)


def can_access_admin(user: Any) -> bool:
    return is_site_admin(user)


def can_view_security_log(user: Any) -> bool:
    """Log-ins, failures and sensitive actions of every account: site administrators only."""
    return is_site_admin(user)


# --- Restricted sessions -------------------------------------------------------
# A restricted session admits only approved registrants whose category is on
# its list *and verified by an organiser*. Those who may not attend see a
# "listed" session as a generic closed block and a "hidden" one not at all.

SESSION_FULL = "full"
SESSION_CLOSED_BLOCK = "closed"
SESSION_INVISIBLE = "none"


def registration_for(user: Any, event: Event) -> Registration | None:
    """The user's registration for the event (cached on the user for the request)."""
    if not is_authenticated(user) or event.id is None:
        return None
    cache: dict[tuple[int, int], Any] = _request_cache("registrations")
    key = (user.id, event.id)
    if key not in cache:
        from conference.registration.models import Registration

        cache[key] = db.session.scalar(
            select(Registration).where(
                Registration.event_id == event.id, Registration.user_id == user.id
            )
        )
    return cache[key]


def forget_cached_registration(user: Any) -> None:
    cache = _request_cache("registrations")
    for key in [k for k in cache if k[0] == getattr(user, "id", None)]:
        del cache[key]


def is_verified_for(registration: Registration | None, categories: list[str]) -> bool:
    """Approved, with a verified category that is one of ``categories``."""
    return (
        registration is not None
        and registration.is_approved
        and registration.category_verified
        and registration.category in categories
    )


# --- Invitation-only sessions (issue 17) --------------------------------------------------------
# A restricted session may name delegations too: it admits the accepted nominees of any of them
# OR the verified holders of one of its categories ("in addition to"); a session with
# delegations and no categories admits those nominees only ("instead of").


def session_delegation_ids(session: AgendaSession) -> frozenset[int]:
    """The delegations a session admits (one query per event and request, none when none)."""
    if not getattr(session, "invitation_only", False) or session.id is None:
        return frozenset()
    cache: dict[int, dict[int, frozenset[int]]] = _request_cache("session_delegations")
    if session.event_id not in cache:
        from conference.agenda.models import AgendaSession, session_delegations

        links = session_delegations.c
        found: dict[int, set[int]] = {}
        for session_id, delegation_id in db.session.execute(
            select(links.session_id, links.delegation_id)
            .join(AgendaSession, AgendaSession.id == links.session_id)
            .where(AgendaSession.event_id == session.event_id)
        ):
            found.setdefault(session_id, set()).add(delegation_id)
        cache[session.event_id] = {k: frozenset(v) for k, v in found.items()}
    return cache[session.event_id].get(session.id, frozenset())


def forget_cached_session_delegations() -> None:
    """Drop the sessions' delegations after they change within the same request."""
    _request_cache("session_delegations").clear()


def delegation_of(registration: Registration | None) -> int | None:
    """The delegation an approved registration is an accepted nominee of, if any."""
    if registration is not None and registration.is_approved:
        return registration.delegation_id
    return None


def is_admitted(
    session: AgendaSession, *, verified_category: str | None, delegation_id: int | None
) -> bool:
    """The restriction rule itself: a listed category held verified, or a listed delegation."""
    if not session.is_restricted:
        return True
    if verified_category is not None and verified_category in (session.restricted_to or ()):
        return True
    return delegation_id is not None and delegation_id in session_delegation_ids(session)


def may_attend_session(registration: Registration | None, session: AgendaSession) -> bool:
    """Whether this registration's holder may be in the session at all (not capacity)."""
    if registration is None or not registration.is_approved:
        return False
    return is_admitted(
        session,
        verified_category=verified_category(registration),
        delegation_id=delegation_of(registration),
    )


def visibility_for(
    session: AgendaSession,
    *,
    staff: bool,
    verified_category: str | None,
    delegation_id: int | None = None,
) -> str:
    """The visibility rule itself, for a viewer described by staff status, verified category
    and delegation."""
    if staff or is_admitted(
        session, verified_category=verified_category, delegation_id=delegation_id
    ):
        return SESSION_FULL
    from conference.agenda.models import RestrictedVisibility

    if session.restricted_visibility == RestrictedVisibility.HIDDEN.value:
        return SESSION_INVISIBLE
    return SESSION_CLOSED_BLOCK


def verified_category(registration: Registration | None) -> str | None:
    """The category an approved registration holds verified, if any."""
    if registration is not None and registration.is_approved and registration.category_verified:
        return registration.category
    return None


def session_visibility(
    user: Any, session: AgendaSession, registration: Registration | None = None
) -> str:
    """How much of a session the user may see: full, a closed block, or nothing.

    Pass ``registration`` when the caller already has it (lists, feeds);
    otherwise it is looked up.
    """
    if not session.is_restricted:
        return SESSION_FULL
    if is_event_staff(user, session.event):
        return SESSION_FULL
    if registration is None:
        registration = registration_for(user, session.event)
    return visibility_for(
        session,
        staff=False,
        verified_category=verified_category(registration),
        delegation_id=delegation_of(registration),
    )


def can_view_session(user: Any, session: AgendaSession) -> bool:
    """Whether the session's own page exists for the user (hidden ones 404)."""
    return can_view_event(user, session.event) and (
        session_visibility(user, session) != SESSION_INVISIBLE
    )


def can_see_session_details(user: Any, session: AgendaSession) -> bool:
    """Title, abstract, speakers: only for those the restriction admits, and staff."""
    return session_visibility(user, session) == SESSION_FULL


# --- Badges and check-in (issue #6) ----------------------------------------------
# Scanners are people (can_scan) or device tokens an organiser issued for one
# event; the badge pages and the check-in log belong to the organisers.


def is_scan_device(actor: Any) -> bool:
    """A scanning device's token, not a person."""
    from conference.badges.models import ScanDevice

    return isinstance(actor, ScanDevice)


def can_see_session_at_door(actor: Any, session: AgendaSession) -> bool:
    """What a scanner's answer may name of a session door: a device sees what the public
    sees (it may be lent to anyone); a person what their permissions say."""
    return can_see_session_details(None if is_scan_device(actor) else actor, session)


def can_manage_badges(user: Any, event: Event) -> bool:
    """Print and reissue badges, rotate the event's keys, issue scanning devices."""
    return can_manage_event(user, event)


def can_view_checkins(user: Any, event: Event) -> bool:
    """Live counts, who is in, and the scan log with its refusals."""
    return can_manage_event(user, event)


def can_mail_registrants(user: Any, event: Event) -> bool:
    """Write to the event's registrants (filtered), through the outbox."""
    return can_manage_event(user, event)


def can_view_dashboard(user: Any, event: Event) -> bool:
    """The organisers' numbers of the day: registrations, backlog, arrivals, room fill."""
    return can_manage_event(user, event)


def can_use_device_token(device: Any, event: Event) -> bool:
    """A scanning device's token works for its own event only, until revoked."""
    return (
        device is not None
        and device.event_id == event.id
        and getattr(device, "revoked_at", None) is None
    )


def can_scan_as(actor: Any, event: Event) -> bool:
    """A person who may scan, or a live device token of this event."""
    from conference.badges.models import ScanDevice

    if isinstance(actor, ScanDevice):
        return can_use_device_token(actor, event)
    return can_scan(actor, event)


def can_download_badge(user: Any, event: Event) -> bool:
    """Attendees download their own badge once their registration is approved."""
    registration = registration_for(user, event)
    return registration is not None and registration.is_approved


# --- Registration, booking and moderation ---------------------------------------


def can_register(user: Any, event: Event) -> bool:
    """Signed-in people may register for a published event (the dates are a service rule)."""
    return is_authenticated(user) and event.is_published


def can_moderate_registrations(user: Any, event: Event) -> bool:
    """See registrants, approve or reject them, verify categories, read the audit log."""
    return can_manage_event(user, event) or can_verify_categories(user, event)


def can_book(registration: Registration | None, session: AgendaSession) -> bool:
    """An approved registration whose holder may be in the session (seats aside)."""
    return may_attend_session(registration, session) and not session.is_cancelled


def is_own_registration(user: Any, registration: Registration | None) -> bool:
    return (
        registration is not None
        and is_authenticated(user)
        and registration.user_id == getattr(user, "id", None)
    )


# --- Session documents (issue 19) -----------------------------------------------
# A document is seen only where its session is shown in full; then its TLP marking
# decides who may download it. The event's staff (organisers, door staff) may always.


def can_manage_documents(user: Any, event: Event) -> bool:
    """Upload documents and new versions, read who downloaded what."""
    return can_manage_event(user, event)


def can_see_session_documents(user: Any, session: AgendaSession) -> bool:
    """The session's documents exist for the user only where its details are shown."""
    return can_view_event(user, session.event) and can_see_session_details(user, session)


def is_checked_in_at(registration: Registration | None, session: AgendaSession) -> bool:
    """An accepted scan of this registration at the session's door."""
    if registration is None or registration.id is None:
        return False
    from conference.badges.models import Scan, ScanResult

    cache: dict[tuple[int, int], bool] = _request_cache("checked_in")
    key = (registration.id, session.id)
    if key not in cache:
        cache[key] = (
            db.session.scalar(
                select(Scan.id)
                .where(
                    Scan.session_id == session.id,
                    Scan.registration_id == registration.id,
                    Scan.result == ScanResult.ACCEPTED.value,
                )
                .limit(1)
            )
            is not None
        )
    return cache[key]


def can_download_document(user: Any, document: SessionDocument) -> bool:
    """FIRST TLP 2.0, applied to who is at the event and in the room.

    CLEAR: whoever may see the session; GREEN: approved attendees of the event; AMBER and
    AMBER+STRICT: attendees the session admits (verified category where it is restricted);
    RED: those of them checked in at the session's door.
    """
    session = document.session
    if not can_see_session_documents(user, session):
        return False
    if is_event_staff(user, session.event):
        return True
    marking = TLP(document.tlp)
    if marking == TLP.CLEAR:
        return True
    registration = registration_for(user, session.event)
    if marking == TLP.GREEN:
        return registration is not None and registration.is_approved
    if not may_attend_session(registration, session):
        return False
    if marking in (TLP.AMBER, TLP.AMBER_STRICT):
        return True
    return is_checked_in_at(registration, session)


# --- Delegations (issue 17) ----------------------------------------------------------------
# Organisers define delegations and appoint their national contact points (NCP); an NCP sees
# and acts on their own delegation only. Another delegation answers 404, like a missing one.


def is_delegation_contact(user: Any, delegation: Delegation) -> bool:
    """The user is a national contact point of this delegation (cached for the request)."""
    if not is_authenticated(user) or delegation.id is None:
        return False
    cache: dict[int, frozenset[int]] = _request_cache("delegation_contacts")
    if user.id not in cache:
        from conference.delegations.models import DelegationContact

        cache[user.id] = frozenset(
            db.session.scalars(
                select(DelegationContact.delegation_id).where(DelegationContact.user_id == user.id)
            )
        )
    return delegation.id in cache[user.id]


def forget_cached_delegation_contacts(user: Any) -> None:
    _request_cache("delegation_contacts").pop(getattr(user, "id", None), None)


def can_manage_delegations(user: Any, event: Event) -> bool:
    """Create delegations, set their quotas, appoint their NCPs, see every one of them."""
    return can_manage_event(user, event)


def can_manage_delegation(user: Any, delegation: Delegation) -> bool:
    """See the delegation's nominees and nominate, resend, withdraw: its NCPs and organisers.

    An NCP holds a list of vetted experts: like the staff roles, the role counts only once the
    account has a second factor (or the event accepts the identity provider's, issue 18).
    """
    if can_manage_delegations(user, delegation.event):
        return True
    return is_delegation_contact(user, delegation) and has_second_factor_for(user, delegation.event)


def deny(*, hide: bool = False) -> NoReturn:
    """403, or 404 when even saying "forbidden" would reveal that the object exists."""
    abort(404 if hide else 403)


def require(allowed: bool, *, hide: bool = False) -> None:
    """Stop the request unless ``allowed``."""
    if not allowed:
        deny(hide=hide)


TEMPLATE_PREDICATES = {
    name: obj
    for name, obj in list(globals().items())
    if callable(obj) and (name.startswith("can_") or name.startswith("is_"))
}
