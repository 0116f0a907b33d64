"""Load the attendees of a workload file: accounts, approved registrations, bookings.

Imported attendees get an account without a password (they choose one with
"forgot password"), an approved registration whose claimed category counts
as verified (the organisers vetted them before the import), and the bookings
the booking rules allow. The rules are the ones of ``rules`` and ``seats``,
applied to counters held in memory, because one SELECT per booking would be
far too slow for 20,000 attendees; the event's and sessions' rows stay locked
meanwhile, so no web booking can slip in between. Refused bookings are
reported, never forced. Re-importing matches users by email and
registrations by (event, user), and books nothing twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from conference import signals
from conference.accounts.models import User, new_session_token
from conference.accounts.services import normalise_email
from conference.agenda.models import AgendaSession
from conference.bulk_insert import insert_rows
from conference.categories import StakeholderCategory
from conference.db_types import utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.registration import rules, search, seats
from conference.registration.models import (
    AuditEntry,
    Booking,
    BookingStatus,
    Registration,
    RegistrationStatus,
)

APPROVED = RegistrationStatus.APPROVED.value
WAITLISTED = RegistrationStatus.WAITLISTED.value
ATTENDEE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "email", "role"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 80},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "email": {"type": "string", "maxLength": 254, "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$"},
        "organisation": {"type": "string", "maxLength": 200},
        "country": {"type": "string", "pattern": "^([A-Z]{2})?$"},
        "role": {"enum": [c.value for c in StakeholderCategory]},
        "sessions": {"type": "array", "items": {"type": "string"}},
    },
}
_REFUSAL_LABELS = {
    rules.RESTRICTED: "restricted to other categories",
    rules.VERIFICATION_PENDING: "category not verified",
    rules.NOT_APPROVED: "registration not approved",
    rules.SESSION_CANCELLED: "session cancelled",
    rules.OVERLAP: "overlaps another booking of the attendee",
}
_EXAMPLES = 5


def validate_attendees(document: dict, session_ids: set[str]) -> list[tuple[str, str]]:
    """References and uniqueness in ``attendees`` (the schema checks the shape)."""
    errors: list[tuple[str, str]] = []
    ids: set[str] = set()
    emails: set[str] = set()
    for index, item in enumerate(document.get("attendees", [])):
        path = f"$.attendees[{index}]"
        if item["id"] in ids:
            errors.append((f"{path}.id", f"duplicate id {item['id']!r}"))
        ids.add(item["id"])
        email = normalise_email(item["email"])
        if email in emails:
            errors.append((f"{path}.email", f"duplicate email {item['email']!r}"))
        emails.add(email)
        for s_index, session_id in enumerate(item.get("sessions", [])):
            if session_id not in session_ids:
                errors.append((f"{path}.sessions[{s_index}]", f"no session with id {session_id!r}"))
    return errors


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _user_ids(emails: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(emails):
        rows = db.session.execute(select(User.email, User.id).where(User.email.in_(chunk)))
        found.update({email: user_id for email, user_id in rows})
    return found


def _ensure_users(attendees: list[dict], report) -> dict[str, int]:
    """Account ids by email, creating password-less accounts for new addresses."""
    emails = [normalise_email(a["email"]) for a in attendees]
    known = _user_ids(emails)
    now = utcnow()
    new = [
        {
            "email": email,
            "name": a["name"].strip(),
            "password_hash": None,
            "organisation": a.get("organisation", "").strip(),
            "country": a.get("country", ""),
            "claimed_category": a["role"],
            "is_admin": False,
            "is_active_account": True,
            "session_token": new_session_token(),
            "created_at": now,
        }
        for email, a in zip(emails, attendees, strict=True)
        if email not in known
    ]
    # Plain tuples to the driver (COPY on PostgreSQL), then the ids by the unique email.
    insert_rows(db.session.connection(), User.__table__, new)
    created = _user_ids([row["email"] for row in new])
    known.update(created)
    if created:
        signals.accounts_created.send(None, user_ids=list(created.values()))
    report.counts["accounts created"] = len(new)
    return known


class _Seats:
    """The event's and sessions' counters, locked, then kept in memory during the import."""

    def __init__(self, event: Event):
        # The order of ``seats``: the event, its registrations, then its sessions.
        seats.lock(event)
        registrations = Registration.__table__
        db.session.execute(
            update(registrations)
            .where(registrations.c.event_id == event.id)
            .values(status=registrations.c.status)
        )
        table = AgendaSession.__table__
        db.session.execute(
            update(table)
            .where(table.c.event_id == event.id)
            .values(confirmed_count=table.c.confirmed_count)
        )
        self.event = event
        self.approved = event.approved_count or 0
        self.sessions = {
            s.id: s
            for s in db.session.scalars(
                seats.fresh(
                    select(AgendaSession)
                    .where(AgendaSession.event_id == event.id)
                    .options(joinedload(AgendaSession.room))
                )
            )
        }
        self.confirmed = {sid: s.confirmed_count or 0 for sid, s in self.sessions.items()}
        # Read once: the ORM's attribute access, 140,000 times, costs more than the rules.
        self.capacity = {sid: s.effective_capacity for sid, s in self.sessions.items()}
        self.next_position: dict[int, int] = defaultdict(lambda: 1)
        rows = db.session.execute(
            select(Booking.session_id, Booking.waitlist_position).where(
                Booking.session_id.in_(list(self.sessions)), Booking.waitlist_position.is_not(None)
            )
        )
        for session_id, position in rows:
            self.next_position[session_id] = max(self.next_position[session_id], position + 1)
        self.waitlist_position = self._last_registration_position() + 1

    def _last_registration_position(self) -> int:
        positions = db.session.scalars(
            select(Registration.waitlist_position).where(
                Registration.event_id == self.event.id, Registration.status == WAITLISTED
            )
        )
        return max((p for p in positions if p is not None), default=0)

    def admit(self) -> tuple[str, int | None]:
        """The same rule as ``services.admit``: approved while places last, else waiting."""
        if self.event.capacity is None or self.approved < self.event.capacity:
            self.approved += 1
            return APPROVED, None
        self.waitlist_position += 1
        return WAITLISTED, self.waitlist_position - 1

    def is_full(self, session_id: int) -> bool:
        capacity = self.capacity[session_id]
        return capacity is not None and self.confirmed[session_id] >= capacity

    def seat(self, session_id: int) -> tuple[str, int | None]:
        """The same rule as ``seats.claim_session_seat``: a seat while any is free."""
        capacity = self.capacity[session_id]
        if capacity is None or self.confirmed[session_id] < capacity:
            self.confirmed[session_id] += 1
            return BookingStatus.CONFIRMED.value, None
        position = self.next_position[session_id]
        self.next_position[session_id] = position + 1
        return BookingStatus.WAITLISTED.value, position

    def save(self) -> None:
        """Write the counters back (every row is still locked by this transaction)."""
        table = AgendaSession.__table__
        changed = [
            {"sid": sid, "n": n}
            for sid, n in self.confirmed.items()
            if n != (self.sessions[sid].confirmed_count or 0)
        ]
        if changed:
            db.session.execute(
                update(table)
                .where(table.c.id == bindparam("sid"))
                .values(confirmed_count=bindparam("n")),
                changed,
            )
        db.session.execute(
            update(Event.__table__)
            .where(Event.__table__.c.id == self.event.id)
            .values(approved_count=self.approved)
        )
        for session in self.sessions.values():
            db.session.expire(session, ["confirmed_count"])
        db.session.expire(self.event, ["approved_count"])


@dataclass(frozen=True, slots=True)
class Holder:
    """What the booking rules read of a registration, as plain values.

    Hashable, so the rules' answer for one kind of holder and one session is worked out once
    (a few thousand answers for 140,000 requests); slotted, so a rule that starts reading
    another attribute of the registration fails here instead of answering without it.
    """

    status: str
    category: str
    category_verified: bool
    delegation_id: int | None

    @property
    def is_approved(self) -> bool:
        return self.status == APPROVED

    @classmethod
    def of(cls, registration: Registration) -> Holder:
        return cls(
            registration.status,
            registration.category,
            registration.category_verified,
            registration.delegation_id,
        )


def _registrations(
    event: Event, attendees: list[dict], users: dict[str, int], counter: _Seats, report
) -> tuple[dict[str, tuple[int, Holder]], dict[int, str]]:
    """(registration id, holder) by attendee id, with the statuses before the import: existing
    registrations (pending ones approved) updated, new ones inserted in bulk."""
    existing = {
        r.user_id: r
        for r in db.session.scalars(select(Registration).where(Registration.event_id == event.id))
    }
    before = {r.id: r.status for r in existing.values()}
    now = utcnow()
    found: dict[str, Registration] = {}
    new: dict[str, dict] = {}  # attendee id -> the row to insert
    newly_verified: list[int] = []  # existing registrations: their badges are reissued
    for a in attendees:
        user_id = users[normalise_email(a["email"])]
        registration = existing.get(user_id)
        if registration is None:
            status, position = counter.admit()
            new[a["id"]] = {
                "event_id": event.id,
                "user_id": user_id,
                "external_id": a["id"],
                "status": status,
                "waitlist_position": position,
                "category": a["role"],
                "organisation": a.get("organisation", "").strip(),
                "country": a.get("country", ""),
                "category_verified_at": now,  # vetted before the import (module docstring)
                "category_verified_by_id": None,
                "created_at": now,
                "updated_at": now,
            }
            report.bump("registrations created")
            continue
        if registration.status == RegistrationStatus.PENDING.value:
            registration.status, registration.waitlist_position = counter.admit()
            registration.updated_at = now
            report.bump("registrations approved")
        else:
            report.bump("registrations already present")
        if registration.category == a["role"] and registration.category_verified_at is None:
            registration.category_verified_at = now
            newly_verified.append(registration.id)
        found[a["id"]] = registration
    db.session.flush()
    result = {key: (r.id, Holder.of(r)) for key, r in found.items()}
    if new:
        connection = db.session.connection()
        insert_rows(connection, Registration.__table__, list(new.values()))
        ids = dict(
            db.session.execute(
                select(Registration.user_id, Registration.id).where(
                    Registration.event_id == event.id
                )
            ).all()
        )
        for key, row in new.items():
            # A new row holds its category verified (``category_verified_at`` now, no expiry).
            holder = Holder(row["status"], row["category"], True, None)
            result[key] = (ids[row["user_id"]], holder)
        # Core inserts skip the flush hook that keeps the search terms.
        search.reindex(
            connection, registration_ids=[ids[r["user_id"]] for r in new.values()], new=True
        )
    if newly_verified:
        signals.category_verification_changed.send(None, registration_ids=newly_verified)
    waiting = sum(1 for _, holder in result.values() if holder.status == WAITLISTED)
    if waiting:
        report.warnings.append(
            f"{waiting} imported registrations are on the waiting list: the event is full"
        )
    return result, before


def _book(
    attendees: list[dict],
    registrations: dict[str, tuple[int, Holder]],
    by_external: dict[str, AgendaSession],
    counter: _Seats,
    report,
) -> list[dict]:
    """Apply the booking rules in memory; returns the rows to insert."""
    times = {sid: (s.starts_at, s.ends_at) for sid, s in counter.sessions.items()}
    intervals: dict[int, list] = defaultdict(list)
    present: set[tuple[int, int]] = set()
    rows = db.session.execute(
        select(Booking.registration_id, Booking.session_id, Booking.status).where(
            Booking.session_id.in_(list(counter.sessions))
        )
    )
    for registration_id, session_id, status in rows:
        present.add((registration_id, session_id))
        if status == BookingStatus.CONFIRMED.value:  # only held seats make an overlap
            intervals[registration_id].append((*times[session_id], session_id))
    # The rules' answer depends on the holder and the session only: asked once for each pair.
    answers: dict[Holder, dict[int, rules.Refusal | None]] = defaultdict(dict)
    session_ids = {external_id: s.id for external_id, s in by_external.items()}
    counts: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    now = utcnow()
    new_rows: list[dict] = []
    for a in attendees:
        registration_id, holder = registrations[a["id"]]
        booked = intervals[registration_id]
        answered = answers[holder]
        for external_id in a.get("sessions", []):
            session_id = session_ids[external_id]
            if (registration_id, session_id) in present:
                counts["bookings already present"] += 1
                continue
            if session_id in answered:
                refusal = answered[session_id]
            else:
                refusal = rules.booking_refusal(holder, by_external[external_id])
                answered[session_id] = refusal
            starts_at, ends_at = times[session_id]
            # An overlap refuses a seat, never a place on a full session's waiting list.
            if (
                refusal is None
                and not counter.is_full(session_id)
                and rules.find_overlap(booked, starts_at, ends_at)
            ):
                refusal = rules.Refusal(rules.OVERLAP, "")
            if refusal is not None:
                refused[refusal.code] += 1
                if len(examples[refusal.code]) < _EXAMPLES:
                    examples[refusal.code].append(f"{a['id']} → {external_id}")
                continue
            status, position = counter.seat(session_id)
            new_rows.append(
                {
                    "registration_id": registration_id,
                    "session_id": session_id,
                    "status": status,
                    "waitlist_position": position,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            present.add((registration_id, session_id))
            if position is None:  # a waiting place never blocks another booking
                booked.append((starts_at, ends_at, session_id))
                counts["bookings confirmed"] += 1
            else:
                counts["bookings waitlisted (session full)"] += 1
    for name in (
        "bookings already present",
        "bookings confirmed",
        "bookings waitlisted (session full)",
    ):
        if counts[name]:
            report.bump(name, counts[name])
    waiting = report.counts.get("bookings waitlisted (session full)", 0)
    if waiting:
        report.warnings.append(
            f"{waiting} bookings are on waiting lists instead of seats: their sessions are full"
        )
    for code, count in refused.most_common():
        label = _REFUSAL_LABELS.get(code, code)
        report.counts[f"bookings refused ({label})"] = count
        shown = ", ".join(examples[code])
        more = f" and {count - len(examples[code])} more" if count > len(examples[code]) else ""
        report.warnings.append(f"{count} bookings refused, {label}: {shown}{more}")
    return new_rows


def load_attendees(event: Event, attendees: list[dict], report) -> None:
    """Create accounts, registrations and bookings for the file's attendees."""
    counter = _Seats(event)
    users = _ensure_users(attendees, report)
    registrations, before = _registrations(event, attendees, users, counter, report)
    by_external = {s.external_id: s for s in counter.sessions.values() if s.external_id}
    rows = _book(attendees, registrations, by_external, counter, report)
    connection = db.session.connection()
    insert_rows(connection, Booking.__table__, rows)
    counter.save()
    now = utcnow()
    audit_rows = [
        {
            "event_id": event.id,
            "registration_id": registration_id,
            "action": "imported",
            "from_state": before.get(registration_id),
            "to_state": holder.status,
            "actor_id": None,
            "at": now,
            "detail": "",
        }
        for registration_id, holder in registrations.values()
        if before.get(registration_id) != holder.status
    ]
    insert_rows(connection, AuditEntry.__table__, audit_rows)
    report.counts["attendees"] = len(attendees)
    db.session.flush()
