"""Filtering and searching the agenda a viewer sees, from the page's query string."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from conference.agenda.models import SessionKind
from conference.agenda.queries import VisibleSession

VIEWS = ("grid", "list")
# No choice made: the grid on wide screens, the list on narrow ones and on paper (CSS decides).
AUTO = "auto"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class AgendaFilters:
    """What the agenda page was asked to show (unknown values are ignored)."""

    view: str = AUTO
    day: date | None = None
    track: int | None = None
    room: int | None = None
    kind: str | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str], days: list[date]) -> AgendaFilters:
        """Read the query string, dropping values that make no sense."""
        view = args.get("view", AUTO)
        try:
            day = date.fromisoformat(args.get("day", ""))
        except ValueError:
            day = None
        kind = args.get("kind") or None
        return cls(
            view=view if view in VIEWS else AUTO,
            day=day if day in days else None,
            track=_int(args.get("track")),
            room=_int(args.get("room")),
            kind=kind if kind in {k.value for k in SessionKind} else None,
            q=(args.get("q") or "").strip()[:100],
        )

    @property
    def shows_grid(self) -> bool:
        return self.view in ("grid", AUTO)

    @property
    def shows_list(self) -> bool:
        return self.view in ("list", AUTO)

    @property
    def narrows(self) -> bool:
        """Whether any filter besides the day and the view is set."""
        return any((self.track, self.room, self.kind, self.q))

    def matches(self, item: VisibleSession) -> bool:
        """Filter on what the viewer sees only: a closed block has no track, kind or text."""
        if self.room is not None and item.room_id != self.room:
            return False
        if (self.track is not None or self.kind or self.q) and item.closed:
            return False
        if self.track is not None and (item.track is None or item.track.id != self.track):
            return False
        if self.kind and item.kind != self.kind:
            return False
        if self.q:
            needle = self.q.casefold()
            haystack = " ".join(
                [
                    item.title,
                    item.abstract,
                    item.track.name if item.track else "",
                    *(s.name for s in item.speakers),
                    *(s.organisation or "" for s in item.speakers),
                ]
            ).casefold()
            if needle not in haystack:
                return False
        return True

    def apply(self, items: list[VisibleSession]) -> list[VisibleSession]:
        """The items that match every filter."""
        return [item for item in items if self.matches(item)]

    def args(self, **changes) -> dict[str, str]:
        """Query-string values for a link that keeps these filters with ``changes``."""
        values = {
            "view": None if self.view == AUTO else self.view,
            "day": self.day.isoformat() if self.day else None,
            "track": self.track,
            "room": self.room,
            "kind": self.kind,
            "q": self.q,
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}
