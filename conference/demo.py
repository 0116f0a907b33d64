"""The demo: a flagship conference, two thematic events and one login per role.

Seeding is idempotent: running it again updates the same events and users.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from conference.accounts import services as accounts
from conference.accounts import two_factor
from conference.categories import StakeholderCategory
from conference.db_types import utcnow
from conference.events import services as events
from conference.events.models import Event, RegistrationMode, StaffRole
from conference.extensions import db
from conference.registration.moderation import enrol
from conference.urls import external_url
from conference.workload.importer import import_event

DEMO_PASSWORD = "demo-password-2027"  # noqa: S105  (printed to the person running the demo)
# Staff roles need a second factor (issue 18): the demo administrator and organiser share this
# published TOTP secret; add it to an authenticator app, or `flask demo-codes` prints the codes.
DEMO_TOTP_SECRET = "CERISDEMOSTAFFTWOZEROTWOSEVENABC"  # noqa: S105

FLAGSHIP = "flagship-2027"
# The sample privacy notice the demo events link (static/demo/privacy-notice.html).
DEMO_NOTICE = "demo/privacy-notice.html"
# The previous edition, cloned from 2027's (two years earlier, same weekdays): a past
# edition with its programme still public.
PAST_FLAGSHIP = "flagship-2025"
SERIES = {
    "flagship-conference": "European Flagship Conference on Research Security",
    "ceris-thematic": "CERIS thematic events",
}


@dataclass
class DemoLogin:
    role: str
    email: str
    password: str
    totp_secret: str | None = None


# The demo's events, in the workload format (docs/formats.md), read by the same importer as
# any other event file.
DEMO_DATA = Path(__file__).with_name("demo_data")
DEMO_EVENT_FILES = ("flagship-2027.json", "ceris-border-2027.json", "ceris-resilience-2027.json")


def _documents() -> list[dict]:
    return [json.loads((DEMO_DATA / name).read_text(encoding="utf-8")) for name in DEMO_EVENT_FILES]


def _ensure_user(
    email: str,
    name: str,
    *,
    admin: bool = False,
    organisation: str = "",
    country: str = "",
    category: str | None = None,
):
    user = accounts.get_user_by_email(email)
    if user is None:
        user = accounts.create_user(
            email,
            name,
            DEMO_PASSWORD,
            organisation=organisation,
            country=country,
            claimed_category=category,
            is_admin=admin,
            email_verified=True,
        )
    return user


def _seed_editions(all_events: dict[str, Event], organiser, door) -> None:
    """Put the demo events in their series and add the past 2025 flagship edition, once."""
    from conference.editions.cloning import CloneRequest, clone_event
    from conference.editions.series import create_series, get_series, set_series

    series = {
        slug: get_series(slug) or create_series(slug, title, actor=None)
        for slug, title in SERIES.items()
    }
    for event in all_events.values():
        if event.slug in {d["event"]["slug"] for d in _documents()}:
            kind = "flagship-conference" if event.slug == FLAGSHIP else "ceris-thematic"
            set_series(event, series[kind], actor=None)
    if PAST_FLAGSHIP not in all_events:
        request = CloneRequest(slug=PAST_FLAGSHIP, start_date=date(2025, 3, 25))
        past = clone_event(all_events[FLAGSHIP], request, actor=None).event
        past.description = "The 2025 edition: its programme stays online."
        events.set_published(past, True, actor=None)
        events.grant_role(past, organiser, StaffRole.ORGANISER.value, actor=None)
        events.grant_role(past, door, StaffRole.DOOR_STAFF.value, actor=None)
        all_events[PAST_FLAGSHIP] = past


# Two delegations to the flagship, an NCP login each, and nominees in different states.
DEMO_DELEGATIONS = (
    ("Belgium", "BE", 4, "ncp-be@demo.ceris.eu", "Nele NCP (Belgium)"),
    ("Estonia", "EE", 2, "ncp-ee@demo.ceris.eu", "Kalle NCP (Estonia)"),
)
DEMO_NOMINEES = {
    "Belgium": (
        ("Bram Peeters", "bram.peeters@demo.ceris.eu", "accepted"),
        ("Lotte Janssens", "lotte.janssens@demo.ceris.eu", "invited"),
        ("Jan Maes", "jan.maes@demo.ceris.eu", "declined"),
    ),
    "Estonia": (
        ("Mari Tamm", "mari.tamm@demo.ceris.eu", "invited"),
        ("Jaan Kask", "jaan.kask@demo.ceris.eu", "withdrawn"),
    ),
}


def _seed_delegations(flagship: Event) -> list[DemoLogin]:
    """Delegations with NCPs and nominees, once (a second run leaves them as they are)."""
    from conference.delegations import nominations
    from conference.delegations import services as delegations

    logins = []
    for name, country, quota, email, ncp_name in DEMO_DELEGATIONS:
        ncp = _ensure_user(email, ncp_name, organisation=f"Ministry ({name})", country=country)
        if not ncp.has_totp:  # the NCP role waits for a second factor, as staff roles do
            two_factor.enable_totp_with_secret(ncp, DEMO_TOTP_SECRET)
        logins.append(
            DemoLogin(
                f"national contact point, {name} (flagship)", email, DEMO_PASSWORD, DEMO_TOTP_SECRET
            )
        )
        if delegations.find_delegation_by_name(flagship, name) is not None:
            continue
        delegation = delegations.create_delegation(
            flagship,
            delegations.DelegationDetails(name=name, country=country, quota=quota),
            actor=None,
        )
        delegations.appoint_contact(delegation, ncp, actor=None)
        for person, address, state in DEMO_NOMINEES[name]:
            nomination, secret = nominations.nominate(delegation, person, address, actor=ncp)
            if state == "accepted":
                nominee = _ensure_user(address, person, organisation=f"Ministry ({name})")
                nominations.accept(secret, nominee, privacy_consent=True)
            elif state == "declined":
                nominations.decline(secret)
            elif state == "withdrawn":
                nominations.withdraw(nomination, actor=ncp)
    return logins


DELEGATION_SESSION = "demo-belgian-delegation-briefing"


def _seed_delegation_session(flagship: Event) -> None:
    """A hidden session open to the Belgian delegation's accepted nominees only (issue 17)."""
    from conference.agenda.models import AgendaSession, Room, SessionKind
    from conference.agenda.services import SessionFields, create_session
    from conference.delegations import services as delegations
    from conference.localtime import to_instant

    belgium = delegations.find_delegation_by_name(flagship, "Belgium")
    exists = db.session.scalar(
        select(AgendaSession.id).where(
            AgendaSession.event_id == flagship.id, AgendaSession.external_id == DELEGATION_SESSION
        )
    )
    room = db.session.scalar(
        select(Room).where(Room.event_id == flagship.id).order_by(Room.capacity, Room.id).limit(1)
    )
    if belgium is None or exists is not None or room is None:
        return
    starts = to_instant(datetime.combine(flagship.start_date, time(18, 0)), flagship.tz)
    create_session(
        flagship,
        SessionFields(
            title="Belgian delegation: coordination briefing",
            abstract="The Belgian experts agree their positions for the plenary "
            "(invitation only: the delegation's accepted nominees).",
            kind=SessionKind.CLOSED_DOOR_BRIEFING.value,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=45),
            room_id=room.id,
            restricted_delegations=[belgium.id],
            restricted_visibility="hidden",
        ),
        external_id=DELEGATION_SESSION,
    )


