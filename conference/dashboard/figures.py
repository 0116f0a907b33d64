"""The organisers' numbers of the day, read from the database (plain dataclasses, no HTML).

Each figure is a few grouped queries whatever the size of the event; the grouping by
the event's local day or quarter hour is done here in Python, because SQLite and
PostgreSQL have no common way to do it in SQL with a timezone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from conference.accounts.models import User
from conference.agenda.models import AgendaSession
from conference.badges.checkpoints import actor_label
from conference.badges.models import Scan, ScanDevice, ScanResult
from conference.categories import CATEGORY_LABELS, StakeholderCategory
from conference.delegations.models import NominationState
from conference.delegations.queries import list_delegations
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import (
    Booking,
    BookingStatus,
    Registration,
    RegistrationStatus,
)

# The states drawn per day, in the order of the stack.
DAY_STATES = (
    (RegistrationStatus.APPROVED.value, _l("Approved")),
    (RegistrationStatus.PENDING.value, _l("Pending approval")),
    (RegistrationStatus.WAITLISTED.value, _l("Waiting list")),
)
_ACTIVE = (
    RegistrationStatus.APPROVED.value,
    RegistrationStatus.PENDING.value,
    RegistrationStatus.WAITLISTED.value,
)
QUARTER = timedelta(minutes=15)


@dataclass
class Series:
    """Rows of labelled values, one value per column (a table, and a chart of it)."""

    columns: list[str]
    rows: list[tuple[str, list[int]]] = field(default_factory=list)

    def total(self, column: int) -> int:
        return sum(values[column] for _label, values in self.rows)


def _of_delegation(delegation_id: int | None) -> tuple:
    """Conditions keeping a delegation's accepted nominees only (none: everyone)."""
    return () if delegation_id is None else (Registration.delegation_id == delegation_id,)


def registrations_per_day(event: Event, delegation_id: int | None = None) -> Series:
    """Registrations by the local day they were made, by their state now."""
    found = db.session.execute(
        select(Registration.created_at, Registration.status).where(
            Registration.event_id == event.id,
            Registration.status.in_(_ACTIVE),
            *_of_delegation(delegation_id),
        )
    ).all()
    per_day: dict[date, Counter] = defaultdict(Counter)
    for created_at, status in found:
        per_day[created_at.astimezone(event.tz).date()][status] += 1
    series = Series([str(label) for _state, label in DAY_STATES])
    for day in sorted(per_day):
        series.rows.append(
            (format_date(day, "EEE dd MMM"), [per_day[day][state] for state, _s in DAY_STATES])
        )
    return series


def verification_backlog(event: Event, delegation_id: int | None = None) -> Series:
    """Registrations (approved, pending or waiting) whose claimed category awaits a check."""
    counts = dict(
        db.session.execute(
            select(Registration.category, func.count())
            .where(
                Registration.event_id == event.id,
                Registration.status.in_(_ACTIVE),
                ~Registration.category_verified_clause(),  # expired ones await a check again
                *_of_delegation(delegation_id),
            )
            .group_by(Registration.category)
        ).all()
    )
    series = Series([_("Not verified")])
    for category in StakeholderCategory:
        if counts.get(category.value):
            series.rows.append((str(CATEGORY_LABELS[category]), [counts[category.value]]))
    return series


def _quarter(moment: datetime, event: Event) -> datetime:
    local = moment.astimezone(event.tz)
    return local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)


