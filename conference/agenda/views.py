"""Public agenda pages and exports: agenda, sessions, speakers, my agenda, JSON, frab XML.

Everything shown goes through ``queries.load_agenda`` / ``visible_session``, so
a restricted session appears only as its viewer may see it, and a hidden one
answers 404 exactly as a session that does not exist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    get_template_attribute,
    make_response,
    render_template,
    request,
    session,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference import permissions
from conference.agenda.catalogue import get_owned
from conference.agenda.dates import day_text
from conference.agenda.exports import agenda_json_of, frab_xml_of
from conference.agenda.filters import AgendaFilters
from conference.agenda.fragments import session_fragment
from conference.agenda.grid import build_day_grid
from conference.agenda.models import SessionKind, Speaker
from conference.agenda.pagecache import cached_for_anonymous
from conference.agenda.pdf import ProgrammeDay, programme_pdf
from conference.agenda.queries import Audience, load_agenda, load_session, visible_session
from conference.countries import country_name
from conference.db_types import utcnow
from conference.documents.queries import session_documents
from conference.events.loaders import load_visible_event
from conference.events.services import get_event
from conference.feeds.links import event_feed_links
from conference.registration.panel import booking_panel
from conference.registration.queries import list_my_bookings
from conference.registration.seat_status import fill_seat_marks, marked_sessions, seat_statuses
from conference.timezones import EVENT_ZONE, SESSION_KEY, DisplayZone, valid_zone_name

bp = Blueprint("agenda", __name__)
bp.add_app_template_filter(country_name, "country_name")
bp.add_app_template_filter(day_text, "day_text")
bp.add_app_template_global(session_fragment, "session_fragment")


@bp.after_request
def _no_shared_caching(response: Response) -> Response:
    # What a page shows depends on who asks: never let a shared cache mix viewers.
    response.vary.add("Cookie")
    if current_user.is_authenticated:
        response.cache_control.private = True
        response.cache_control.no_cache = True
    return response


def _grid_day(view, filters: AgendaFilters, shown_by_day: dict):
    if filters.day:
        return filters.day
    days_with_sessions = [d for d in view.event.days if shown_by_day.get(d)]
    return days_with_sessions[0] if days_with_sessions else view.event.days[0]


def _by_local_day(sessions, event) -> dict:
    """Day -> its sessions, in order (one pass: 5,000 sessions over several days)."""
    days: dict = {}
    for item in sessions:
        days.setdefault(item.local_day(event), []).append(item)
    return days


def display_zone(event) -> DisplayZone:
    """The zone times are shown in: ``?tz=`` (then kept in the session), else the event's."""
    asked = request.args.get("tz")
    if asked is not None:
        name = valid_zone_name(asked)
        if asked in ("", EVENT_ZONE) or name == event.timezone:
            if SESSION_KEY in session:
                del session[SESSION_KEY]
        elif name is not None and session.get(SESSION_KEY) != name:
            session[SESSION_KEY] = name
    return DisplayZone.of(event.tz, session.get(SESSION_KEY))


def with_seat_status(view: Callable) -> Callable:
    """Fill the page's seat markers with this viewer's states, on every request.

    Outside the page cache: a cached page holds markers only, so no viewer's
    bookings (nor a stale seat count) ever reach another viewer.
    """

    @wraps(view)
    def wrapper(slug: str, **kwargs):
        response = make_response(view(slug, **kwargs))
        if response.status_code != 200 or response.mimetype != "text/html":
            return response
        page = response.get_data(as_text=True)
        if not marked_sessions(page):
            return response
        # The page's own event when it was just rendered; a cached page needs it looked up.
        event = g.pop("agenda_event", None) or get_event(slug)
        registration = permissions.registration_for(current_user, event)
        statuses = seat_statuses(event, registration, utcnow())
        tag = get_template_attribute("agenda/_macros.html", "seat_tag")
        response.set_data(fill_seat_marks(page, statuses, tag))
        return response

    return wrapper


