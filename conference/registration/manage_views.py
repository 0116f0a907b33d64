"""Organisers' pages: registrant list, moderation, waiting lists, CSV exports, audit log."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from conference import permissions
from conference.accounts import signin
from conference.accounts.audit import SecurityEventKind as Kind
from conference.categories import category_label
from conference.confirmation import Confirmation, confirmation_page
from conference.countries import country_choices, country_name
from conference.delegations import queries as delegation_queries
from conference.errors import DomainError
from conference.events.loaders import load_visible_event
from conference.events.models import Event
from conference.extensions import db
from conference.formfields import as_choices
from conference.mail.services import deliver_after_request
from conference.registration import booking as booking_services
from conference.registration import exports, forms, moderation, queries, services
from conference.registration.models import Booking, Registration
from conference.registration.refusals import refused_page

PER_PAGE = 50

bp = Blueprint("registration_manage", __name__)


def _load_moderated(slug: str) -> Event:
    event = load_visible_event(slug)
    permissions.require(permissions.can_moderate_registrations(current_user, event))
    return event


def _load_registration(event: Event, registration_id: int) -> Registration:
    registration = queries.registration_in_event(event, registration_id)
    if registration is None:
        abort(404)
    return registration


def _filters(event: Event | None = None) -> tuple[forms.FilterForm, queries.RegistrantFilters]:
    form = forms.FilterForm(formdata=request.args)
    form.country.choices = as_choices([("", _("Any country")), *country_choices()])
    form.validate()
    values = {
        name: (form[name].data or "") if not form[name].errors else ""
        for name in ("q", "status", "category", "verified", "country")
    }
    filters = queries.RegistrantFilters(**values)
    if event is not None:
        _delegation_filter(event, form, filters)
    return form, filters


def _delegation_filter(event: Event, form: forms.FilterForm, filters) -> None:
    """The delegation filter (issue 17): its choices, and the accepted nominees it keeps."""
    rows = delegation_queries.list_delegations(event)
    form.delegation.choices = as_choices(
        [("", _("Any delegation")), *((str(r.delegation.id), r.delegation.name) for r in rows)]
    )
    chosen = next((r for r in rows if str(r.delegation.id) == form.delegation.data), None)
    if chosen is not None:
        filters.registration_ids = frozenset(chosen.accepted_registration_ids)


def _page() -> int:
    try:
        return min(max(1, int(request.args.get("page", 1))), 1_000_000)
    except ValueError:
        return 1


@bp.route("/events/<slug>/manage/registrations")
@login_required
def manage_list(slug: str):
    """Registrants with search, filters, counts per state and category, and bulk actions."""
    event = _load_moderated(slug)
    filter_form, filters = _filters(event)
    page = _page()
    registrations, total = queries.list_registrants(event, filters, page=page, per_page=PER_PAGE)
    return render_template(
        "registration/manage_list.html",
        event=event,
        filter_form=filter_form,
        registrations=registrations,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        by_status=queries.counts_by(event, Registration.status),
        by_category=queries.counts_by(event, Registration.category),
        bulk_form=forms.BulkForm(),
        export_args={k: v for k, v in request.args.items() if k != "page" and v},
        country_name=country_name,
    )


@bp.route("/events/<slug>/manage/registrations/bulk", methods=["POST"])
@login_required
def manage_bulk(slug: str):
    """Approve, reject, verify or un-verify many registrations at once."""
    event = _load_moderated(slug)
    form = forms.BulkForm()
    back = url_for("registration_manage.manage_list", slug=event.slug)
    if not form.validate_on_submit():
        errors = " ".join(str(e) for e in sum(form.errors.values(), []))
        return refused_page(DomainError(errors), back)
    try:
        changed, problems = moderation.bulk_moderate(
            event,
            form.ids.data or [],
            form.action.data,
            actor=current_user,
            reason=form.reason.data or "",
        )
    except DomainError as error:
        return refused_page(error, back)
    db.session.commit()
    deliver_after_request()
    flash(
        _(
            "%(action)s: %(count)s registration(s) changed.",
            action=moderation.BULK_ACTIONS[form.action.data],
            count=changed,
        ),
        "success",
    )
    for problem in problems:
        flash(problem, "error")
    return redirect(back, code=303)


@bp.route("/events/<slug>/manage/registrations/<int:registration_id>")
@login_required
def manage_detail(slug: str, registration_id: int):
    """One registration with its details, bookings and full history."""
    event = _load_moderated(slug)
    registration = _load_registration(event, registration_id)
    return render_template(
        "registration/manage_detail.html",
        event=event,
        registration=registration,
        bookings=booking_services.active_bookings(registration),
        history=queries.history(registration),
        form=forms.ReturnForm(),
        reject_form=forms.RejectForm(),
        refuse_form=forms.RefuseCategoryForm(prefix="claim"),
        country_name=country_name,
    )


_ACTIONS = {
    "approve": (lambda r, actor: moderation.approve(r, actor=actor), _l("Decision recorded.")),
    "reject": (
        lambda r, actor: moderation.reject(r, actor=actor, reason=request.form.get("reason", "")),
        _l("The registration is rejected."),
    ),
    "verify": (
        lambda r, actor: moderation.verify_category(r, actor=actor),
        _l("Category verified."),
    ),
    "refuse_category": (
        lambda r, actor: moderation.refuse_category(
            r, actor=actor, reason=request.form.get("claim-reason", "")
        ),
        _l("The claimed category is refused; the attendee sees the reason."),
    ),
}
# The two that take something away have a confirmation page of their own (_confirmed_action).
_CONFIRMED_ACTIONS = {
    "cancel": (
        lambda r, actor: services.cancel_registration(r, actor=actor),
        _l("The registration is cancelled."),
    ),
    "unverify": (
        lambda r, actor: moderation.unverify_category(r, actor=actor),
        _l(
            "Verification withdrawn; bookings in sessions no longer open to the attendee are "
            "cancelled."
        ),
    ),
}


def _apply(change, registration: Registration, back: str):
    """Run one decision and commit it (mail after); a refusal page when a rule says no."""
    try:
        change(registration, current_user)
    except DomainError as error:
        return refused_page(error, back)
    db.session.commit()
    deliver_after_request()
    return None


@bp.route("/events/<slug>/manage/registrations/<int:registration_id>/<action>", methods=["POST"])
@login_required
def manage_action(slug: str, registration_id: int, action: str):
    """Approve, reject (with a reason), verify, un-verify, refuse the category or cancel one."""
    if action not in _ACTIONS:
        abort(404)
    event = _load_moderated(slug)
    registration = _load_registration(event, registration_id)
    back = url_for(
        "registration_manage.manage_detail", slug=event.slug, registration_id=registration.id
    )
    if action == "reject":
        form = forms.RejectForm()
    elif action == "refuse_category":
        form = forms.RefuseCategoryForm(prefix="claim")
    else:
        form = forms.ReturnForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return refused_page(
            DomainError(_("The reason is too long: 2,000 characters at most.")), back
        )
    change, done = _ACTIONS[action]
    if refused := _apply(change, registration, back):
        return refused
    if action == "approve" and not registration.is_approved:
        done = _("The event is full: the registration is on the waiting list.")
    flash(str(done), "success")
    return redirect(back, code=303)


@bp.route(
    "/events/<slug>/manage/registrations/<int:registration_id>/cancel", methods=["GET", "POST"]
)
@login_required
def manage_cancel(slug: str, registration_id: int):
    """Cancel a registration, after a confirmation page."""
    return _confirmed_action(slug, registration_id, "cancel")


@bp.route(
    "/events/<slug>/manage/registrations/<int:registration_id>/unverify",
    methods=["GET", "POST"],
)
@login_required
def manage_unverify(slug: str, registration_id: int):
    """Withdraw a category's verification, after a confirmation page."""
    return _confirmed_action(slug, registration_id, "unverify")


