"""Wall-clock times in an event's timezone, turned into instants and back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


class NonexistentLocalTime(ValueError):
    """The wall-clock time is skipped by a daylight-saving change."""


def to_instant(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local time in ``zone`` as an aware UTC instant.

    Times in the hour skipped when clocks go forward do not exist and are
    refused; times in the repeated hour when clocks go back take the first
    occurrence (summer time), as people reading a programme expect.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    aware = local.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local:
        raise NonexistentLocalTime(
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key} (clocks go forward then)"
        )
    return instant


def to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    """An instant as naive wall-clock time in ``zone``."""
    return instant.astimezone(zone).replace(tzinfo=None)


def format_local(
    value: datetime | None, tz: str | ZoneInfo, fmt: str = "%a %d %b %Y, %H:%M"
) -> str:
    """An instant shown as wall-clock time in the event's timezone."""
    if value is None:
        return ""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return value.astimezone(zone).strftime(fmt)


def format_date_range(start: date, end: date) -> str:
    """An event's days as people write them: 23–25 March 2027."""
    if start == end:
        return start.strftime("%d %B %Y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.strftime('%d %B %Y')}"
    if start.year == end.year:
        return f"{start.strftime('%d %B')} – {end.strftime('%d %B %Y')}"
    return f"{start.strftime('%d %B %Y')} – {end.strftime('%d %B %Y')}"
