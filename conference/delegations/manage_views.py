"""Organisers' pages: every delegation with its quota and numbers; create, edit, appoint NCPs."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference import permissions
from conference.accounts.services import get_user_by_email
from conference.badges.reports import checked_in_at_entrance
from conference.confirmation import Confirmation, confirmation_page
from conference.delegations import forms, queries, services, session_quotas
from conference.delegations.models import Delegation
from conference.errors import DomainError
from conference.events.loaders import load_visible_event
from conference.events.models import Event
from conference.extensions import db
from conference.formfields import as_choices
from conference.localtime import format_local
from conference.registration.refusals import refused_page

bp = Blueprint("delegations_manage", __name__)


def _load_event(slug: str) -> Event:
    event = load_visible_event(slug)
    permissions.require(permissions.can_manage_delegations(current_user, event))
    return event


def _load(slug: str, delegation_id: int) -> Delegation:
    delegation = services.get_delegation(_load_event(slug), delegation_id)
    if delegation is None:
        abort(404)
    return delegation


def _apply_error(form, error: DomainError) -> None:
    field = error.field if error.field in form else ("name" if "name" in form else "session")
    form[field].errors.append(error.message)


@bp.route("/events/<slug>/manage/delegations", methods=["GET", "POST"])
@login_required
def listing(slug: str):
    """Per delegation: quota, invited, accepted, checked in; and a form for a new one."""
    event = _load_event(slug)
    form = forms.DelegationForm()
    if form.validate_on_submit():
        try:
            delegation = services.create_delegation(event, form.details(), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("Delegation %(name)s created.", name=delegation.name), "success")
            return redirect(url_for("delegations_manage.listing", slug=event.slug), code=303)
    rows = queries.list_delegations(event)
    every_accepted = [i for row in rows for i in row.accepted_registration_ids]
    checked_in = checked_in_at_entrance(event, every_accepted)
    return render_template(
        "delegations/manage_list.html",
        event=event,
        rows=rows,
        checked_in={
            row.delegation.id: len(checked_in.intersection(row.accepted_registration_ids))
            for row in rows
        },
        form=form,
    ), 422 if form.errors else 200


@bp.route("/events/<slug>/manage/delegations/<int:delegation_id>", methods=["GET", "POST"])
@login_required
def edit(slug: str, delegation_id: int):
    """Edit a delegation (lowering the quota below the accepted count is refused); its NCPs."""
    delegation = _load(slug, delegation_id)
    form = forms.DelegationForm(obj=delegation)
    if form.validate_on_submit():
        try:
            services.update_delegation(delegation, form.details(), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("Delegation saved."), "success")
            return redirect(
                url_for("delegations_manage.edit", slug=slug, delegation_id=delegation.id),
                code=303,
            )
    return _edit_page(delegation, form, forms.AppointForm(formdata=None))


def _quota_form(delegation: Delegation, formdata=None) -> forms.SessionQuotaForm:
    form = forms.SessionQuotaForm(formdata=None) if formdata is None else forms.SessionQuotaForm()
    form.session.choices = as_choices(
        (s.id, f"{format_local(s.starts_at, delegation.event.tz, '%a %d %b %H:%M')} {s.title}")
        for s in session_quotas.quota_sessions(delegation)
    )
    return form


def _edit_page(
    delegation: Delegation, form, appoint_form, status: int | None = None, quota_form=None
):
    quota_form = quota_form or _quota_form(delegation)
    if status is None:
        status = 422 if form.errors or appoint_form.errors or quota_form.errors else 200
    return render_template(
        "delegations/manage_edit.html",
        event=delegation.event,
        delegation=delegation,
        form=form,
        appoint_form=appoint_form,
        remove_form=forms.RemoveContactForm(formdata=None),
        quota_form=quota_form,
        session_quotas=session_quotas.list_session_quotas(delegation),
    ), status


@bp.route("/events/<slug>/manage/delegations/<int:delegation_id>/session-quotas", methods=["POST"])
@login_required
def session_quota(slug: str, delegation_id: int):
    """Set (or remove) the delegation's quota in one restricted session; never below what its
    nominees already hold there."""
    delegation = _load(slug, delegation_id)
    quota_form = _quota_form(delegation, formdata=True)
    if quota_form.validate_on_submit():
        try:
            session_quotas.set_session_quota(
                delegation, quota_form.session.data, quota_form.quota.data, actor=current_user
            )
        except DomainError as error:
            db.session.rollback()
            _apply_error(quota_form, error)
        else:
            db.session.commit()
            flash(_("Session quota saved."), "success")
            return redirect(
                url_for("delegations_manage.edit", slug=slug, delegation_id=delegation.id),
                code=303,
            )
    db.session.refresh(delegation)
    return _edit_page(
        delegation,
        forms.DelegationForm(obj=delegation, formdata=None),
        forms.AppointForm(formdata=None),
        quota_form=quota_form,
    )


@bp.route("/events/<slug>/manage/delegations/<int:delegation_id>/contacts", methods=["POST"])
@login_required
def appoint(slug: str, delegation_id: int):
    """Appoint a national contact point (an existing account, by email)."""
    delegation = _load(slug, delegation_id)
    appoint_form = forms.AppointForm()
    if appoint_form.validate_on_submit():
        user = get_user_by_email(appoint_form.email.data)
        if user is None:
            appoint_form.email.errors.append(
                _("No account has this address: ask them to sign up first.")
            )
        else:
            services.appoint_contact(delegation, user, actor=current_user)
            db.session.commit()
            flash(
                _(
                    "%(name)s is a national contact point of %(delegation)s.",
                    name=user.name,
                    delegation=delegation.name,
                ),
                "success",
            )
            return redirect(
                url_for("delegations_manage.edit", slug=slug, delegation_id=delegation.id),
                code=303,
            )
    db.session.refresh(delegation)
    return _edit_page(delegation, forms.DelegationForm(obj=delegation, formdata=None), appoint_form)


@bp.route("/events/<slug>/manage/delegations/<int:delegation_id>/contacts/remove", methods=["POST"])
@login_required
def remove_contact(slug: str, delegation_id: int):
    """Take the NCP role away from someone (their nominations stay)."""
    delegation = _load(slug, delegation_id)
    form = forms.RemoveContactForm()
    back = url_for("delegations_manage.edit", slug=slug, delegation_id=delegation.id)
    if not form.validate_on_submit():
        return refused_page(DomainError(_("Choose whom to remove.")), back)
    from conference.accounts.models import User

    user = db.session.get(User, form.user_id.data)
    if user is None or services.find_contact(delegation, user) is None:
        return refused_page(DomainError(_("This person is not a contact point of it.")), back)
    if not form.is_confirmed():
        confirmation = Confirmation(
            question=_(
                "Remove %(name)s as contact point of %(delegation)s?",
                name=user.name,
                delegation=delegation.name,
            ),
            consequences=[
                _(
                    "%(name)s can no longer see the delegation's nominees, nominate, resend "
                    "or withdraw, from their next page on.",
                    name=user.name,
                ),
                _("The nominations they made stay as they are; you can appoint them again later."),
            ],
            action_url=url_for(
                "delegations_manage.remove_contact", slug=slug, delegation_id=delegation.id
            ),
            confirm_label=_("Yes, remove the contact point"),
            back_url=back,
            back_label=_("No, keep them"),
            context=delegation.event.title,
            details=[
                (_("Name"), user.name),
                (_("Email"), user.email),
                (_("Delegation"), delegation.name),
            ],
            hidden=[("user_id", str(user.id))],
        )
        return confirmation_page(confirmation, form, title_of=delegation.event.title)
    services.remove_contact(delegation, user, actor=current_user)
    db.session.commit()
    flash(
        _(
            "%(name)s is no longer a contact point of %(delegation)s.",
            name=user.name,
            delegation=delegation.name,
        ),
        "success",
    )
    return redirect(back, code=303)
