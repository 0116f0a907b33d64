"""Organisers' mail to registrants: compose with a preview and a test, send, follow progress."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from conference import permissions
from conference.agenda.models import AgendaSession
from conference.badges.checkpoints import is_device
from conference.badges.scanner_auth import load_api_actor
from conference.errors import PermissionDenied
from conference.events.loaders import load_visible_event
from conference.events.models import Event
from conference.extensions import db
from conference.formfields import as_choices
from conference.localtime import format_local
from conference.mail.services import deliver_after_request
from conference.mailings import forms, services
from conference.mailings.models import Mailing

bp = Blueprint("mailings", __name__)


def _mailing_event(slug: str) -> Event:
    event = load_visible_event(slug)
    permissions.require(permissions.can_mail_registrants(current_user, event))
    return event


def _form(event: Event) -> forms.MailingForm:
    form = forms.MailingForm()
    sessions = db.session.scalars(
        select(AgendaSession)
        .where(AgendaSession.event_id == event.id)
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    ).all()
    form.session.choices = as_choices(
        [("", _("Any (or none)"))]
        + [
            (str(s.id), f"{format_local(s.starts_at, event.tz, '%a %d %b %H:%M')} {s.title}")
            for s in sessions
        ]
    )
    return form


def _audience(form: forms.MailingForm) -> services.Audience:
    return services.Audience(
        status=form.status.data or "",
        category=form.category.data or "",
        session_id=int(form.session.data) if form.session.data else None,
        checked_in=form.checked_in.data or "",
    )


@bp.route("/events/<slug>/manage/mailings", methods=["GET", "POST"])
@login_required
def compose(slug: str):
    """Write a message with placeholders, preview it, test it on yourself, send it."""
    event = _mailing_event(slug)
    form = _form(event)
    shown = None
    problem = None  # a refusal that is about no one field (the audience changed)
    status = 200
    if form.validate_on_submit():
        audience = _audience(form)
        subject, body = form.subject.data, form.body.data
        try:
            if form.send.data:
                expected = int(form.expected.data) if form.expected.data.isdigit() else -1
                mailing = services.send(
                    event, audience, subject, body, actor=current_user, expected=expected
                )
                db.session.commit()
                deliver_after_request()
                flash(
                    _(
                        "Message queued for %(num)d registrant(s).",
                        num=mailing.recipient_count,
                    ),
                    "success",
                )
                return redirect(url_for(".mailing", slug=slug, mailing_id=mailing.id))
            if form.test.data:
                services.send_test(event, audience, subject, body, actor=current_user)
                db.session.commit()
                deliver_after_request()
                flash(
                    _("A test message was sent to %(email)s.", email=current_user.email), "success"
                )
            shown = services.preview(event, audience, subject, body, actor=current_user)
            form.expected.data = str(shown.count)
        except services.MailingError as error:
            target = getattr(form, error.field, None) if error.field else None
            if target is not None:
                target.errors = [*target.errors, error.message]
            else:
                problem = error.message
            status = 422
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "mailings/compose.html",
            event=event,
            form=form,
            shown=shown,
            problem=problem,
            mailings=services.list_mailings(event),
        ),
        status,
    )


def _loaded_mailing(event: Event, mailing_id: int) -> Mailing:
    mailing = services.get_mailing(event, mailing_id)
    if mailing is None:
        abort(404)
    return mailing


@bp.route("/events/<slug>/manage/mailings/<int:mailing_id>")
@login_required
def mailing(slug: str, mailing_id: int):
    """One sent message: to whom, what, and how much of it the outbox has delivered."""
    event = _mailing_event(slug)
    sent = _loaded_mailing(event, mailing_id)
    return render_template(
        "mailings/mailing.html", event=event, mailing=sent, progress=services.progress(sent)
    )


@bp.route("/api/v1/events/<slug>/mailings/<int:mailing_id>")
def mailing_progress(slug: str, mailing_id: int):
    """Delivery progress of one mailing (organisers; device tokens get 403)."""
    event, actor = load_api_actor(slug)
    if is_device(actor) or not permissions.can_mail_registrants(actor, event):
        raise PermissionDenied("Only organisers follow their mailings.", code="forbidden")
    found = services.get_mailing(event, mailing_id)
    if found is None:
        abort(404)
    shown = services.progress(found)
    return jsonify(
        {
            "id": found.id,
            "total": shown.total,
            "sent": shown.sent,
            "failed": shown.failed,
            "waiting": shown.waiting,
        }
    )