def arrivals(event: Event, day: date, delegation_id: int | None = None) -> Series:
    """Entrance check-ins per quarter hour of ``day`` (event time), one column per door.

    A door is the scanner that let people in: a device, or a staff member's login.
    """
    tz = event.tz
    start = datetime.combine(day, datetime.min.time(), tz)
    query = select(Scan.scanned_at, ScanDevice, User)
    if delegation_id is not None:
        query = query.join(Registration, Registration.id == Scan.registration_id)
    found = db.session.execute(
        query.outerjoin(ScanDevice, Scan.device_id == ScanDevice.id)
        .outerjoin(User, Scan.actor_user_id == User.id)
        .where(
            *_of_delegation(delegation_id),
            Scan.event_id == event.id,
            Scan.session_id.is_(None),
            Scan.result == ScanResult.ACCEPTED.value,
            Scan.repeat_of_id.is_(None),
            Scan.scanned_at >= start,
            Scan.scanned_at < start + timedelta(days=1),
        )
    ).all()
    per_quarter: dict[datetime, Counter] = defaultdict(Counter)
    doors: set[str] = set()
    for scanned_at, device, user in found:
        door = device.name if device is not None else actor_label(user, None)
        doors.add(door)
        per_quarter[_quarter(scanned_at, event)][door] += 1
    series = Series(sorted(doors, key=str.casefold))
    if not per_quarter:
        return series
    quarter, last = min(per_quarter), max(per_quarter)
    while quarter <= last:  # every quarter between the first and the last arrival, even empty
        series.rows.append(
            (quarter.strftime("%H:%M"), [per_quarter[quarter][door] for door in series.columns])
        )
        quarter += QUARTER
    return series


def room_fill(event: Event, day: date, delegation_id: int | None = None) -> Series:
    """Per session of ``day``: expected (confirmed bookings) and present (checked in); of a
    delegation's nominees only when ``delegation_id`` is given."""
    tz = event.tz
    start = datetime.combine(day, datetime.min.time(), tz)
    sessions = db.session.scalars(
        select(AgendaSession)
        .where(
            AgendaSession.event_id == event.id,
            AgendaSession.starts_at >= start,
            AgendaSession.starts_at < start + timedelta(days=1),
        )
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    ).all()
    ids = [s.id for s in sessions]
    present_query = select(Scan.session_id, func.count(func.distinct(Scan.registration_id)))
    expected: dict[int, int] | None = None
    if delegation_id is not None:
        present_query = present_query.join(Registration, Registration.id == Scan.registration_id)
        expected = dict(
            db.session.execute(
                select(Booking.session_id, func.count())
                .join(Registration, Registration.id == Booking.registration_id)
                .where(
                    Booking.session_id.in_(ids),
                    Booking.status == BookingStatus.CONFIRMED.value,
                    *_of_delegation(delegation_id),
                )
                .group_by(Booking.session_id)
            ).all()
        )
    present = dict(
        db.session.execute(
            present_query.where(
                *_of_delegation(delegation_id),
                Scan.event_id == event.id,
                Scan.session_id.in_(ids),
                Scan.result == ScanResult.ACCEPTED.value,
                Scan.repeat_of_id.is_(None),
            ).group_by(Scan.session_id)
        ).all()
    )
    series = Series([_("Expected (booked)"), _("Present")])
    for session in sessions:
        when = session.starts_at.astimezone(tz).strftime("%H:%M")
        booked = (session.confirmed_count or 0) if expected is None else expected.get(session.id, 0)
        series.rows.append((f"{when} {session.title}", [booked, present.get(session.id, 0)]))
    return series


@dataclass
class DelegationFigures:
    """One delegation's numbers on the dashboard."""

    id: int
    name: str
    quota: int
    invited: int
    accepted: int
    checked_in: int


def delegation_figures(event: Event) -> list[DelegationFigures]:
    """Per delegation: quota, open invitations, accepted nominees, nominees checked in."""
    rows = list_delegations(event)
    if not rows:
        return []
    checked_in = dict(
        db.session.execute(
            select(Registration.delegation_id, func.count(func.distinct(Scan.registration_id)))
            .join(Scan, Scan.registration_id == Registration.id)
            .where(
                Registration.event_id == event.id,
                Registration.delegation_id.is_not(None),
                Scan.session_id.is_(None),
                Scan.result == ScanResult.ACCEPTED.value,
            )
            .group_by(Registration.delegation_id)
        ).all()
    )
    return [
        DelegationFigures(
            id=row.delegation.id,
            name=row.delegation.name,
            quota=row.delegation.quota,
            invited=row.count(NominationState.INVITED.value),
            accepted=row.delegation.accepted_count,
            checked_in=checked_in.get(row.delegation.id, 0),
        )
        for row in rows
    ]


def dashboard_day(event: Event, now: datetime) -> date:
    """The day shown: today during the event, else its first (before) or last (after) day."""
    today = now.astimezone(event.tz).date()
    return min(max(today, event.start_date), event.end_date)
