"""Calendar days of the agenda (tabs, headings, the session form's days) in the page's language."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from conference.localtime import format_local


def day_text(day: date, fmt: str = "%A %d %B %Y") -> str:
    """A day as ``fmt`` writes it, with day and month names in the language of the page.

    Noon UTC on that day, through the one time formatter, so the names follow its language.
    """
    return format_local(datetime.combine(day, time(12), tzinfo=UTC), UTC, fmt)
