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
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import joinedload

from conference import signals
from conference.accounts.models import User, new_session_token
from conference.accounts.services import normalise_email
from conference.agenda.models import AgendaSession
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
    table = User.__table__
    for chunk in _chunks(new, 1000):
        rows = db.session.execute(insert(table).returning(table.c.email, table.c.id), chunk)
        created = dict(rows.all())
        known.update(created)
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

    def is_full(self, session: AgendaSession) -> bool:
        capacity = session.effective_capacity
        return capacity is not None and self.confirmed[session.id] >= capacity

    def seat(self, session: AgendaSession) -> tuple[str, int | None]:
        """The same rule as ``seats.claim_session_seat``: a seat while any is free."""
        capacity = session.effective_capacity
        if capacity is None or self.confirmed[session.id] < capacity:
            self.confirmed[session.id] += 1
            return BookingStatus.CONFIRMED.value, None
        position = self.next_position[session.id]
        self.next_position[session.id] = position + 1
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


def _registrations(
    event: Event, attendees: list[dict], users: dict[str, int], counter: _Seats, report
):
    """Registrations by attendee id: existing ones (pending ones approved), new ones added."""
    existing = {
        r.user_id: r
        for r in db.session.scalars(select(Registration).where(Registration.event_id == event.id))
    }
    before = {r.id: r.status for r in existing.values()}
    now = utcnow()
    result: dict[str, Registration] = {}
    # New registrations are inserted in bulk; detached copies carry them through the rules.
    new: list[tuple[Registration, dict]] = []
    newly_verified: list[int] = []  # existing registrations: their badges are reissued
    for a in attendees:
        user_id = users[normalise_email(a["email"])]
        registration = existing.get(user_id)
        if registration is None:
            status, position = counter.admit()
            row = {
                "event_id": event.id,
                "user_id": user_id,
                "external_id": a["id"],
                "status": status,
                "waitlist_position": position,
                "category": a["role"],
                "organisation": a.get("organisation", "").strip(),
                "country": a.get("country", ""),
                "category_verified_at": now,
                "category_verified_by_id": None,
                "created_at": now,
                "updated_at": now,
            }
            registration = Registration(**row)
            new.append((registration, row))
            report.bump("registrations created")
        elif registration.status == RegistrationStatus.PENDING.value:
            registration.status, registration.waitlist_position = counter.admit()
            registration.updated_at = now
            report.bump("registrations approved")
        else:
            report.bump("registrations already present")
        if registration.category == a["role"] and registration.category_verified_at is None:
            registration.category_verified_at = now
            if registration.id is not None:
                newly_verified.append(registration.id)
        result[a["id"]] = registration
    table = Registration.__table__
    for chunk in _chunks(new, 1000):
        ids = db.session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [row for _, row in chunk],
        )
        for (registration, _), (registration_id,) in zip(chunk, ids, strict=True):
            registration.id = registration_id
    # Core inserts skip the flush hook that keeps the search terms.
    search.reindex(db.session.connection(), registration_ids=[r.id for r, _ in new])
    db.session.flush()
    if newly_verified:
        signals.category_verification_changed.send(None, registration_ids=newly_verified)
    waiting = sum(1 for r in result.values() if r.status == WAITLISTED)
    if waiting:
        report.warnings.append(
            f"{waiting} imported registrations are on the waiting list: the event is full"
        )
    return result, before


def _book(
    attendees: list[dict],
    registrations: dict[str, Registration],
    by_external: dict,
    counter: _Seats,
    report,
) -> list[dict]:
    """Apply the booking rules in memory; returns the rows to insert."""
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
            s = counter.sessions[session_id]
            intervals[registration_id].append((s.starts_at, s.ends_at, s))
    refused: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    now = utcnow()
    new_rows: list[dict] = []
    for a in attendees:
        registration = registrations[a["id"]]
        for external_id in a.get("sessions", []):
            session = by_external[external_id]
            if (registration.id, session.id) in present:
                report.bump("bookings already present")
                continue
            refusal = rules.booking_refusal(registration, session)
            # An overlap refuses a seat, never a place on a full session's waiting list.
            if (
                refusal is None
                and not counter.is_full(session)
                and rules.find_overlap(
                    intervals[registration.id], session.starts_at, session.ends_at
                )
            ):
                refusal = rules.Refusal(rules.OVERLAP, "")
            if refusal is not None:
                refused[refusal.code] += 1
                if len(examples[refusal.code]) < _EXAMPLES:
                    examples[refusal.code].append(f"{a['id']} → {external_id}")
                continue
            status, position = counter.seat(session)
            new_rows.append(
                {
                    "registration_id": registration.id,
                    "session_id": session.id,
                    "status": status,
                    "waitlist_position": position,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            present.add((registration.id, session.id))
            if position is None:  # a waiting place never blocks another booking
                intervals[registration.id].append((session.starts_at, session.ends_at, session))
            report.bump(
                "bookings confirmed" if position is None else "bookings waitlisted (session full)"
            )
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
    # Core executemany on the session's connection: the ORM's bulk path adds nothing here.
    connection = db.session.connection()
    for chunk in _chunks(rows, 5000):
        connection.execute(insert(Booking.__table__), chunk)
    counter.save()
    now = utcnow()
    audit_rows = [
        {
            "event_id": event.id,
            "registration_id": r.id,
            "action": "imported",
            "from_state": before.get(r.id),
            "to_state": r.status,
            "actor_id": None,
            "at": now,
            "detail": "",
        }
        for r in registrations.values()
        if before.get(r.id) != r.status
    ]
    for chunk in _chunks(audit_rows, 2000):
        db.session.execute(insert(AuditEntry), chunk)
    report.counts["attendees"] = len(attendees)
    db.session.flush()
