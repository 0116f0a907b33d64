"""A day of the agenda as a table: rooms as columns, time as rows, sessions spanning rows.

Rows run between consecutive session boundaries, so a session spans exactly
the rows between its start and its end, whatever its length; sessions that
overlap in one room (a conflict) get side-by-side lanes. Built from instants,
so a day with a daylight-saving change is laid out right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo


@dataclass
class GridColumn:
    room: Any  # a Room, or None for sessions without a room
    lanes: int = 1


@dataclass
class GridCell:
    item: Any | None  # the session shown, or None for an empty cell
    rowspan: int = 1


@dataclass
class GridRow:
    starts_at: datetime
    label: str
    cells: list[GridCell] = field(default_factory=list)


@dataclass
class DayGrid:
    day: date
    columns: list[GridColumn]
    rows: list[GridRow]

    @property
    def is_empty(self) -> bool:
        return not self.rows


_COVERED = object()


def _assign_lanes(items: Sequence[Any]) -> list[list[Any]]:
    lanes: list[list[Any]] = []
    for item in sorted(items, key=lambda s: (s.starts_at, s.ends_at, s.id)):
        for lane in lanes:
            if lane[-1].ends_at <= item.starts_at:
                lane.append(item)
                break
        else:
            lanes.append([item])
    return lanes or [[]]


def build_day_grid(
    day: date, sessions: Sequence[Any], rooms: Sequence[Any], tz: ZoneInfo
) -> DayGrid:
    """Lay out ``sessions`` (those starting on ``day``) over ``rooms``."""
    if not sessions:
        return DayGrid(day, [GridColumn(room) for room in rooms], [])
    boundaries = sorted({s.starts_at for s in sessions} | {s.ends_at for s in sessions})
    index = {instant: i for i, instant in enumerate(boundaries)}
    row_count = len(boundaries) - 1
    by_room: dict[Any, list[Any]] = {room.id: [] for room in rooms}
    homeless = []
    for item in sessions:
        if item.room_id in by_room:
            by_room[item.room_id].append(item)
        else:
            homeless.append(item)
    columns: list[GridColumn] = []
    lanes: list[list[Any]] = []
    groups = [(room, by_room[room.id]) for room in rooms]
    if homeless:
        groups.append((None, homeless))
    for room, items in groups:
        room_lanes = _assign_lanes(items)
        columns.append(GridColumn(room, len(room_lanes)))
        lanes.extend(room_lanes)
    matrix: list[list[Any]] = [[None] * len(lanes) for _ in range(row_count)]
    for lane_index, lane in enumerate(lanes):
        for item in lane:
            first, last = index[item.starts_at], index[item.ends_at]
            matrix[first][lane_index] = GridCell(item, last - first)
            for row in range(first + 1, last):
                matrix[row][lane_index] = _COVERED
    # Merge runs of empty cells in a lane into one cell.
    for lane_index in range(len(lanes)):
        row = 0
        while row < row_count:
            if matrix[row][lane_index] is None:
                end = row
                while end < row_count and matrix[end][lane_index] is None:
                    end += 1
                matrix[row][lane_index] = GridCell(None, end - row)
                for covered in range(row + 1, end):
                    matrix[covered][lane_index] = _COVERED
                row = end
            else:
                row += 1
    rows = [
        GridRow(
            boundaries[i],
            boundaries[i].astimezone(tz).strftime("%H:%M"),
            [cell for cell in matrix[i] if cell is not _COVERED],
        )
        for i in range(row_count)
    ]
    return DayGrid(day, columns, rows)
