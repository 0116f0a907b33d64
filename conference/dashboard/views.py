"""The organisers' dashboard: a page of charts and tables, and the JSON it refreshes from."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference import permissions
from conference.badges.checkpoints import is_device
from conference.badges.scanner_auth import load_api_actor
from conference.dashboard import charts, figures
from conference.dashboard.forms import DashboardFilterForm
from conference.db_types import utcnow
from conference.delegations import queries as delegation_queries
from conference.errors import DomainError, PermissionDenied
from conference.events.loaders import load_visible_event
from conference.events.models import Event
from conference.formfields import as_choices

bp = Blueprint("dashboard", __name__)


REFRESH_SECONDS = 30


def _charts(event: Event, delegation: Any = None) -> list[dict[str, Any]]:
    """Each chart: its key, title, numbers and SVG, for the page and the JSON alike; of one
    delegation's accepted nominees when ``delegation`` is given."""
    now = utcnow()
    day = figures.dashboard_day(event, now)
    shown_day = format_date(day, "EEEE dd MMMM")  # the reader's day and month names
    of = delegation.id if delegation is not None else None
    name = delegation.name if delegation is not None else None
    made = [
        (
            "registrations",
            _("Registrations per day, by state now (%(name)s)", name=name)
            if name
            else _("Registrations per day, by state now"),
            figures.registrations_per_day(event, of),
            True,
            _("Day"),
        ),
        (
            "backlog",
            _("Categories awaiting verification (%(name)s)", name=name)
            if name
            else _("Categories awaiting verification"),
            figures.verification_backlog(event, of),
            True,
            _("Category"),
        ),
        (
            "arrivals",
            _(
                "Arrivals at the entrance per 15 minutes, per door (%(day)s) (%(name)s)",
                day=shown_day,
                name=name,
            )
            if name
            else _("Arrivals at the entrance per 15 minutes, per door (%(day)s)", day=shown_day),
            figures.arrivals(event, day, of),
            True,
            _("From"),
        ),
        (
            "rooms",
            _("Expected and present per session (%(day)s) (%(name)s)", day=shown_day, name=name)
            if name
            else _("Expected and present per session (%(day)s)", day=shown_day),
            figures.room_fill(event, day, of),
            False,
            _("Session"),
        ),
    ]
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
    form, chosen = _delegation_filter(event)
    return (
        render_template(
            "dashboard/dashboard.html",
            event=event,
            charts=_charts(event, chosen),
            delegations=figures.delegation_figures(event),
            filter_form=form,
            delegation=chosen,
            refresh_seconds=REFRESH_SECONDS,
            now=utcnow(),
        ),
        422 if form.errors else 200,
    )


def _delegation_filter(event: Event) -> tuple[DashboardFilterForm, Any]:
    """``?delegation=<id>``: one of the event's delegations, or an error next to the field."""
    form = DashboardFilterForm(formdata=request.args)
    delegations = delegation_queries.event_delegations(event)
    form.delegation.choices = as_choices(
        [("", _("Every registrant")), *((str(d.id), d.name) for d in delegations)]
    )
    if not form.delegation.data:
        return form, None
    chosen = next((d for d in delegations if str(d.id) == form.delegation.data), None)
    if chosen is None:
        form.delegation.errors = [_("Choose one of this event's delegations.")]
    return form, chosen


@bp.route("/api/v1/events/<slug>/dashboard")
def dashboard_json(slug: str):
    """The dashboard's numbers, and each chart drawn, for the page to swap in."""
    event, actor = load_api_actor(slug)
    if is_device(actor) or not permissions.can_view_dashboard(actor, event):
        raise PermissionDenied("Only organisers see the dashboard.", code="forbidden")
    form, chosen = _delegation_filter(event)
    if form.errors:
        raise DomainError(form.delegation.errors[0], field="delegation", code="bad_request")
    now = utcnow()
    made = _charts(event, chosen)
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
