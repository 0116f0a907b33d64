"""Organisers' agenda pages: the timetable, adding, editing and cancelling sessions, the changelog."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from conference import permissions
from conference.agenda import catalogue, services
from conference.agenda.changelog import list_changes
from conference.agenda.conflicts import timetable_conflicts
from conference.agenda.forms import SERVICE_FIELDS, CancelSessionForm, SessionForm
from conference.agenda.grid import build_day_grid
from conference.agenda.models import AgendaSession
from conference.agenda.queries import load_agenda, load_session
from conference.delegations.queries import event_delegations
from conference.errors import DomainError
from conference.events.loaders import load_managed_event
from conference.events.models import Event
from conference.events.services import bump_agenda_version
from conference.extensions import db
from conference.localtime import NonexistentLocalTime, to_instant
from conference.notices.services import pending_for
from conference.registration.queries import session_booking_counts

bp = Blueprint("agenda_manage", __name__, url_prefix="/events/<slug>/manage/agenda")


@bp.before_request
@login_required
def _require_login() -> None:
    """Every page here needs a login (then the organiser role, checked per view)."""


@bp.route("/")
def timetable(slug: str):
    """Days as tabs, rooms as lanes, conflicts highlighted."""
    event = load_managed_event(slug)
    view = load_agenda(event, current_user)
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = None
    if day not in event.days:
        day = event.days[0]
    warnings = timetable_conflicts(view.sessions)
    grid = build_day_grid(day, view.sessions_on(day), view.rooms, event.tz)
    counts = {d: len(view.sessions_on(d)) for d in event.days}
    return render_template(
        "agenda/manage/timetable.html",
        event=event,
        view=view,
        day=day,
        grid=grid,
        counts=counts,
        warnings=warnings,
        conflict_count=len(warnings),
    )


def _skipped_time_message(form: SessionForm, event: Event, error: Exception) -> str:
    """Say which wall-clock time a daylight-saving change skips, in the page's language."""
    day = date.fromisoformat(form.day.data)
    for field in (form.start_time, form.end_time):
        local = datetime.combine(day, field.data)
        try:
            to_instant(local, event.tz)
        except NonexistentLocalTime:
            return _(
                "%(time)s does not exist in %(zone)s (clocks go forward then). "
                "Choose another time.",
                time=f"{local:%Y-%m-%d %H:%M}",
                zone=event.tz.key,
            )
    return _("%(error)s. Choose another time.", error=error)


def _session_form_page(event: Event, session: AgendaSession | None):
    rooms, tracks = catalogue.list_rooms(event), catalogue.list_tracks(event)
    speakers = catalogue.list_speakers(event)
    delegations = event_delegations(event)
    # A submitted form holds only what was posted: the stored session's relationships (track,
    # speakers) must never stand in for a field missing from the request.
    form = SessionForm() if request.method == "POST" else SessionForm(obj=session)
    form.fill_choices(event, rooms, tracks, speakers, delegations)
    if session is not None and not form.is_submitted():
        form.fill_from(session, event, permissions.session_delegation_ids(session))
        form.fill_translations(session)
    elif session is None and not form.is_submitted():
        form.day.data = request.args.get("day")
        form.room.data = request.args.get("room", type=int)
    conflicts = []
    if form.validate_on_submit():
        try:
            fields = form.to_fields(event, {s.id: s for s in speakers})
            saved = services.save_session(
                event,
                fields,
                actor=current_user,
                session=session,
                override_conflicts=form.override_conflicts.data,
            )
            translations = form.translations_data()
            if translations != (saved.session.translations or {}):
                # In every public output of the session: its calendars must update too.
                saved.session.translations = translations
                saved.session.revision = (saved.session.revision or 0) + 1
                bump_agenda_version(event)
        except NonexistentLocalTime as error:
            form.start_time.errors.append(_skipped_time_message(form, event, error))
        except services.SessionConflicts as error:
            db.session.rollback()
            conflicts = error.conflicts
            form.override_conflicts.errors.append(
                _(
                    "Move the session, or tick this box to save it anyway (the timetable will "
                    "show the conflict)."
                )
            )
        except DomainError as error:
            db.session.rollback()
            name = SERVICE_FIELDS.get(error.field or "", error.field or "title")
            getattr(form, name, form.title).errors.append(error.message)
        else:
            db.session.commit()
            if saved.conflicts:
                flash(
                    ngettext(
                        "The session is saved despite %(num)d conflict(s); "
                        "the timetable marks them.",
                        "The session is saved despite %(num)d conflict(s); "
                        "the timetable marks them.",
                        len(saved.conflicts),
                    ),
                    "error",
                )
            else:
                flash(_("“%(title)s” is saved.", title=saved.session.title), "success")
            day = saved.session.starts_at.astimezone(event.tz).date().isoformat()
            return redirect(url_for("agenda_manage.timetable", slug=event.slug, day=day))
    return (
        render_template(
            "agenda/manage/session_form.html",
            event=event,
            form=form,
            session=session,
            conflicts=conflicts,
            has_rooms=bool(rooms),
        ),
        422 if form.errors else 200,
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
def session_new(slug: str):
    """Add a session to the agenda."""
    return _session_form_page(load_managed_event(slug), None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def session_edit(slug: str, session_id: int):
    """Edit, move or re-room a session (or cancel and reinstate it through its status)."""
    event = load_managed_event(slug)
    session = load_session(event, session_id)
    if session is None:
        abort(404)
    return _session_form_page(event, session)


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
def session_cancel(slug: str, session_id: int):
    """Cancel a session after a confirmation page: it stays on the agenda, marked cancelled."""
    event = load_managed_event(slug)
    session = load_session(event, session_id)
    if session is None:
        abort(404)
    day = session.starts_at.astimezone(event.tz).date().isoformat()
    if session.is_cancelled:
        flash(_("“%(title)s” is already cancelled.", title=session.title), "info")
        return redirect(url_for("agenda_manage.timetable", slug=event.slug, day=day))
    form = CancelSessionForm()
    if form.is_confirmed():
        if services.cancel_session_by(session, actor=current_user):
            db.session.commit()
            flash(
                _(
                    "“%(title)s” is cancelled; it stays on the agenda as cancelled.",
                    title=session.title,
                ),
                "success",
            )
        return redirect(url_for("agenda_manage.timetable", slug=event.slug, day=day))
    booked, waiting = session_booking_counts(session)
    return render_template(
        "agenda/manage/confirm_cancel_session.html",
        event=event,
        session=session,
        booked=booked,
        waiting=waiting,
        form=form,
    )


@bp.route("/changes")
def changes(slug: str):
    """The changelog of the published agenda, newest first."""
    event = load_managed_event(slug)
    return render_template(
        "agenda/manage/changes.html",
        event=event,
        changes=list_changes(event),
        pending=pending_for(event),
    )
