"""National contact points' pages (their delegation only) and the nominee's invitation page."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference import permissions
from conference.badges.reports import checked_in_at_entrance
from conference.db_types import utcnow
from conference.delegations import forms, nominations, queries, rules, session_quotas, uploads
from conference.delegations.models import Delegation, Nomination, NominationState
from conference.delegations.services import get_delegation
from conference.errors import DomainError
from conference.events.models import Event
from conference.events.services import get_event
from conference.extensions import db
from conference.i18n import use_event_language
from conference.mail.services import deliver_after_request
from conference.registration.refusals import refused_page

bp = Blueprint("delegations", __name__)


def _load_event(slug: str) -> Event:
    """The event, draft or not: an NCP prepares nominations before it is published."""
    event = get_event(slug)
    if event is None:
        abort(404)
    use_event_language(event)
    return event


def _load_delegation(slug: str, delegation_id: int) -> Delegation:
    """The delegation if the user is its NCP or an organiser; 404 otherwise, like a missing one."""
    event = _load_event(slug)
    delegation = get_delegation(event, delegation_id)
    if delegation is None or not permissions.can_manage_delegation(current_user, delegation):
        abort(404)
    return delegation


def _load_nomination(slug: str, delegation_id: int, nomination_id: int) -> Nomination:
    delegation = _load_delegation(slug, delegation_id)
    nomination = queries.nomination_in_delegation(delegation, nomination_id)
    if nomination is None:
        abort(404)
    return nomination


def _dashboard_url(delegation: Delegation) -> str:
    return url_for("delegations.dashboard", slug=delegation.event.slug, delegation_id=delegation.id)


@bp.route("/events/<slug>/delegations/")
@login_required
def my_delegations(slug: str):
    """The delegations of this event the user is a national contact point of."""
    event = _load_event(slug)
    mine = queries.delegations_of_contact(current_user, event)
    if not mine and not permissions.can_manage_delegations(current_user, event):
        abort(404)
    if len(mine) == 1:
        return redirect(_dashboard_url(mine[0]))
    return render_template("delegations/mine.html", event=event, delegations=mine)


def _dashboard(delegation: Delegation, form: forms.NominateForm, status: int = 200):
    event = delegation.event
    (row,) = queries.list_delegations(event, only=[delegation.id])
    nominees = queries.list_nominations(delegation)
    checked_in = checked_in_at_entrance(event, row.accepted_registration_ids)
    booked = [
        (
            session,
            session.title
            if permissions.can_see_session_details(current_user, session)
            else _("Closed session"),
            seats,
            waiting,
        )
        for session, seats, waiting in queries.sessions_booked(delegation)
    ]
    # A quota is addressed to the delegation: its NCP sees it, the title only where allowed.
    quotas = [
        (
            quota,
            quota.session.title
            if permissions.can_see_session_details(current_user, quota.session)
            else _("Closed session"),
        )
        for quota in session_quotas.list_session_quotas(delegation)
    ]
    return (
        render_template(
            "delegations/dashboard.html",
            event=event,
            delegation=delegation,
            row=row,
            nominees=nominees,
            checked_in=checked_in,
            booked=booked,
            quotas=quotas,
            form=form,
            action_form=forms.ActionForm(),
            now=utcnow(),
            states=NominationState,
        ),
        status,
    )


@bp.route("/events/<slug>/delegations/<int:delegation_id>/")
@login_required
def dashboard(slug: str, delegation_id: int):
    """The NCP's page: nominees and their states, seats used of the quota, sessions booked."""
    return _dashboard(_load_delegation(slug, delegation_id), forms.NominateForm())


