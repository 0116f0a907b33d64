"""Public agenda pages and exports: agenda, sessions, speakers, my agenda, JSON, frab XML.

Everything shown goes through ``queries.load_agenda`` / ``visible_session``, so
a restricted session appears only as its viewer may see it, and a hidden one
answers 404 exactly as a session that does not exist.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user, login_required

from conference import permissions
from conference.agenda.catalogue import get_owned
from conference.agenda.exports import agenda_json_of, frab_xml_of
from conference.agenda.filters import AgendaFilters
from conference.agenda.grid import build_day_grid
from conference.agenda.models import SessionKind, Speaker
from conference.agenda.pagecache import cached_for_anonymous
from conference.agenda.queries import Audience, load_agenda, load_session, visible_session
from conference.countries import country_name
from conference.documents.queries import session_documents
from conference.events.loaders import load_visible_event
from conference.registration.panel import booking_panel
from conference.registration.queries import list_my_bookings

bp = Blueprint("agenda", __name__)
bp.add_app_template_filter(country_name, "country_name")


@bp.after_request
def _no_shared_caching(response: Response) -> Response:
    # What a page shows depends on who asks: never let a shared cache mix viewers.
    response.vary.add("Cookie")
    if current_user.is_authenticated:
        response.cache_control.private = True
        response.cache_control.no_cache = True
    return response


def _grid_day(view, filters: AgendaFilters, shown):
    if filters.day:
        return filters.day
    days_with_sessions = [
        d for d in view.event.days if any(s.local_day(view.event) == d for s in shown)
    ]
    return days_with_sessions[0] if days_with_sessions else view.event.days[0]


@bp.route("/events/<slug>/agenda/")
@cached_for_anonymous
def agenda(slug: str):
    """The agenda by day, as a grid of rooms × time or as a list; filter by track, room, kind."""
    event = load_visible_event(slug)
    view = load_agenda(event, current_user)
    filters = AgendaFilters.from_args(request.args, event.days)
    shown = filters.apply(view.sessions)
    grid = None
    if filters.view == "grid":
        day = _grid_day(view, filters, shown)
        rooms = [r for r in view.rooms if filters.room in (None, r.id)]
        grid = build_day_grid(day, [s for s in shown if s.local_day(event) == day], rooms, event.tz)
    kinds = [k for k in SessionKind if any(s.kind == k.value for s in view.sessions)]
    list_days = [] if grid is not None else [filters.day] if filters.day else event.days
    return render_template(
        "agenda/agenda.html",
        event=event,
        view=view,
        filters=filters,
        shown=shown,
        grid=grid,
        kinds=kinds,
        list_days=[(d, [s for s in shown if s.local_day(event) == d]) for d in list_days],
    )


def load_visible_session(slug: str, session_id: int):
    """(event, session, what the user may see of it, their registration), or 404.

    A hidden session answers exactly as a missing one: use this for every page
    under /sessions/<id>/ (booking, calendar links).
    """
    event = load_visible_event(slug)
    registration = permissions.registration_for(current_user, event)
    session = load_session(event, session_id, Audience.of(current_user, event, registration))
    item = visible_session(current_user, session, registration) if session is not None else None
    if item is None:
        abort(404)
    return event, session, item, registration


@bp.route("/events/<slug>/sessions/<int:session_id>/")
def session_detail(slug: str, session_id: int):
    """A session's page: abstract, speakers, booking; a closed block shows time and room only."""
    event, session, item, registration = load_visible_session(slug, session_id)
    # The booking panel gets the session only when it may be seen in full.
    shown = None if item.closed else session
    return render_template(
        "agenda/session.html",
        event=event,
        item=item,
        session=shown,
        registration=registration,
        panel=booking_panel(current_user, event, shown, registration) if shown else None,
        documents=session_documents(current_user, shown) if shown else None,
    )


@bp.route("/events/<slug>/speakers/")
def speakers(slug: str):
    """Speakers of the sessions the viewer may see in full."""
    event = load_visible_event(slug)
    view = load_agenda(event, current_user)
    return render_template("agenda/speakers.html", event=event, view=view)


@bp.route("/events/<slug>/speakers/<int:speaker_id>/")
def speaker_detail(slug: str, speaker_id: int):
    """A speaker and their sessions (only those the viewer may see in full)."""
    event = load_visible_event(slug)
    speaker = get_owned(Speaker, event, speaker_id)
    view = load_agenda(event, current_user)
    sessions = view.sessions_of_speaker(speaker_id) if speaker is not None else []
    # A speaker of closed or hidden sessions only is not revealed.
    if speaker is None or (not sessions and not view.is_staff):
        abort(404)
    return render_template("agenda/speaker.html", event=event, speaker=speaker, sessions=sessions)


@bp.route("/events/<slug>/my-agenda")
@login_required
def my_agenda(slug: str):
    """The logged-in registrant's booked sessions, in time order."""
    event = load_visible_event(slug)
    registration = permissions.registration_for(current_user, event)
    bookings = list_my_bookings(current_user, registration) if registration else []
    return render_template(
        "agenda/my_agenda.html", event=event, registration=registration, bookings=bookings
    )


@bp.route("/events/<slug>/agenda.json")
@cached_for_anonymous
def agenda_json(slug: str):
    """The agenda the viewer may see, as JSON (docs/agenda-json.md)."""
    view = load_agenda(load_visible_event(slug), current_user)
    return _conditional(current_app.json.response(agenda_json_of(view)), view)


@bp.route("/events/<slug>/schedule.xml")
@cached_for_anonymous
def schedule_xml(slug: str):
    """The agenda the viewer may see, in the frab schedule XML format."""
    view = load_agenda(load_visible_event(slug), current_user)
    return _conditional(Response(frab_xml_of(view), mimetype="application/xml"), view)


def _conditional(response: Response, view) -> Response:
    """ETag and Last-Modified from what the viewer sees only, for apps that poll."""
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.last_modified = view.last_modified
    return response.make_conditional(request)
