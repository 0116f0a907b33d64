"""Our folding of content lines gives icalendar's own bytes (feeds/ical.py, ``fold_line``)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from icalendar.parser import Contentline

from conference.feeds.ical import FeedEntry, _vevent, fold_line, render_event

PIECES = ["a", "Z", " ", ",", ";", "\\", "^", "\\,", "é", "ß", "€", "中", "😀", "x" * 30]


def _lines() -> list[str]:
    chosen = random.Random(22)
    lines = ["", "short", "x" * 73, "x" * 74, "x" * 75, "x" * 76, "x" * 148, "x" * 149]
    lines += ["x" * n + "\\" + "y" * 80 for n in range(70, 76)]
    lines += ["x" * n + "é" + "y" * 80 for n in range(70, 76)]
    for _ in range(400):
        lines.append("".join(chosen.choice(PIECES) for _ in range(chosen.randrange(1, 60))))
    return lines


def test_fold_line_matches_icalendar():
    lines = _lines()
    differing = [line for line in lines if fold_line(line) != Contentline(line).to_ical()]

    assert differing == []
    assert any(b"\r\n " in fold_line(line) for line in lines)  # long lines were folded


def test_rendered_event_matches_icalendar():
    start = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    entry = FeedEntry(
        uid="session-1@example.org",
        summary="Pénurie d’eau; «débat» \\ with a long title " * 3,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="Europe/Brussels",
        sequence=3,
        created=start,
        last_modified=start,
        description="Speakers: Ada, Grace\n\nhttps://example.org/" + "x" * 120,
        location="Room A, Palais",
        url="https://example.org/events/a/agenda/sessions/1",
        categories=("Track 1", "Panel"),
    )

    assert render_event(entry) == _vevent(entry).to_ical()
