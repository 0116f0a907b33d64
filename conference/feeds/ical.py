"""iCalendar (RFC 5545) rendering: pure functions from feed entries to bytes.

Only this module imports the ``icalendar`` library. Output is deterministic
for the same input (DTSTAMP is the entry's last modification, not the build
time), so the bytes, and the ETag computed from them, are the same in every
worker process.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vDuration,
    vText,
)

PRODID = "-//CERIS events//conference//EN"


@dataclass(frozen=True)
class FeedEntry:
    """One VEVENT: a session as the viewer of the feed may see it."""

    uid: str
    summary: str
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    timezone: str  # IANA name the times are written in
    sequence: int
    created: datetime
    last_modified: datetime
    cancelled: bool = False
    description: str = ""
    location: str = ""
    url: str | None = None
    categories: tuple[str, ...] = ()
    # A closed block: the viewer sees only that the time and room are taken.
    closed: bool = False


@dataclass(frozen=True)
class FeedMeta:
    name: str
    description: str
    # IANA timezones with the dates their VTIMEZONE must cover.
    timezones: dict[str, tuple[date, date]] = field(default_factory=dict)
    refresh: timedelta = timedelta(hours=1)


def _utc(value: datetime) -> datetime:
    return value.astimezone(ZoneInfo("UTC"))


def _wall_clock(value: datetime, zone: ZoneInfo) -> datetime:
    """Local time with TZID, except in the hour repeated when clocks go back.

    RFC 5545 reads a repeated local time as its first occurrence, but clients
    differ (ical.js, hence Thunderbird, takes the second), so such instants
    are written in UTC, which every client reads the same way.
    """
    local = value.astimezone(zone)
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        return _utc(value)
    return local


def _vevent(entry: FeedEntry) -> Event:
    zone = ZoneInfo(entry.timezone)
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", _utc(entry.last_modified))
    event.add("created", _utc(entry.created))
    event.add("last-modified", _utc(entry.last_modified))
    event.add("sequence", entry.sequence)
    event.add("dtstart", _wall_clock(entry.starts_at, zone))
    event.add("dtend", _wall_clock(entry.ends_at, zone))
    event.add("summary", entry.summary)
    if entry.description:
        event.add("description", entry.description)
    if entry.location:
        event.add("location", entry.location)
    if entry.url:
        event.add("url", entry.url)
    if entry.categories:
        event.add("categories", list(entry.categories))
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if entry.cancelled else "OPAQUE")
    event.add("class", "PRIVATE" if entry.closed else "PUBLIC")
    return event


def render_event(entry: FeedEntry) -> bytes:
    """One VEVENT, folded and CRLF-terminated (the bytes of ``Event.to_ical()``)."""
    lines = _vevent(entry).content_lines()
    return b"\r\n".join(fold_line(line) for line in lines if line) + b"\r\n"


_FOLD_LIMIT = 75  # octets, as icalendar counts them: a folded piece holds at most 74
_ESCAPES = "\\^"  # a TEXT or parameter escape is never split from what it escapes


def fold_line(line: str) -> bytes:
    """One content line folded as icalendar folds it (RFC 5545 3.1), byte for byte.

    icalendar's own folding encodes the line one character at a time: at the flagship's size
    that was a third of a feed's build. Most lines are short ASCII and need no loop at all.
    """
    encoded = line.encode()
    if len(encoded) < _FOLD_LIMIT:
        return encoded
    pieces: list[str] = []
    if len(encoded) == len(line):  # ASCII: one octet per character
        start, width = 0, _FOLD_LIMIT - 1
        while len(line) - start > width:
            end = start + width
            if line[end - 1] in _ESCAPES:
                end -= 1
            pieces.append(line[start:end])
            start = end
        pieces.append(line[start:])
        return "\r\n ".join(pieces).encode()
    current: list[str] = []
    count = 0
    for char in line:
        size = len(char.encode())
        if current and count + size >= _FOLD_LIMIT:
            if len(current) > 1 and current[-1] in _ESCAPES:
                carried = current.pop()
                pieces.append("".join(current))
                current, count = [carried], len(carried.encode())
            else:
                pieces.append("".join(current))
                current, count = [], 0
        current.append(char)
        count += size
    if current:
        pieces.append("".join(current))
    return "\r\n ".join(pieces).encode()


def render_calendar(
    meta: FeedMeta,
    entries: Iterable[FeedEntry],
    fragments: MutableMapping[FeedEntry, bytes] | None = None,
) -> bytes:
    """The whole VCALENDAR, CRLF-terminated and folded at 75 octets.

    ``fragments`` memoises each entry's rendered VEVENT: entries are immutable
    values of everything they show, so after an agenda change only the
    sessions that changed are rendered again.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # X- properties default to unescaped text in icalendar: make them TEXT
    # (RFC 5545 3.3.11), or a comma in the name cuts it short in vobject.
    calendar.add("x-wr-calname", vText(meta.name))
    calendar.add("x-wr-caldesc", vText(meta.description))
    calendar.add("refresh-interval", vDuration(meta.refresh), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(meta.refresh))
    for name, (first, last) in sorted(meta.timezones.items()):
        # Whole calendar years around the event: clients that keep one definition
        # per TZID (vobject, Outlook) then agree across our feeds of the same years.
        calendar.add_component(
            _timezone_component(name, date(first.year, 1, 1), date(last.year, 12, 31))
        )
    frame = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert frame.endswith(end)
    events = []
    for entry in entries:
        rendered = fragments.get(entry) if fragments is not None else None
        if rendered is None:
            rendered = render_event(entry)
            if fragments is not None:
                fragments[entry] = rendered
        events.append(rendered)
    return frame[: -len(end)] + b"".join(events) + end


def _offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants in [start, end) at which the zone's UTC offset changes."""
    # Offsets change at most a few times a year, never twice within a day.
    changes, step = [], timedelta(days=1)
    before, t = start, start + step
    while t <= end:
        if before.astimezone(zone).utcoffset() != t.astimezone(zone).utcoffset():
            low, high = before, t  # narrow down to the minute
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if low.astimezone(zone).utcoffset() == middle.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            changes.append(high.replace(second=0, microsecond=0))
        before, t = t, t + step
    return changes


def _observance(zone: ZoneInfo, instant: datetime, offset_from: timedelta):
    local = instant.astimezone(zone)
    component = TimezoneDaylight() if local.dst() else TimezoneStandard()
    # RFC 5545: an observance starts at a local time read in the *previous* offset.
    component.add("dtstart", (instant + offset_from).replace(tzinfo=None))
    component.add("tzoffsetfrom", offset_from)
    component.add("tzoffsetto", local.utcoffset())
    component.add("tzname", local.tzname())
    return component


def _timezone_component(name: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE with the offset in force on ``first`` and every change up to ``last``.

    Built from the zoneinfo data (explicit onsets, no RRULE), so every client,
    old or strict, reads the same offsets we used to store the times.
    """
    zone = ZoneInfo(name)
    start = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    component = Timezone()
    component.add("tzid", name)
    initial = start.astimezone(zone).utcoffset()
    component.add_component(_observance(zone, start, initial))
    previous = initial
    for change in _offset_changes(zone, start, end):
        component.add_component(_observance(zone, change, previous))
        previous = change.astimezone(zone).utcoffset()
    return component