def _confirmed_action(slug: str, registration_id: int, action: str):
    event = _load_moderated(slug)
    registration = _load_registration(event, registration_id)
    back = url_for(
        "registration_manage.manage_detail", slug=event.slug, registration_id=registration.id
    )
    possible = registration.is_active if action == "cancel" else registration.category_verified
    if not possible:
        flash(
            _("This registration is not active any more.")
            if action == "cancel"
            else _("The category is not verified."),
            "info",
        )
        return redirect(back, code=303)
    form = forms.ConfirmForm()
    if not form.is_confirmed():
        return _confirmation_for(event, registration, action, form, back)
    change, done = _CONFIRMED_ACTIONS[action]
    if refused := _apply(change, registration, back):
        return refused
    flash(str(done), "success")
    return redirect(back, code=303)


def _bookings_given_up(seats: int, waiting: int) -> str:
    if not seats and not waiting:
        return _("They hold no session seats and wait for none.")
    parts = []
    if seats:
        parts.append(
            ngettext(
                "%(num)d booked seat goes to the people waiting",
                "%(num)d booked seats go to the people waiting",
                seats,
            )
        )
    if waiting:
        parts.append(
            ngettext(
                "%(num)d waiting-list place is given up",
                "%(num)d waiting-list places are given up",
                waiting,
            )
        )
    return "; ".join(parts) + "."