def demo_staff_codes() -> list[tuple[str, str]]:
    """(email, current code) of the demo accounts that share the published TOTP secret."""
    from conference.accounts.models import User

    staff = db.session.scalars(
        select(User).where(User.totp_secret == DEMO_TOTP_SECRET).order_by(User.email)
    )
    return [(user.email, two_factor.current_code(user)) for user in staff]


def seed_demo() -> list[DemoLogin]:
    """Create or refresh the demo events and users; returns the logins to print."""
    now = utcnow()
    documents = _documents()
    for document in documents:
        import_event(document)
    demo_slugs = {d["event"]["slug"] for d in documents}
    all_events = {e.slug: e for e in db.session.scalars(select(Event))}
    for event in (all_events[slug] for slug in demo_slugs):
        event.registration_opens_at = event.registration_opens_at or now - timedelta(days=1)
        event.registration_closes_at = datetime.combine(event.start_date, datetime.min.time(), UTC)
        event.registration_mode = (
            RegistrationMode.MODERATED.value
            if event.slug == FLAGSHIP
            else RegistrationMode.AUTOMATIC.value
        )
        event.capacity = 500 if event.slug == FLAGSHIP else 120
        # The registration form points to the notice: the demo's own sample, at this server.
        if not event.privacy_notice_url or event.privacy_notice_url.endswith(DEMO_NOTICE):
            event.privacy_notice_url = external_url("static", filename=DEMO_NOTICE)
    admin = _ensure_user(
        "admin@demo.ceris.eu",
        "Ada Admin",
        admin=True,
        organisation="CERIS secretariat",
        country="BE",
    )
    organiser = _ensure_user(
        "organiser@demo.ceris.eu",
        "Olga Organiser",
        organisation="European Commission",
        country="BE",
    )
    door = _ensure_user(
        "door@demo.ceris.eu", "Dario Door", organisation="Venue security", country="BE"
    )
    expert = _ensure_user(
        "expert@demo.ceris.eu",
        "Eva Expert",
        organisation="Ministry of the Interior",
        country="AT",
        category=StakeholderCategory.MEMBER_STATE_EXPERT.value,
    )
    attendee = _ensure_user(
        "attendee@demo.ceris.eu",
        "Arno Attendee",
        organisation="University of Tartu",
        country="EE",
        category=StakeholderCategory.ACADEMIA.value,
    )
    for staff in (admin, organiser):
        two_factor.enable_totp_with_secret(staff, DEMO_TOTP_SECRET)
    for event in all_events.values():
        if event.slug not in demo_slugs:
            continue
        events.grant_role(event, organiser, StaffRole.ORGANISER.value, actor=None)
        events.grant_role(event, door, StaffRole.DOOR_STAFF.value, actor=None)
    _seed_editions(all_events, organiser, door)
    flagship = all_events[FLAGSHIP]
    for person, category in (
        (expert, StakeholderCategory.MEMBER_STATE_EXPERT.value),
        (attendee, StakeholderCategory.ACADEMIA.value),
    ):
        registration = enrol(flagship, person, category=category, verified=True, actor=organiser)
        if registration.privacy_consent_version is None:
            # The demo's attendees registered themselves, as it were: they agreed to the notice.
            registration.privacy_consent_version = flagship.privacy_notice_version
            registration.privacy_consented_at = now
    ncp_logins = _seed_delegations(flagship)
    _seed_delegation_session(flagship)
    db.session.flush()
    return [
        DemoLogin("site administrator", admin.email, DEMO_PASSWORD, DEMO_TOTP_SECRET),
        DemoLogin("organiser (all demo events)", organiser.email, DEMO_PASSWORD, DEMO_TOTP_SECRET),
        DemoLogin("door staff (all demo events)", door.email, DEMO_PASSWORD),
        DemoLogin("attendee, verified Member State expert", expert.email, DEMO_PASSWORD),
        DemoLogin("attendee, academia", attendee.email, DEMO_PASSWORD),
        *ncp_logins,
    ]
