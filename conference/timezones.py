"""The viewer's choice of time zone for the agenda: validated names and what a page shows.

The event's IANA timezone stays the default and is always named; a viewer may ask
to see times in another zone (``?tz=Europe/Lisbon``), which must be a zone the
running Python knows (``zoneinfo``), never a free string.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

# The flask session key holding the chosen zone's name.
SESSION_KEY = "display_tz"
# What the form sends to go back to the event's timezone.
EVENT_ZONE = "event"

# A short list for the form; the browser's own zone is offered by JavaScript.
COMMON_ZONES = (
    "UTC",
    "Europe/Lisbon",
    "Europe/Dublin",
    "Europe/London",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/Rome",
    "Europe/Vienna",
    "Europe/Warsaw",
    "Europe/Prague",
    "Europe/Stockholm",
    "Europe/Helsinki",
    "Europe/Athens",
    "Europe/Bucharest",
    "Europe/Sofia",
    "Europe/Istanbul",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Australia/Sydney",
)


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_zone_name(name: str | None) -> str | None:
    """``name`` if it is an IANA zone this Python knows, else None."""
    if not name or len(name) > 64:
        return None
    return name if name in _known() else None


@dataclass(frozen=True)
class DisplayZone:
    """The zone a page shows times in: the viewer's choice, else the event's."""

    event_zone: ZoneInfo
    chosen: ZoneInfo | None = None

    @classmethod
    def of(cls, event_zone: ZoneInfo, chosen_name: str | None) -> DisplayZone:
        name = valid_zone_name(chosen_name)
        if name is None or name == event_zone.key:
            return cls(event_zone)
        return cls(event_zone, ZoneInfo(name))

    @property
    def tz(self) -> ZoneInfo:
        return self.chosen or self.event_zone

    @property
    def name(self) -> str:
        return self.tz.key

    @property
    def is_event_zone(self) -> bool:
        return self.chosen is None

    def options(self) -> list[str]:
        """The zones the form lists: the common ones, and the current choice if it is not."""
        zones = list(COMMON_ZONES)
        for extra in (self.event_zone.key, self.name):
            if extra not in zones:
                zones.append(extra)
        return zones