def _confirmation_for(event: Event, registration: Registration, action: str, form, back: str):
    person = registration.user.name
    bookings = queries.list_my_bookings(current_user, registration)
    seats = sum(1 for b in bookings if b.is_confirmed)
    waiting = len(bookings) - seats
    if action == "cancel":
        consequences = [
            _(
                "%(name)s's place at the event is freed (the first person waiting gets it) and "
                "their badge is refused at every door.",
                name=person,
            ),
            _bookings_given_up(seats, waiting),
            _(
                "%(name)s is told by email. To come back they would register again, and be "
                "reviewed again.",
                name=person,
            )
            if event.registration_mode == "moderated"
            else _(
                "%(name)s is told by email. To come back they would register again.", name=person
            ),
        ]
        question = _("Cancel the registration of %(name)s?", name=person)
        label = _("Yes, cancel the registration")
        keep = _("No, keep the registration")
        url = url_for(
            "registration_manage.manage_cancel", slug=event.slug, registration_id=registration.id
        )
    else:
        consequences = [
            _(
                "%(name)s is no longer a verified %(category)s: restricted sessions open only to "
                "verified people close to them at once (pages, feeds, the door).",
                name=person,
                category=category_label(registration.category),
            ),
            _(
                "Their bookings in those sessions are cancelled and the seats go to the people "
                "waiting; their badge is reissued without the category."
            ),
            _("The claim stays: you can verify it again later."),
        ]
        question = _("Withdraw the verification of %(name)s?", name=person)
        label = _("Yes, withdraw it")
        keep = _("No, keep the verification")
        url = url_for(
            "registration_manage.manage_unverify",
            slug=event.slug,
            registration_id=registration.id,
        )
    confirmation = Confirmation(
        question=question,
        consequences=consequences,
        action_url=url,
        confirm_label=label,
        back_url=back,
        back_label=keep,
        context=event.title,
        details=[
            (_("Name"), person),
            (_("Email"), registration.user.email),
            (_("Category"), category_label(registration.category)),
            (_("Status"), _status_word(registration.status)),
        ],
    )
    return confirmation_page(confirmation, form, title_of=event.title)


def _status_word(status: str) -> str:
    """The state in one word, as the confirmation page's facts show it."""
    words = {
        "pending": _("Pending"),
        "approved": _("Approved"),
        "rejected": _("Rejected"),
        "waitlisted": _("Waitlisted"),
        "cancelled": _("Cancelled"),
    }
    return words.get(status, status.capitalize())


@bp.route("/events/<slug>/manage/registrations/promote", methods=["POST"])
@login_required
def manage_fill_places(slug: str):
    """Give free event places to the waiting registrations, in order."""
    event = _load_moderated(slug)
    if not forms.ReturnForm().validate_on_submit():
        abort(400)
    promoted = services.fill_event_places(event, actor=current_user)
    db.session.commit()
    deliver_after_request()
    flash(_("%(count)s registration(s) promoted from the waiting list.", count=promoted), "success")
    return redirect(url_for("registration_manage.manage_list", slug=event.slug), code=303)


