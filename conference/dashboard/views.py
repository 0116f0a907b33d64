"""The organisers' dashboard: a page of charts and tables, and the JSON it refreshes from."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required

from conference import permissions
from conference.badges.checkpoints import is_device
from conference.badges.scanner_auth import load_api_actor
from conference.dashboard import charts, figures
from conference.db_types import utcnow
from conference.errors import PermissionDenied
from conference.events.loaders import load_visible_event
from conference.events.models import Event

bp = Blueprint("dashboard", __name__)

REFRESH_SECONDS = 30


def _charts(event: Event) -> list[dict[str, Any]]:
    """Each chart: its key, title, numbers and SVG, for the page and the JSON alike."""
    now = utcnow()
    day = figures.dashboard_day(event, now)
    shown_day = day.strftime("%A %d %B")
    made = [
        ("registrations", "Registrations per day, by state now", figures.registrations_per_day(event), True, "Day"),
        ("backlog", "Categories awaiting verification", figures.verification_backlog(event), True, "Category"),
        ("arrivals", f"Arrivals at the entrance per 15 minutes, per door ({shown_day})", figures.arrivals(event, day), True, "From"),
        ("rooms", f"Expected and present per session ({shown_day})", figures.room_fill(event, day), False, "Session"),
    ]  # fmt: skip
    return [
        {
            "key": key,
            "title": title,
            "row_heading": row_heading,
            "series": series,
            "svg": charts.bar_chart(series, chart_id=f"chart-{key}", title=title, stacked=stacked),
        }
        for key, title, series, stacked, row_heading in made
    ]


def _render_chart(chart: dict[str, Any]) -> str:
    return render_template("dashboard/_chart.html", chart=chart)


@bp.route("/events/<slug>/manage/dashboard")
@login_required
def dashboard(slug: str):
    """Numbers of the day as charts, each with its table; refreshes itself."""
    event = load_visible_event(slug)
    permissions.require(permissions.can_view_dashboard(current_user, event))
    return render_template(
        "dashboard/dashboard.html",
        event=event,
        charts=_charts(event),
        refresh_seconds=REFRESH_SECONDS,
        now=utcnow(),
    )


@bp.route("/api/v1/events/<slug>/dashboard")
def dashboard_json(slug: str):
    """The dashboard's numbers, and each chart drawn, for the page to swap in."""
    event, actor = load_api_actor(slug)
    if is_device(actor) or not permissions.can_view_dashboard(actor, event):
        raise PermissionDenied("Only organisers see the dashboard.", code="forbidden")
    now = utcnow()
    made = _charts(event)
    return jsonify(
        {
            "generated_at": now.isoformat(),
            "generated_local_time": now.astimezone(event.tz).strftime("%H:%M:%S"),
            "charts": [
                {
                    "key": chart["key"],
                    "title": chart["title"],
                    "columns": chart["series"].columns,
                    "rows": [
                        {"label": label, "values": values} for label, values in chart["series"].rows
                    ],
                    "html": _render_chart(chart),
                }
                for chart in made
            ],
        }
    )
