"""The door staff's scanner page (works without JavaScript too) and the organisers' check-in log."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user, login_required

from conference import permissions
from conference.accounts import signin
from conference.accounts.audit import SecurityEventKind as Kind
from conference.badges import checkin, forms, offline, reports
from conference.badges.answers import answer_json
from conference.badges.checkpoints import (
    CheckpointError,
    checkpoint_label,
    list_checkpoints,
    parse_checkpoint,
)
from conference.badges.csvexport import scan_log_csv
from conference.events.loaders import load_visible_event
from conference.events.models import Event
from conference.extensions import db
from conference.formfields import as_choices

bp = Blueprint("checkin", __name__)


def _scanning(slug: str) -> Event:
    event = load_visible_event(slug)
    permissions.require(permissions.can_scan(current_user, event))
    return event


def _scan_form(event: Event, **kwargs) -> forms.ScanForm:
    form = forms.ScanForm(**kwargs)
    form.checkpoint.choices = as_choices(
        (c.key, checkpoint_label(c, current_user)) for c in list_checkpoints(event)
    )
    return form


def _render_scanner(event: Event, form: forms.ScanForm, result=None, status: int = 200, again=None):
    """The page; ``again`` holds what a "Let in again" button must send back."""
    search = forms.SearchForm(request.args, checkpoint=form.checkpoint.data)
    results = []
    if request.method == "GET" and search.q.data and search.validate():
        results = offline.search_registrations(event, search.q.data)
    return (
        render_template(
            "badges/scan.html",
            event=event,
            form=form,
            result=result,
            search=search,
            results=results,
            manual_form=forms.ManualCheckInForm(),
            again=again,
        ),
        status,
        {"Cache-Control": "no-store"},
    )


@bp.route("/events/<slug>/scan", methods=["GET", "POST"])
@login_required
def scanner(slug: str):
    """Pick the checkpoint and scan; a typed code posts here when JavaScript is off."""
    event = _scanning(slug)
    form = _scan_form(event, checkpoint=request.args.get("checkpoint") or "entrance")
    if not form.is_submitted():
        return _render_scanner(event, form)
    if not form.validate():
        return _render_scanner(event, form, status=422)
    checkpoint = parse_checkpoint(event, form.checkpoint.data)
    code = form.code.data
    scan = checkin.scan(
        event, checkpoint, code, actor=current_user, let_in_again=form.let_in_again.data
    )
    db.session.commit()
    result = answer_json(scan, current_user)
    # Ready for the next person: the field comes back empty.
    form.code.data = ""
    again = {
        "action": url_for("checkin.scanner", slug=event.slug),
        "form": form,
        "fields": {"code": code},
    }
    return _render_scanner(event, form, result, again=again)


@bp.route("/events/<slug>/scan/manual", methods=["POST"])
@login_required
def manual_check_in(slug: str):
    """Check in by hand someone found by name (forgotten badge)."""
    event = _scanning(slug)
    manual = forms.ManualCheckInForm()
    if not manual.validate_on_submit():
        abort(400)
    try:
        checkpoint = parse_checkpoint(event, manual.checkpoint.data)
    except CheckpointError:
        abort(400)
    registration = offline.registration_of(event, manual.registration.data)
    if registration is None:
        abort(404)
    scan = checkin.manual_check_in(
        event, checkpoint, registration, actor=current_user, let_in_again=manual.let_in_again.data
    )
    db.session.commit()
    form = _scan_form(event, formdata=None, checkpoint=checkpoint.key)
    again = {
        "action": url_for("checkin.manual_check_in", slug=event.slug),
        "form": manual,
        "fields": {"registration": registration.id},
    }
    return _render_scanner(event, form, answer_json(scan, current_user), again=again)


def _organising(slug: str) -> Event:
    event = load_visible_event(slug)
    permissions.require(permissions.can_view_checkins(current_user, event))
    return event


@bp.route("/events/<slug>/manage/checkins")
@login_required
def checkins(slug: str):
    """Live counts per checkpoint, who is in, and the scan log with refusals."""
    event = _organising(slug)
    refused_only = request.args.get("refused") == "1"
    scans = reports.scan_log(event, refused_only=refused_only)
    return render_template(
        "badges/checkins.html",
        event=event,
        counts=reports.checkpoint_counts(event, current_user),
        people=reports.who_is_in(event),
        log=reports.scan_log_rows(event, scans, current_user),
        refused_only=refused_only,
    )


@bp.route("/events/<slug>/manage/checkins.csv")
@login_required
def checkins_csv(slug: str):
    """The whole scan log as CSV."""
    event = _organising(slug)
    if detour := signin.reauthentication_detour():
        return detour  # who entered, when: a list of people (issue 18)
    signin.audit(Kind.SCANS_EXPORTED, user=current_user, detail=event.slug)
    db.session.commit()
    rows = reports.scan_log_rows(event, reports.scan_log(event, limit=None), current_user)
    response = Response(scan_log_csv(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="scans-{event.slug}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
