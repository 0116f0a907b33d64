"""The site administrators' pages: every event, and creating one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference import permissions
from conference.accounts import audit
from conference.editions.series import list_series
from conference.errors import EventError
from conference.events import services
from conference.events.forms import EventForm
from conference.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    permissions.require(permissions.can_access_admin(current_user))


@bp.route("/")
def index():
    """Every event, drafts included."""
    return render_template("admin/index.html", events=services.list_all_events())


@bp.route("/security-log")
def security_log():
    """Log-ins, failures, second-factor changes and sensitive actions, newest first."""
    permissions.require(permissions.can_view_security_log(current_user))
    email = (request.args.get("email") or "").strip()[:254]
    kind = request.args.get("what") or ""
    kinds = [k.value for k in audit.SecurityEventKind]
    return render_template(
        "admin/security_log.html",
        entries=audit.list_events(email=email or None, kind=kind if kind in kinds else None),
        email=email,
        kind=kind,
        kinds=kinds,
        page_size=audit.PAGE_SIZE,
    )


@bp.route("/events/new", methods=["GET", "POST"])
def create_event():
    """Create a draft event."""
    form = EventForm()
    form.set_series_choices(list_series())
    if form.validate_on_submit():
        try:
            event = services.create_event(form.to_details(), actor=current_user)
        except EventError as error:
            db.session.rollback()
            getattr(form, error.field or "title").errors.append(error.message)
        else:
            db.session.commit()
            flash(
                _("“%(title)s” is created as a draft. Add organisers next.", title=event.title),
                "success",
            )
            return redirect(url_for("events.staff", slug=event.slug))
    return render_template("admin/create_event.html", form=form), 422 if form.errors else 200