@bp.route("/events/<slug>/delegations/<int:delegation_id>/nominate", methods=["POST"])
@login_required
def nominate(slug: str, delegation_id: int):
    """Invite one expert by name and email (errors next to the fields)."""
    delegation = _load_delegation(slug, delegation_id)
    form = forms.NominateForm()
    if form.validate_on_submit():
        try:
            nominations.nominate(delegation, form.name.data, form.email.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            field = error.field if error.field in ("name", "email") else "email"
            form[field].errors.append(error.message)
        else:
            db.session.commit()
            deliver_after_request()
            flash(
                _("Invitation sent to %(email)s.", email=form.email.data.strip().lower()),
                "success",
            )
            return redirect(_dashboard_url(delegation), code=303)
    return _dashboard(delegation, form, 422)


def _nomination_action(slug: str, delegation_id: int, nomination_id: int, action, done: str):
    nomination = _load_nomination(slug, delegation_id, nomination_id)
    delegation = nomination.delegation
    back = _dashboard_url(delegation)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        action(nomination, actor=current_user)
    except DomainError as error:
        return refused_page(error, back)
    db.session.commit()
    deliver_after_request()
    flash(done(nomination), "success")
    return redirect(back, code=303)


@bp.route(
    "/events/<slug>/delegations/<int:delegation_id>/nominations/<int:nomination_id>/resend",
    methods=["POST"],
)
@login_required
def resend(slug: str, delegation_id: int, nomination_id: int):
    """Send a new invitation link (the old one stops working)."""
    return _nomination_action(
        slug,
        delegation_id,
        nomination_id,
        nominations.resend,
        lambda n: _("A new invitation went to %(name)s.", name=n.name),
    )


@bp.route(
    "/events/<slug>/delegations/<int:delegation_id>/nominations/<int:nomination_id>/withdraw",
    methods=["GET", "POST"],
)
@login_required
def withdraw(slug: str, delegation_id: int, nomination_id: int):
    """Withdraw a nomination, after a page saying what follows (an accepted nominee loses the
    registration, the seats and the door); a POST without ``confirm`` only shows that page."""
    nomination = _load_nomination(slug, delegation_id, nomination_id)
    delegation = nomination.delegation
    back = _dashboard_url(delegation)
    form = forms.ConfirmForm()
    state = nomination.current_state
    if state == NominationState.WITHDRAWN.value:
        flash(_("The nomination of %(name)s is already withdrawn.", name=nomination.name), "info")
        return redirect(back, code=303)
    if form.is_confirmed():
        try:
            nominations.withdraw(nomination, actor=current_user)
        except DomainError as error:
            return refused_page(error, back)
        db.session.commit()
        deliver_after_request()
        flash(_("The nomination of %(name)s is withdrawn.", name=nomination.name), "success")
        return redirect(back, code=303)
    seats, waiting = queries.bookings_held(nomination) if state == "accepted" else (0, 0)
    return render_template(
        "delegations/confirm_withdraw.html",
        event=delegation.event,
        delegation=delegation,
        nomination=nomination,
        state=state,
        seats=seats,
        waiting=waiting,
        form=form,
        back=back,
    )


# --- CSV upload: a preview with per-row errors; nothing is written until confirmed ----------


def _upload_page(delegation: Delegation, form, rows=None, problem: str = "", status: int = 200):
    valid = [r for r in rows or [] if r.ok]
    confirm = forms.ConfirmUploadForm(formdata=None)
    confirm.rows.data = json.dumps([[r.line, r.name, r.email] for r in valid])
    return (
        render_template(
            "delegations/upload.html",
            event=delegation.event,
            delegation=delegation,
            form=form,
            rows=rows,
            valid=valid,
            confirm=confirm,
            problem=problem,
        ),
        status,
    )


@bp.route("/events/<slug>/delegations/<int:delegation_id>/upload", methods=["GET", "POST"])
@login_required
def upload(slug: str, delegation_id: int):
    """Upload a CSV file of nominees and see, line by line, what would be sent."""
    delegation = _load_delegation(slug, delegation_id)
    form = forms.UploadForm()
    if not form.validate_on_submit():
        return _upload_page(delegation, form, status=422 if form.errors else 200)
    raw = form.file.data.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        form.file.errors.append(_("The file is not UTF-8 text; save it as CSV UTF-8."))
        return _upload_page(delegation, form, status=422)
    rows, problem = rules.parse_nominee_csv(text)
    if problem:
        form.file.errors.append(problem)
        return _upload_page(delegation, form, status=422)
    uploads.preview_nominees(delegation, rows)
    return _upload_page(delegation, form, rows)


@bp.route("/events/<slug>/delegations/<int:delegation_id>/upload/confirm", methods=["POST"])
@login_required
def confirm_upload(slug: str, delegation_id: int):
    """Send the invitations of a confirmed preview: all of them, or none if one is refused."""
    delegation = _load_delegation(slug, delegation_id)
    form = forms.ConfirmUploadForm()
    try:
        data = json.loads(form.rows.data or "") if form.validate_on_submit() else None
        rows = [rules.NomineeRow(int(line), str(name), str(email)) for line, name, email in data]
    except (TypeError, ValueError):
        rows = []
    if not rows:
        return refused_page(
            DomainError(_("Nothing to send: upload the file again.")),
            url_for("delegations.upload", slug=slug, delegation_id=delegation.id),
        )
    try:
        sent = uploads.nominate_many(delegation, rows, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        return _upload_page(
            delegation,
            forms.UploadForm(formdata=None),
            problem=_("Nothing was sent. %(reason)s", reason=error.message),
            status=error.status_code,
        )
    db.session.commit()
    deliver_after_request()
    flash(_("%(num)d invitation(s) sent.", num=len(sent)), "success")
    return redirect(_dashboard_url(delegation), code=303)


# --- The nominee's side ---------------------------------------------------------------------


def _invitation_page(token: str, form: forms.AcceptForm, status: int = 200, problem: str = ""):
    now = utcnow()
    nomination = nominations.find_invitation(token)
    if nomination is None:
        abort(404)
    state = nomination.state_at(now)
    lock_problem = ""
    if state == NominationState.INVITED.value and current_user.is_authenticated:
        try:
            nominations.check_holder(nomination, current_user)
        except DomainError as error:
            lock_problem = error.message
    return (
        render_template(
            "delegations/invitation.html",
            nomination=nomination,
            delegation=nomination.delegation,
            event=nomination.event,
            state=state,
            token=token,
            form=form,
            decline_form=forms.ActionForm(),
            lock_problem=lock_problem,
            problem=problem,
            login_url=url_for("accounts.login", next=request.path),
        ),
        status,
    )


@bp.route("/invitations/<token>")
def invitation(token: str):
    """What the nomination is, what accepting means, and the accept and decline buttons."""
    return _invitation_page(token, forms.AcceptForm())


@bp.route("/invitations/<token>/accept", methods=["POST"])
@login_required
def accept_invitation(token: str):
    """Accept, logged in with the invited address: an approved, verified registration."""
    form = forms.AcceptForm()
    nomination = nominations.find_invitation(token)
    if nomination is None:
        abort(404)
    if form.is_submitted() and not form.validate():
        return _invitation_page(token, form, 422)
    try:
        registration = nominations.accept(
            token, current_user, privacy_consent=bool(form.privacy_consent.data)
        )
    except DomainError as error:
        db.session.rollback()
        if error.field == "privacy_consent":
            form.privacy_consent.errors.append(error.message)
            return _invitation_page(token, form, 422)
        return _invitation_page(token, form, error.status_code, problem=error.message)
    db.session.commit()
    deliver_after_request()
    flash(_("You accepted the nomination: you are registered for the event."), "success")
    return redirect(url_for("registration.my_registration", slug=registration.event.slug), code=303)


@bp.route("/invitations/<token>/decline", methods=["POST"])
def decline_invitation(token: str):
    """Decline the nomination (the contact point may send it again)."""
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    if nominations.find_invitation(token) is None:
        abort(404)
    try:
        nominations.decline(token)
    except DomainError as error:
        db.session.rollback()
        return _invitation_page(token, forms.AcceptForm(), error.status_code, problem=error.message)
    db.session.commit()
    deliver_after_request()
    flash(_("You declined the nomination. Your national contact point is told."), "success")
    return redirect(url_for("delegations.invitation", token=token), code=303)
