"""Wall-clock times in an event's timezone, turned into instants and back."""

from __future__ import annotations

from datetime import UTC, datetime
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
