"""Pure agenda rules, shared by the models, the visible rows, the checks and the seat counters.

The room-capacity rule lives here once: a session seats its own capacity, or its room's when
it has none, and may never seat more than its room holds.
"""

from __future__ import annotations

from typing import Any


def effective_capacity(capacity: int | None, room: Any | None) -> int | None:
    """The seats a session offers: its own capacity, else its room's; None means unlimited."""
    if capacity is not None:
        return capacity
    return room.capacity if room is not None else None


def exceeds_room(capacity: int | None, room: Any | None) -> bool:
    """Whether a session's own capacity is larger than its room holds."""
    return room is not None and capacity is not None and capacity > room.capacity
