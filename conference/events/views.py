"""Public event pages and the organisers' event settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference import permissions
from conference.accounts import signin
from conference.accounts.audit import SecurityEventKind as Kind
from conference.accounts.services import get_user, get_user_by_email
from conference.confirmation import Confirmation, confirmation_page
from conference.editions.series import group_by_series, list_series, neighbours
from conference.errors import DomainError, EventError
from conference.events import forms, services
from conference.events.loaders import load_managed_event, load_visible_event
from conference.events.models import StaffRole
from conference.extensions import db
from conference.feeds.links import event_feed_links
from conference.formfields import as_choices

bp = Blueprint("events", __name__)


@bp.route("/")
def home():
    """Published events, upcoming first."""
    events = services.list_public_events()
    staffed = services.list_events_staffed_by(current_user) if current_user.is_authenticated else []
    return render_template(
        "events/home.html", events=events, groups=group_by_series(events), staffed=staffed
    )


@bp.route("/events/<slug>/")
def event_detail(slug: str):
    """An event's public page."""
    event = load_visible_event(slug)
    previous, following = neighbours(event, current_user)
    return render_template(
        "events/detail.html",
        event=event,
        registration_open=services.registration_is_open(event),
        my_registration=permissions.registration_for(current_user, event),
        previous_edition=previous,
        next_edition=following,
        event_feeds=event_feed_links(event),
    )


@bp.route("/events/<slug>/manage/", methods=["GET", "POST"])
@login_required
def manage(slug: str):
    """Edit an event's settings and publish it."""
    event = load_managed_event(slug)
    form = forms.EventForm(obj=event)
    form.set_series_choices(list_series())
    form.fill_local_times(event)
    form.fill_translations(event)
    if form.submit.data and form.validate_on_submit():
        try:
            event.translations = form.translations_data()
            services.update_event(event, form.to_details(), actor=current_user)
        except EventError as error:
            db.session.rollback()
            getattr(form, error.field or "title").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The event is saved."), "success")
            return redirect(url_for("events.manage", slug=event.slug))
    from conference.feeds.models import FeedKind
    from conference.feeds.services import feed_addresses, find_token_of

    # Organisers get their staff feed address with the role; others create one by a POST.
    staff_token = find_token_of(current_user, FeedKind.STAFF, event)
    return (
        render_template(
            "events/manage.html",
            event=event,
            form=form,
            with_translations=True,
            publish_form=forms.PublishForm(),
            staff_calendar_urls=feed_addresses(staff_token, event) if staff_token else None,
        ),
        422 if form.errors else 200,
    )


@bp.route("/events/<slug>/manage/publish", methods=["POST"])
@login_required
def set_published(slug: str):
    """Publish the event, or take it back to draft."""
    event = load_managed_event(slug)
    form = forms.PublishForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_published(event, not event.is_published, actor=current_user)
    db.session.commit()
    flash(
        _("The event is published.") if event.is_published else _("The event is a draft again."),
        "success",
    )
    return redirect(url_for("events.manage", slug=event.slug))


@bp.route("/events/<slug>/manage/staff", methods=["GET", "POST"])
@login_required
def staff(slug: str):
    """Grant and remove organiser and door-staff roles."""
    event = load_visible_event(slug)
    permissions.require(
        any(permissions.can_grant_role(current_user, event, r.value) for r in StaffRole)
    )
    form = forms.GrantRoleForm()
    form.role.choices = as_choices(
        (r.value, r.label) for r in StaffRole if permissions.can_grant_role(current_user, event, r)
    )
    if form.is_submitted() and (detour := signin.reauthentication_detour()):
        return detour  # granting a role is sensitive (issue 18)
    if form.validate_on_submit():
        user = get_user_by_email(form.email.data)
        if user is None:
            form.email.errors.append(
                _("No account uses this address. Ask the person to sign up first.")
            )
        else:
            try:
                services.grant_role(event, user, form.role.data, actor=current_user)
            except DomainError as error:
                db.session.rollback()
                form.role.errors.append(error.message)
            else:
                signin.audit(
                    Kind.ROLE_GRANTED,
                    user=current_user,
                    detail=f"{form.role.data} of {event.slug} to {user.email}",
                )
                db.session.commit()
                flash(_granted_message(StaffRole(form.role.data), user.name), "success")
                return redirect(url_for("events.staff", slug=event.slug))
    return (
        render_template(
            "events/staff.html",
            event=event,
            form=form,
            staff=services.list_staff(event),
            revoke_form=forms.RevokeRoleForm(),
        ),
        422 if form.errors else 200,
    )


# Whole sentences for each role, so that each language can write them its own way.
def _granted_message(role: StaffRole, name: str) -> str:
    if role is StaffRole.ORGANISER:
        return _("%(name)s is now organiser.", name=name)
    return _("%(name)s is now door staff.", name=name)


def _revoked_message(role: StaffRole, name: str) -> str:
    if role is StaffRole.ORGANISER:
        return _("%(name)s is no longer organiser.", name=name)
    return _("%(name)s is no longer door staff.", name=name)


def _remove_staff_confirmation(event, user, role: StaffRole, form: forms.RevokeRoleForm):
    if role is StaffRole.ORGANISER:
        question = _("Remove %(name)s as organiser?", name=user.name)
        loses = _(
            "%(name)s can no longer edit the event, its agenda and registrations, or see its "
            "registrant lists, from their next page on.",
            name=user.name,
        )
        confirm_label = _("Yes, remove the organiser role")
    else:
        question = _("Remove %(name)s as door staff?", name=user.name)
        loses = _(
            "%(name)s can no longer scan badges or check people in at this event's doors, "
            "from their next page on.",
            name=user.name,
        )
        confirm_label = _("Yes, remove the door staff role")
    confirmation = Confirmation(
        question=question,
        consequences=[
            loses,
            _(
                "Their account, and any registration of theirs, stay as they are; you can grant "
                "the role again later."
            ),
        ],
        action_url=url_for("events.remove_staff", slug=event.slug),
        confirm_label=confirm_label,
        back_url=url_for("events.staff", slug=event.slug),
        back_label=_("No, keep the role"),
        context=event.title,
        details=[(_("Name"), user.name), (_("Email"), user.email), (_("Role"), role.label)],
        hidden=[("user_id", str(user.id)), ("role", role.value)],
    )
    return confirmation_page(confirmation, form, title_of=event.title)


@bp.route("/events/<slug>/manage/staff/remove", methods=["POST"])
@login_required
def remove_staff(slug: str):
    """Remove a staff role, after a confirmation page (the list's button POSTs to it)."""
    event = load_visible_event(slug)
    form = forms.RevokeRoleForm()
    if not form.validate_on_submit():
        abort(400)
    permissions.require(permissions.can_grant_role(current_user, event, form.role.data))
    user = get_user(form.user_id.data)
    if user is None or services.find_role(event, user, form.role.data) is None:
        abort(404)
    role = StaffRole(form.role.data)
    if not form.is_confirmed():
        return _remove_staff_confirmation(event, user, role, form)
    services.revoke_role(event, user, role.value, actor=current_user)
    db.session.commit()
    flash(_revoked_message(StaffRole(form.role.data), user.name), "success")
    return redirect(url_for("events.staff", slug=event.slug))