@bp.route("/events/<slug>/agenda/")
@with_seat_status
@cached_for_anonymous
def agenda(slug: str):
    """The agenda by day, as a grid of rooms × time and/or a list; filter by track, room, kind."""
    event = g.agenda_event = load_visible_event(slug)
    zone = display_zone(event)
    view = load_agenda(event, current_user)
    filters = AgendaFilters.from_args(request.args, event.days)
    shown = filters.apply(view.sessions)
    shown_by_day = _by_local_day(shown, event)
    grid = None
    if filters.shows_grid:
        day = _grid_day(view, filters, shown_by_day)
        rooms = [r for r in view.rooms if filters.room in (None, r.id)]
        grid = build_day_grid(day, shown_by_day.get(day, []), rooms, zone.tz)
    kinds = [k for k in SessionKind if any(s.kind == k.value for s in view.sessions)]
    list_days = [filters.day] if filters.day else event.days
    if not filters.shows_list:
        list_days = []
    return render_template(
        "agenda/agenda.html",
        event=event,
        view=view,
        filters=filters,
        shown=shown,
        grid=grid,
        kinds=kinds,
        zone=zone,
        event_feeds=event_feed_links(
            event, view.sessions, track_id=filters.track, room_id=filters.room
        ),
        list_days=[(d, shown_by_day.get(d, [])) for d in list_days],
    )


def _programme_days(event, sessions) -> list[ProgrammeDay]:
    by_day = _by_local_day(sessions, event)
    return [ProgrammeDay(d, by_day.get(d, [])) for d in event.days]


def _zone_note(event, zone: DisplayZone) -> str:
    if zone.is_event_zone:
        return _("All times are in the event's timezone, %(zone)s.", zone=event.timezone)
    return _(
        "Times are shown in %(zone)s. The event's timezone is %(event_zone)s.",
        zone=zone.name,
        event_zone=event.timezone,
    )


def _pdf_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/events/<slug>/agenda.pdf")
@cached_for_anonymous
def agenda_pdf(slug: str):
    """The programme the viewer may see, as a printable PDF (from the same visible rows)."""
    event = load_visible_event(slug)
    zone = display_zone(event)
    view = load_agenda(event, current_user)
    body = programme_pdf(
        title=event.title,
        subtitle=_("Programme · %(venue)s", venue=event.venue) if event.venue else _("Programme"),
        zone_note=_zone_note(event, zone),
        days=_programme_days(event, view.sessions),
        tz=zone.tz,
    )
    return _pdf_response(body, f"{event.slug}-programme.pdf")


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
        zone=display_zone(event),
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
        "agenda/my_agenda.html",
        event=event,
        registration=registration,
        bookings=bookings,
        zone=display_zone(event),
    )


@bp.route("/events/<slug>/my-agenda.pdf")
@login_required
def my_agenda_pdf(slug: str):
    """The registrant's booked and waiting sessions as a personal PDF, from the visible rows."""
    event = load_visible_event(slug)
    registration = permissions.registration_for(current_user, event)
    zone = display_zone(event)
    statuses: dict[int, str] = {}
    sessions = []
    if registration is not None:
        # What the viewer may see of each session comes from the one visible-rows query;
        # their bookings only choose which rows and say booked or waiting.
        for booking in list_my_bookings(current_user, registration):
            statuses[booking.session.id] = (
                _("Waiting list: number %(rank)s", rank=booking.rank)
                if booking.is_waitlisted
                else _("Booked")
            )
        view = load_agenda(event, current_user, registration)
        sessions = [s for s in view.sessions if s.id in statuses]
    body = programme_pdf(
        title=_("My agenda · %(title)s", title=event.title),
        subtitle=current_user.name,
        zone_note=_zone_note(event, zone),
        days=_programme_days(event, sessions),
        tz=zone.tz,
        statuses=statuses,
        empty_text=_("You have not booked any session yet."),
    )
    response = _pdf_response(body, f"{event.slug}-my-agenda.pdf")
    response.cache_control.private = True
    return response


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
