"""Wall-clock times in an event's timezone, turned into instants and back, and shown in the
language of the page.

English keeps the exact formats the pages always had (``strftime``); French and German use
Babel's day and month names in the same layouts, written as those languages write dates, on
a 24-hour clock. Formats made only of digits (ISO dates, CSV cells) are the same everywhere.
The event's timezone is named by the pages beside the times, as before.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

DEFAULT_FORMAT = "%a %d %b %Y, %H:%M"

# The layouts the pages use, as Babel (CLDR) patterns for each language other than English.
_PATTERNS: dict[str, dict[str, str]] = {
    "fr": {
        "%a %d %b %Y, %H:%M": "EEE d MMM y, HH:mm",
        "%a %d %b, %H:%M": "EEE d MMM, HH:mm",
        "%d %b %Y %H:%M": "d MMM y, HH:mm",
        "%d %b %Y %H:%M:%S": "d MMM y, HH:mm:ss",
        "%d %b %H:%M": "d MMM, HH:mm",
        "%a %d %b %H:%M": "EEE d MMM, HH:mm",
        "%d %b %Y": "d MMM y",
        "%d %B %Y": "d MMMM y",
        "%d %B": "d MMMM",
        "%a %d %b": "EEE d MMM",
        "%A %d %B": "EEEE d MMMM",
        "%A %d %B %Y": "EEEE d MMMM y",
    },
    "de": {
        "%a %d %b %Y, %H:%M": "EEE, d. MMM y, HH:mm",
        "%a %d %b, %H:%M": "EEE, d. MMM, HH:mm",
        "%d %b %Y %H:%M": "d. MMM y, HH:mm",
        "%d %b %Y %H:%M:%S": "d. MMM y, HH:mm:ss",
        "%d %b %H:%M": "d. MMM, HH:mm",
        "%a %d %b %H:%M": "EEE, d. MMM, HH:mm",
        "%d %b %Y": "d. MMM y",
        "%d %B %Y": "d. MMMM y",
        "%d %B": "d. MMMM",
        "%a %d %b": "EEE, d. MMM",
        "%A %d %B": "EEEE, d. MMMM",
        "%A %d %B %Y": "EEEE, d. MMMM y",
    },
}
# How each language writes a day of the month before the month's name.
_DAY = {"fr": "d", "de": "d."}
# strftime directives and their CLDR equivalents, for layouts not listed above.
_DIRECTIVES = {
    "%a": "EEE",
    "%A": "EEEE",
    "%d": "dd",
    "%e": "d",
    "%b": "MMM",
    "%B": "MMMM",
    "%m": "MM",
    "%y": "yy",
    "%Y": "y",
    "%H": "HH",
    "%M": "mm",
    "%S": "ss",
    "%%": "%",
}
_NAMES = re.compile(r"%[aAbB]")
_DIRECTIVE = re.compile(r"%.")


def current_language() -> str:
    """The language of the request being served (English outside requests)."""
    from flask import has_request_context
    from flask_babel import get_locale

    if not has_request_context():
        return "en"
    locale = get_locale()
    return locale.language if locale is not None else "en"


def _cldr_pattern(fmt: str) -> str:
    """A strftime layout as a CLDR pattern, literal text quoted."""
    out = []
    position = 0
    for match in _DIRECTIVE.finditer(fmt):
        literal = fmt[position : match.start()]
        if literal:
            out.append("'" + literal.replace("'", "''") + "'")
        out.append(_DIRECTIVES.get(match.group(), ""))
        position = match.end()
    if fmt[position:]:
        out.append("'" + fmt[position:].replace("'", "''") + "'")
    return "".join(out)


def _pattern_for(fmt: str, language: str) -> str | None:
    """The CLDR pattern showing ``fmt`` in ``language``; None: keep ``strftime``."""
    if language not in _PATTERNS or not _NAMES.search(fmt):
        return None
    return _PATTERNS[language].get(fmt) or _cldr_pattern(fmt)


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


def format_local(value: datetime | None, tz: str | ZoneInfo, fmt: str = DEFAULT_FORMAT) -> str:
    """An instant shown as wall-clock time in the event's timezone, in the page's language."""
    if value is None:
        return ""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local = value.astimezone(zone)
    language = current_language()
    pattern = _pattern_for(fmt, language)
    if pattern is None:
        return local.strftime(fmt)
    return format_datetime(local, pattern, tzinfo=zone, locale=language)


def format_day(day: date, fmt: str = "%A %d %B %Y") -> str:
    """A calendar day (no time) in the page's language, e.g. Tuesday 23 March 2027."""
    language = current_language()
    pattern = _pattern_for(fmt, language)
    if pattern is None:
        return day.strftime(fmt)
    return format_date(day, pattern, locale=language)


def format_date_range(start: date, end: date) -> str:
    """An event's days as people write them: 23–25 March 2027 (23–25 mars 2027, 23.–25. März
    2027)."""
    language = current_language()
    if language not in _DAY:
        if start == end:
            return start.strftime("%d %B %Y")
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{end.strftime('%d %B %Y')}"
        if start.year == end.year:
            return f"{start.strftime('%d %B')} – {end.strftime('%d %B %Y')}"
        return f"{start.strftime('%d %B %Y')} – {end.strftime('%d %B %Y')}"
    day = _DAY[language]
    full = format_date(end, f"{day} MMMM y", locale=language)
    if start == end:
        return full
    if (start.year, start.month) == (end.year, end.month):
        return f"{format_date(start, day, locale=language)}–{full}"
    if start.year == end.year:
        return f"{format_date(start, f'{day} MMMM', locale=language)} – {full}"
    return f"{format_date(start, f'{day} MMMM y', locale=language)} – {full}"
