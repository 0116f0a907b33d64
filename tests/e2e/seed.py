"""What the journeys start from: the demo (`flask demo`) plus a few attendees with badges."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from conference import create_app
from conference.accounts.services import create_user, get_user_by_email
from conference.agenda.models import AgendaSession
from conference.badges.services import (
    create_device,
    ensure_badge,
    issue_missing_badges,
    revoke_badge,
)
from conference.demo import DEMO_PASSWORD, FLAGSHIP, seed_demo
from conference.events.models import Event
from conference.extensions import db
from conference.registration.moderation import enrol
from tests.e2e.server import SECRET_KEY

ORGANISER = "organiser@demo.ceris.eu"
DOOR = "door@demo.ceris.eu"
ADMIN = "admin@demo.ceris.eu"
EXPERT = "expert@demo.ceris.eu"
ACADEMIC = "attendee@demo.ceris.eu"
PASSWORD = DEMO_PASSWORD

# People at the door (journey 3): name, email, category; badges issued, one revoked.
DOOR_PEOPLE = {
    "camera": ("Camille Camera", "camille@e2e.example.org", "policy_maker"),
    "revoked": ("Rui Revoked", "rui@e2e.example.org", "industry"),
    "typed": ("Tadeusz Typed", "tadeusz@e2e.example.org", "academia"),
    "offline": ("Olga Offline", "olga@e2e.example.org", "civil_society"),
    "online": ("Otto Online", "otto@e2e.example.org", "academia"),
    "number": ("Nina Number", "nina@e2e.example.org", "practitioner"),
    "greek": ("Ελένη Παπαδοπούλου", "eleni.papadopoulou@police.e2e.gr", "practitioner"),
    "reentry": ("Rita Returns", "rita@e2e.example.org", "policy_maker"),
}


@dataclass
class Seeded:
    """Facts the journeys need about the seeded data."""

    badge_tokens: dict[str, str] = field(default_factory=dict)
    # The numbers printed on the badges ("Badge 57QEG2PI").
    badge_numbers: dict[str, str] = field(default_factory=dict)
    # A scanning device of the flagship's entrance, "North door".
    device_token: str = ""
    people: dict[str, tuple[str, str, str]] = field(default_factory=lambda: dict(DOOR_PEOPLE))
    hidden_titles: list[str] = field(default_factory=list)
    hidden_urls: list[str] = field(default_factory=list)


def seed(database_url: str) -> Seeded:
    """Create the schema and the journeys' data in ``database_url``."""
    app = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "MAIL_BACKEND": "console",
        }
    )
    seeded = Seeded()
    with app.app_context():
        db.create_all()
        seed_demo()
        flagship = db.session.scalar(select(Event).where(Event.slug == FLAGSHIP))
        organiser = get_user_by_email(ORGANISER)
        for key, (name, email, category) in DOOR_PEOPLE.items():
            user = create_user(
                email,
                name,
                PASSWORD,
                organisation="E2E Institute",
                country="BE",
                claimed_category=category,
                email_verified=True,
            )
            registration = enrol(flagship, user, category=category, verified=True, actor=organiser)
            badge = ensure_badge(registration)
            seeded.badge_tokens[key] = badge.token
            seeded.badge_numbers[key] = badge.public_id[:8]
            if key == "revoked":
                revoke_badge(badge, actor=organiser)
        # Every approved registration of the flagship has its badge from the start (the demo's
        # verified expert included), so no journey depends on another having printed them.
        issue_missing_badges(flagship)
        _, seeded.device_token = create_device(flagship, "North door", actor=organiser)
        hidden = db.session.scalars(
            select(AgendaSession).where(AgendaSession.restricted_visibility == "hidden")
        ).all()
        for session in hidden:
            seeded.hidden_titles.append(session.title)
            seeded.hidden_urls.append(f"/events/{session.event.slug}/sessions/{session.id}/")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return seeded
