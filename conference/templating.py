"""Template globals and filters: permissions, labels and local times."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from conference import permissions
from conference.categories import CATEGORY_LABELS, StakeholderCategory
from conference.db_types import utcnow


def format_local(
    value: datetime | None, tz: str | ZoneInfo, fmt: str = "%a %d %b %Y, %H:%M"
) -> str:
    """An instant shown as wall-clock time in the event's timezone."""
    if value is None:
        return ""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return value.astimezone(zone).strftime(fmt)


def format_date_range(start: date, end: date) -> str:
    if start == end:
        return start.strftime("%d %B %Y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.strftime('%d %B %Y')}"
    if start.year == end.year:
        return f"{start.strftime('%d %B')} – {end.strftime('%d %B %Y')}"
    return f"{start.strftime('%d %B %Y')} – {end.strftime('%d %B %Y')}"


def category_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return CATEGORY_LABELS[StakeholderCategory(value)]
    except ValueError:
        return value


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["local"] = format_local
    app.jinja_env.filters["category_label"] = category_label
    app.jinja_env.globals["format_date_range"] = format_date_range

    @app.context_processor
    def inject_permissions() -> dict[str, object]:
        return {**permissions.TEMPLATE_PREDICATES, "now": utcnow()}
