"""Attendee pages: register, my registration, book and unbook, data export, account deletion."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from conference import permissions
from conference.accounts.forms import ResendForm
from conference.badges.services import get_badge_for
from conference.categories import category_plural_label
from conference.errors import BookingError, BookingForbidden, DomainError
from conference.events.loaders import load_visible_event
from conference.events.services import registration_is_open
from conference.extensions import db
from conference.feeds.models import FeedKind
from conference.feeds.services import feed_addresses, find_token_of
from conference.mail.services import deliver_after_request
from conference.registration import audit, forms, offer_replies, offers, privacy, services
from conference.registration import booking as booking_services
from conference.registration.queries import (
    list_my_bookings,
    session_booking_counts,
    session_in_event,
)
from conference.registration.refusals import refused_page
from conference.urls import safe_next_url

bp = Blueprint("registration", __name__)
bp.add_app_template_global(audit.action_label, "audit_label")


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@login_required
def register(slug: str):
    """The registration form: category, organisation, needs, consent."""
    event = load_visible_event(slug)
    existing = services.get_registration(event, current_user)
    if existing is not None and existing.status != "cancelled" and request.method == "GET":
        flash(_("You are already registered for this event."), "info")
        return redirect(url_for("registration.my_registration", slug=event.slug))
    is_open = registration_is_open(event)
    needs_email = services.email_confirmation_missing(current_user)
    form = forms.RegistrationForm(
        data={
            "category": current_user.claimed_category or "",
            "organisation": current_user.organisation,
            "country": current_user.country,
        }
        if request.method == "GET"
        else None
    )
    if is_open and not needs_email and form.validate_on_submit():
        try:
            services.register(event, current_user, form.to_details())
        except DomainError as error:
            db.session.rollback()
            if error.field and error.field in form:
                form[error.field].errors.append(error.message)
            else:
                return refused_page(error, url_for("events.event_detail", slug=event.slug))
        else:
            db.session.commit()
            deliver_after_request()
            flash(_("Thank you: your registration is received."), "success")
            return redirect(url_for("registration.my_registration", slug=event.slug))
    refused = not is_open or (needs_email and request.method == "POST")
    status = 422 if form.errors else (403 if refused else 200)
    return (
        render_template(
            "registration/register.html",
            event=event,
            form=form,
            is_open=is_open,
            needs_email=needs_email,
            resend=ResendForm(),
        ),
        status,
    )


@bp.route("/events/<slug>/registration")
@login_required
def my_registration(slug: str):
    """The attendee's registration: status, bookings, waiting lists, cancel."""
    event = load_visible_event(slug)
    registration = services.get_registration(event, current_user)
    if registration is None:
        return redirect(url_for("registration.register", slug=event.slug))
    # Read only: the badge is issued on its first download, the feed address with the
    # account (older accounts get a button that makes one).
    token = find_token_of(current_user, FeedKind.PERSONAL)
    return render_template(
        "registration/mine.html",
        event=event,
        registration=registration,
        bookings=list_my_bookings(current_user, registration),
        event_rank=services.event_waitlist_rank(registration),
        form=forms.ReturnForm(),
        may_download_badge=permissions.can_download_badge(current_user, event),
        badge=get_badge_for(registration) if registration.is_approved else None,
        calendar_urls=feed_addresses(token) if token is not None else None,
        category_plural=category_plural_label(registration.category),
    )


@bp.route("/events/<slug>/registration/cancel", methods=["GET", "POST"])
@login_required
def cancel(slug: str):
    """Cancel one's own registration: a confirmation page first; then every seat is freed."""
    event = load_visible_event(slug)
    registration = services.get_registration(event, current_user)
    mine = url_for("registration.my_registration", slug=event.slug)
    if registration is None or not registration.is_active:
        flash(_("You hold no registration for this event that could be cancelled."), "info")
        return redirect(mine)
    form = forms.ConfirmForm()
    if form.is_confirmed():
        try:
            services.cancel_registration(registration, actor=current_user)
        except DomainError as error:
            return refused_page(error, mine)
        db.session.commit()
        deliver_after_request()
        flash(_("Your registration is cancelled and your seats are freed."), "success")
        return redirect(mine)
    bookings = list_my_bookings(current_user, registration)
    return render_template(
        "registration/confirm_cancel.html",
        event=event,
        registration=registration,
        seats=[b for b in bookings if b.is_confirmed],
        waiting=[b for b in bookings if not b.is_confirmed],
        form=form,
    )


def _load_bookable(slug: str, session_id: int):
    """The event and session; a session the user may not see answers 404 like a missing one."""
    event = load_visible_event(slug)
    session = session_in_event(event, session_id)
    if session is None or not permissions.can_view_session(current_user, session):
        abort(404)
    return event, session


def _change_booking(slug: str, session_id: int, change, done: str):
    event, session = _load_bookable(slug, session_id)
    form = forms.ReturnForm()
    if not form.validate_on_submit():
        abort(400)
    back = safe_next_url(form.next.data) or url_for("registration.my_registration", slug=slug)
    registration = services.get_registration(event, current_user)
    try:
        if registration is None:
            raise BookingForbidden(_("Register for the event before booking sessions."))
        booking = change(registration, session, actor=current_user)
    except DomainError as error:
        return refused_page(error, back)
    db.session.commit()
    deliver_after_request()
    flash(done(booking), "success")
    return redirect(back, code=303)


