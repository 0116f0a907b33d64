"""The time a scanner says it read a code (offline scans carry it), checked against a window.

A scanner's clock is the client's word: it decides the duplicate window and the order of
scans, so it must be an instant the event can have had. It may not be earlier than a margin
before the event's first day (or before now, for a rehearsal ahead of the event), nor later
than now plus the same margin; within the margin ahead it is read as now, so a clock running
fast cannot hide later scans from the duplicate window. Anything else is refused with 400
(per scan, in a batch), never converted: year 1 or 9999 with an offset overflows Python's
datetime when moved to UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from conference.errors import DomainError
from conference.events.models import Event
from conference.localtime import to_instant


class BadScanTime(DomainError):
    """scanned_at is not an instant this event's scans can have."""


def scan_time_window(event: Event, now: datetime, margin: timedelta) -> tuple[datetime, datetime]:
    """The earliest and latest acceptable ``scanned_at`` for a scan of ``event`` at ``now``."""
    first_day = to_instant(datetime.combine(event.start_date, time.min), event.tz)
    return min(first_day, now) - margin, now + margin


def parse_scanned_at(value: Any, event: Event, now: datetime, margin: timedelta) -> datetime | None:
    """``scanned_at`` as a UTC instant no later than ``now``; None when not given."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise BadScanTime("scanned_at must be an ISO 8601 time with offset.", code="bad_scanned_at")
    if moment.tzinfo is None:
        raise BadScanTime("scanned_at must include a UTC offset.", code="bad_scanned_at")
    earliest, latest = scan_time_window(event, now, margin)
    # Aware datetimes compare without conversion, so this cannot overflow.
    if not earliest <= moment <= latest:
        raise BadScanTime(
            f"scanned_at {str(value)[:40]} is outside the times a scan of this event can have "
            f"({earliest:%Y-%m-%d %H:%M} UTC to now); check the scanner's clock.",
            field="scanned_at",
            code="scanned_at_out_of_range",
        )
    return min(moment.astimezone(UTC), now)
