"""Cloning an event into its next edition, and the public pages of a series."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from conference import permissions
from conference.agenda.models import AgendaSession, Room, Speaker, Track
from conference.editions import cloning, series
from conference.editions.forms import CloneForm
from conference.editions.retention import erasure_date
from conference.errors import EventError
from conference.events.loaders import load_visible_event
from conference.extensions import db

bp = Blueprint("editions", __name__)

_COUNTED = {"rooms": Room, "tracks": Track, "speakers": Speaker, "sessions": AgendaSession}


@bp.route("/events/<slug>/manage/clone", methods=["GET", "POST"])
@login_required
def clone(slug: str):
    """Start the next edition from this event: choose the dates and what to copy."""
    event = load_visible_event(slug)
    permissions.require(permissions.can_clone_event(current_user, event))
    form = CloneForm()
    if form.submit.data and form.validate_on_submit():
        clone_request = form.to_request()
        try:
            report = cloning.clone_event(event, clone_request, actor=current_user)
        except EventError as error:
            db.session.rollback()
            target = getattr(form, error.field or "slug", form.slug)
            target.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("“%(title)s” is created as a draft.", title=report.event.title), "success")
            return redirect(
                url_for("editions.cloned", slug=report.event.slug, copied=",".join(report.parts))
            )
    return (
        render_template("editions/clone.html", event=event, form=form, never=cloning.NEVER_COPIED),
        422 if form.errors else 200,
    )


@bp.route("/events/<slug>/manage/cloned")
@login_required
def cloned(slug: str):
    """What the clone holds: counts read back from the new event, and what was left behind."""
    event = load_visible_event(slug)
    permissions.require(permissions.can_manage_event(current_user, event))
    copied = [p for p in request.args.get("copied", "").split(",") if p in cloning.PARTS]
    counts = {
        part: db.session.scalar(
            select(func.count()).select_from(model).where(model.event_id == event.id)
        )
        for part, model in _COUNTED.items()
    }
    return render_template(
        "editions/cloned.html",
        event=event,
        copied=copied,
        parts=cloning.PARTS,
        counts=counts,
        never=cloning.NEVER_COPIED,
    )


@bp.route("/series/<series_slug>/")
def series_detail(series_slug: str):
    """A series: every edition the visitor may see, with links to their programmes."""
    found = series.get_series(series_slug)
    if found is None:
        abort(404)
    editions = series.list_editions(found, current_user)
    return render_template(
        "editions/series.html",
        series=found,
        upcoming=[e for e in editions if not e.is_past],
        past=[e for e in reversed(editions) if e.is_past],
    )


@bp.app_template_filter("erasure_date")
def erasure_date_filter(event):
    return erasure_date(event)