def _booked_message(booking) -> str:
    if booking.is_confirmed:
        return _("Your seat is booked.")
    rank = booking_services.waitlist_rank(booking)
    if offers.clashing_bookings(booking.registration, booking.session):
        return _(
            "The session is full: you are number %(rank)s on its waiting list. It overlaps a"
            " session you booked: if a seat frees up, we will offer it to you to accept or"
            " decline.",
            rank=rank,
        )
    return _("The session is full: you are number %(rank)s on its waiting list.", rank=rank)


@bp.route("/events/<slug>/sessions/<int:session_id>/book", methods=["POST"])
@login_required
def book(slug: str, session_id: int):
    """Book a seat, or join the waiting list of a full session."""
    return _change_booking(slug, session_id, booking_services.book_session, _booked_message)


@bp.route("/events/<slug>/sessions/<int:session_id>/unbook", methods=["GET", "POST"])
@login_required
def unbook(slug: str, session_id: int):
    """Give up a seat or leave a waiting list: a confirmation page first."""
    form = forms.ConfirmForm()
    if form.is_confirmed():
        return _change_booking(
            slug,
            session_id,
            booking_services.unbook_session,
            lambda booking: _("Your booking is cancelled."),
        )
    event, session = _load_bookable(slug, session_id)
    back = safe_next_url(request.values.get("next")) or url_for(
        "registration.my_registration", slug=slug
    )
    registration = services.get_registration(event, current_user)
    booking = booking_services.get_booking(registration, session) if registration else None
    if registration is None:
        return refused_page(
            BookingForbidden(_("Register for the event before booking sessions.")), back
        )
    if booking is None or not (booking.is_confirmed or booking.is_waitlisted):
        return refused_page(BookingError(_("You have not booked this session.")), back)
    _taken, waiting = session_booking_counts(session)
    return render_template(
        "registration/confirm_unbook.html",
        event=event,
        session=session,
        booking=booking,
        rank=booking_services.waitlist_rank(booking),
        waiting=waiting,
        back=back,
        form=form,
    )


@bp.route("/offers/<token>", methods=["GET", "POST"])
def seat_offer(token: str):
    """A seat offer's one-click page: what accepting changes, then accept or decline.

    The signed, single-use link stands for the person it was mailed to (like a password
    reset link), so it works without logging in; GET never changes anything.
    """
    try:
        booking, nonce = offers.read_offer_token(token)
    except DomainError as error:
        return refused_page(error, url_for("events.home"))
    offer = offer_replies.describe_offer(booking)
    event = offer.session.event
    owner = booking.registration.user
    form = forms.SeatOfferForm()
    if request.method == "POST":
        if not form.validate_on_submit() or not (form.accept.data or form.decline.data):
            abort(400)
        here = url_for("registration.seat_offer", token=token)
        try:
            if form.accept.data:
                given_up = offer_replies.accept_offer(
                    booking, actor=owner, give_up=form.give_up_ids(), nonce=nonce
                )
                done = (
                    _(
                        "You have a seat in “%(title)s”. Given up: %(given_up)s.",
                        title=offer.session.title,
                        given_up=", ".join(f"“{s.title}”" for s in given_up),
                    )
                    if given_up
                    else _("You have a seat in “%(title)s”.", title=offer.session.title)
                )
            else:
                offer_replies.decline_offer(booking, actor=owner, nonce=nonce)
                done = _("You declined the seat; it goes to the next person in line.")
        except DomainError as error:
            if error.code == "offer_changed":
                db.session.rollback()
                flash(error.message, "error")
                return redirect(here, code=303)
            return refused_page(error, url_for("events.event_detail", slug=event.slug))
        db.session.commit()
        deliver_after_request()
        flash(done, "success")
        if current_user.is_authenticated and current_user.id == owner.id:
            return redirect(url_for("registration.my_registration", slug=event.slug), code=303)
        return redirect(url_for("events.event_detail", slug=event.slug), code=303)
    return render_template(
        "registration/seat_offer.html",
        event=event,
        offer=offer,
        form=form,
        give_up=",".join(str(b.session_id) for b in offer.give_up),
        # Each session accepting gives up, and whether its details may be named.
        losing=[
            (b.session, permissions.can_see_session_details(owner, b.session))
            for b in offer.give_up
        ],
    )


@bp.route("/account/data-export")
@login_required
def data_export():
    """Download everything held about oneself as JSON."""
    data = privacy.export_user_data(current_user)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-ceris-events-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Erase one's account after confirming with the password."""
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.check_password(current_user, form.password.data)
            privacy.delete_account(current_user)
        except DomainError as error:
            db.session.rollback()
            form[error.field or "password"].errors.append(error.message)
        else:
            db.session.commit()
            deliver_after_request()
            logout_user()
            flash(_("Your account is deleted and your personal data erased."), "success")
            return redirect(url_for("events.home"))
    return render_template("registration/delete_account.html", form=form), (
        422 if form.errors else 200
    )