def _csv_response(content: bytes, name: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "export"
    return Response(
        content,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{safe}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/events/<slug>/manage/registrations.csv")
@login_required
def manage_csv(slug: str):
    """The registrants (filters apply) as CSV for spreadsheets."""
    event = _load_moderated(slug)
    if detour := signin.reauthentication_detour():
        return detour  # a registrant list leaves the system (issue 18)
    _form, filters = _filters(event)
    signin.audit(Kind.REGISTRANTS_EXPORTED, user=current_user, detail=event.slug)
    db.session.commit()
    return _csv_response(exports.registrants_csv(event, filters), f"{event.slug}-registrations")


def _load_managed_session(event: Event, session_id: int):
    session = queries.session_in_event(event, session_id)
    if session is None:
        abort(404)
    return session


@bp.route("/events/<slug>/manage/sessions/<int:session_id>/attendance.csv")
@login_required
def attendance_csv(slug: str, session_id: int):
    """One session's seat holders and waiting list as CSV."""
    event = _load_moderated(slug)
    session = _load_managed_session(event, session_id)
    if detour := signin.reauthentication_detour():
        return detour
    signin.audit(
        Kind.ATTENDANCE_EXPORTED, user=current_user, detail=f"{event.slug} session {session.id}"
    )
    db.session.commit()
    return _csv_response(
        exports.attendance_csv(session), f"{event.slug}-session-{session.id}-attendance"
    )


@bp.route("/events/<slug>/manage/bookings")
@login_required
def manage_sessions(slug: str):
    """Seats taken, capacity and waiting-list length of every session."""
    event = _load_moderated(slug)
    return render_template(
        "registration/manage_sessions.html", event=event, rows=queries.session_seat_overview(event)
    )


@bp.route("/events/<slug>/manage/sessions/<int:session_id>/waitlist", methods=["GET", "POST"])
@login_required
def manage_waitlist(slug: str, session_id: int):
    """A session's seat holders and waiting list in order; promote one, or fill free seats."""
    event = _load_moderated(slug)
    session = _load_managed_session(event, session_id)
    back = url_for("registration_manage.manage_waitlist", slug=event.slug, session_id=session.id)
    form = forms.PromoteForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            if form.booking_id.data:
                booking = db.session.get(Booking, form.booking_id.data)
                if booking is None or booking.session_id != session.id:
                    abort(404)
                booking_services.promote_booking(booking, actor=current_user)
                name = booking.registration.user.name
                message = (
                    _(
                        "%(name)s is offered the seat (it overlaps one of their bookings): "
                        "it is held for them until they answer or the offer expires.",
                        name=name,
                    )
                    if booking.is_offered
                    else _("%(name)s now has a seat.", name=name)
                )
            else:
                promoted = booking_services.fill_session_seats(session, actor=current_user)
                message = _(
                    "%(count)s booking(s) promoted from the waiting list.", count=len(promoted)
                )
        except DomainError as error:
            return refused_page(error, back)
        db.session.commit()
        deliver_after_request()
        flash(message, "success")
        return redirect(back, code=303)
    bookings = queries.session_bookings(session)
    return render_template(
        "registration/manage_waitlist.html",
        event=event,
        session=session,
        confirmed=[b for b in bookings if b.is_confirmed],
        offered=[b for b in bookings if b.is_offered],
        waiting=[b for b in bookings if b.is_waitlisted],
        form=form,
    )


@bp.route("/events/<slug>/manage/audit")
@login_required
def manage_audit(slug: str):
    """Every recorded change to the event's registrations and bookings, newest first."""
    event = _load_moderated(slug)
    page = _page()
    entries, total = queries.audit_log(event, page=page)
    return render_template(
        "registration/manage_audit.html",
        event=event,
        entries=entries,
        page=page,
        pages=max(1, -(-total // 100)),
    )
