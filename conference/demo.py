"""The demo: a flagship conference, two thematic events and one login per role.

Seeding is idempotent: running it again updates the same events and users.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from conference.accounts import services as accounts
from conference.accounts import two_factor
from conference.categories import StakeholderCategory
from conference.db_types import utcnow
from conference.events import services as events
from conference.events.models import Event, RegistrationMode, StaffRole
from conference.extensions import db
from conference.registration.moderation import enrol
from conference.workload.importer import import_event

DEMO_PASSWORD = "demo-password-2027"  # noqa: S105  (printed to the person running the demo)
# Staff roles need a second factor (issue 18): the demo administrator and organiser share this
# published TOTP secret; add it to an authenticator app, or `flask demo-codes` prints the codes.
DEMO_TOTP_SECRET = "CERISDEMOSTAFFTWOZEROTWOSEVENABC"  # noqa: S105

FLAGSHIP = "flagship-2027"
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


def _abstract(topic: str) -> str:
    return (
        f"How research organisations, funders and public authorities handle {topic}. "
        "Practitioners, policy makers and researchers compare approaches, good practices "
        "and next steps."
    )


def _flagship_document() -> dict:
    rooms = [
        {"id": "plenary", "name": "Plenary hall (Charlemagne)", "capacity": 400},
        {"id": "room-a", "name": "Room A (Schuman)", "capacity": 80},
        {"id": "room-b", "name": "Room B (Monnet)", "capacity": 40},
    ]
    tracks = [
        {"id": "interference", "name": "Foreign interference in research and innovation"},
        {"id": "export", "name": "Export control and dual-use research"},
        {"id": "infrastructure", "name": "Security of research infrastructures"},
    ]
    speakers = [
        {"id": "sp-1", "name": "Anna Novák", "country": "CZ", "organisation": "Charles University"},
        {
            "id": "sp-2",
            "name": "Pieter Jansen",
            "country": "NL",
            "organisation": "Dutch Research Council",
        },
        {
            "id": "sp-3",
            "name": "Sofia Rossi",
            "country": "IT",
            "organisation": "Ministry of University and Research",
        },
        {"id": "sp-4", "name": "Søren Nielsen", "country": "DK", "organisation": "Danish Police"},
        {
            "id": "sp-5",
            "name": "Chloé Dupont",
            "country": "FR",
            "organisation": "European Commission, DG HOME",
        },
        {
            "id": "sp-6",
            "name": "Mateusz Kowalski",
            "country": "PL",
            "organisation": "Border Guard Headquarters",
        },
    ]
    day = ["2027-03-23", "2027-03-24", "2027-03-25"]
    sessions = [
        (
            "opening",
            "Opening plenary: research security in a changing world",
            "Plenary",
            "interference",
            "plenary",
            day[0],
            "09:00",
            "10:30",
            ["sp-5", "sp-3"],
            [],
            None,
        ),
        (
            "due-diligence",
            "Due diligence for international partnerships",
            "Panel",
            "interference",
            "room-a",
            day[0],
            "11:00",
            "12:30",
            ["sp-1", "sp-2"],
            [],
            None,
        ),
        (
            "export-101",
            "Export control of dual-use research: a primer",
            "Workshop",
            "export",
            "room-b",
            day[0],
            "11:00",
            "12:30",
            ["sp-3"],
            [],
            None,
        ),
        (
            "threat-briefing",
            "Threat briefing on state actors targeting research",
            "Closed-door briefing",
            "interference",
            "room-b",
            day[0],
            "14:00",
            "15:30",
            ["sp-4"],
            ["member_state_expert"],
            "listed",
        ),
        (
            "infrastructure-cyber",
            "Cyber-security of research infrastructures",
            "Talk",
            "infrastructure",
            "room-a",
            day[1],
            "09:30",
            "10:15",
            ["sp-2"],
            [],
            None,
        ),
        (
            "border-tech",
            "Border management technologies: lessons learnt",
            "Panel",
            "infrastructure",
            "plenary",
            day[1],
            "11:00",
            "12:30",
            ["sp-6", "sp-4"],
            [],
            None,
        ),
        (
            "ms-coordination",
            "Member States' coordination meeting on knowledge security",
            "Closed-door briefing",
            "export",
            "room-b",
            day[1],
            "14:00",
            "16:00",
            ["sp-3"],
            ["member_state_expert"],
            "hidden",
        ),
        (
            "practitioners-lab",
            "Practitioners' lab: protecting public spaces",
            "Workshop",
            "infrastructure",
            "room-a",
            day[1],
            "14:00",
            "16:00",
            ["sp-6"],
            ["practitioner", "member_state_expert"],
            "listed",
        ),
        (
            "funding-safeguards",
            "Research funding safeguards: what funders ask for",
            "Talk",
            "interference",
            "room-a",
            day[2],
            "09:30",
            "10:30",
            ["sp-2"],
            [],
            None,
        ),
        (
            "universities-lab",
            "Knowledge security in universities: a hands-on workshop",
            "Workshop",
            "export",
            "room-b",
            day[2],
            "09:30",
            "10:45",
            ["sp-1", "sp-3"],
            [],
            None,
        ),
        (
            "closing",
            "Closing plenary and the road to 2029",
            "Plenary",
            None,
            "plenary",
            day[2],
            "11:00",
            "12:00",
            ["sp-5"],
            [],
            None,
        ),
    ]
    return {
        "event": {
            "slug": FLAGSHIP,
            "title": "European Flagship Conference on Research Security 2027",
            "kind": "flagship",
            "timezone": "Europe/Brussels",
            "venue": "Charlemagne building, Brussels",
            "description": (
                "The biennial European Flagship Conference on Research Security brings together "
                "policy makers, practitioners, researchers, industry and civil society to protect "
                "European research and innovation.\n\nSome sessions are reserved for vetted "
                "Member States' experts."
            ),
            "start": day[0],
            "days": 3,
            "published": True,
        },
        "rooms": rooms,
        "tracks": tracks,
        "speakers": speakers,
        "sessions": [
            {
                "id": sid,
                "title": title,
                "abstract": _abstract(title.lower()),
                "kind": kind,
                "track": track,
                "room": room,
                "start": f"{d}T{start}",
                "end": f"{d}T{end}",
                "speakers": spk,
                "restricted_to": restricted,
                "restricted_visibility": visibility,
                "capacity": 25 if sid == "export-101" else None,
            }
            for sid, title, kind, track, room, d, start, end, spk, restricted, visibility in sessions
        ],
    }


def _thematic_document(
    slug: str, title: str, venue: str, start: str, timezone: str, topic: str
) -> dict:
    return {
        "event": {
            "slug": slug,
            "title": title,
            "kind": "thematic",
            "timezone": timezone,
            "venue": venue,
            "description": f"A CERIS thematic event on {topic}.",
            "start": start,
            "days": 1,
            "published": True,
        },
        "rooms": [
            {"id": "main", "name": "Main room", "capacity": 120},
            {"id": "side", "name": "Side room", "capacity": 30},
        ],
        "tracks": [{"id": "main", "name": topic.capitalize()}],
        "speakers": [
            {"id": "chair", "name": "Elena Ionescu", "country": "RO", "organisation": "CERIS"}
        ],
        "sessions": [
            {
                "id": "intro",
                "title": f"Introduction: {topic}",
                "abstract": _abstract(topic),
                "kind": "Plenary",
                "track": "main",
                "room": "main",
                "start": f"{start}T09:30",
                "end": f"{start}T10:30",
                "speakers": ["chair"],
                "restricted_to": [],
                "restricted_visibility": None,
                "capacity": None,
            },
            {
                "id": "projects",
                "title": "EU-funded projects: results and uptake",
                "abstract": _abstract("project results"),
                "kind": "Panel",
                "track": "main",
                "room": "main",
                "start": f"{start}T11:00",
                "end": f"{start}T12:30",
                "speakers": ["chair"],
                "restricted_to": [],
                "restricted_visibility": None,
                "capacity": None,
            },
            {
                "id": "experts",
                "title": "Member State experts' round table",
                "abstract": _abstract("national needs"),
                "kind": "Closed-door briefing",
                "track": "main",
                "room": "side",
                "start": f"{start}T14:00",
                "end": f"{start}T15:30",
                "speakers": [],
                "restricted_to": ["member_state_expert"],
                "restricted_visibility": "listed",
                "capacity": None,
            },
        ],
    }


def _documents() -> list[dict]:
    return [
        _flagship_document(),
        _thematic_document(
            "ceris-border-2027",
            "CERIS thematic event: Border management and security",
            "Warsaw",
            "2027-05-18",
            "Europe/Warsaw",
            "border management",
        ),
        _thematic_document(
            "ceris-resilience-2027",
            "CERIS thematic event: Disaster-resilient societies",
            "Lisbon",
            "2027-02-09",
            "Europe/Lisbon",
            "disaster resilience",
        ),
    ]


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
    for document in _documents():
        import_event(document)
    all_events = {e.slug: e for e in db.session.scalars(select(Event))}
    for event in (all_events[d["event"]["slug"]] for d in _documents()):
        event.registration_opens_at = event.registration_opens_at or now - timedelta(days=1)
        event.registration_closes_at = datetime.combine(event.start_date, datetime.min.time(), UTC)
        event.registration_mode = (
            RegistrationMode.MODERATED.value
            if event.slug == FLAGSHIP
            else RegistrationMode.AUTOMATIC.value
        )
        event.capacity = 500 if event.slug == FLAGSHIP else 120
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
        if event.slug not in {d["event"]["slug"] for d in _documents()}:
            continue
        events.grant_role(event, organiser, StaffRole.ORGANISER.value, actor=None)
        events.grant_role(event, door, StaffRole.DOOR_STAFF.value, actor=None)
    _seed_editions(all_events, organiser, door)
    flagship = all_events[FLAGSHIP]
    enrol(
        flagship,
        expert,
        category=StakeholderCategory.MEMBER_STATE_EXPERT.value,
        verified=True,
        actor=organiser,
    )
    enrol(
        flagship,
        attendee,
        category=StakeholderCategory.ACADEMIA.value,
        verified=True,
        actor=organiser,
    )
    db.session.flush()
    return [
        DemoLogin("site administrator", admin.email, DEMO_PASSWORD, DEMO_TOTP_SECRET),
        DemoLogin("organiser (all demo events)", organiser.email, DEMO_PASSWORD, DEMO_TOTP_SECRET),
        DemoLogin("door staff (all demo events)", door.email, DEMO_PASSWORD),
        DemoLogin("attendee, verified Member State expert", expert.email, DEMO_PASSWORD),
        DemoLogin("attendee, academia", attendee.email, DEMO_PASSWORD),
    ]
