"""Badge pages: attendees' downloads and the organisers' printing, keys and devices."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference import permissions
from conference.accounts import signin
from conference.accounts.audit import SecurityEventKind as Kind
from conference.badges import forms, pdf, qr, services, signing
from conference.badges.models import Badge
from conference.badges.numbers import printed_number
from conference.confirmation import ConfirmActionForm, Confirmation, confirmation_page
from conference.errors import DomainError
from conference.events.loaders import load_visible_event
from conference.events.models import Event
from conference.extensions import db

bp = Blueprint("badges", __name__)


def _own_badge(slug: str) -> tuple[Event, Badge]:
    """The logged-in attendee's badge; 404 unless their registration is approved."""
    event = load_visible_event(slug)
    permissions.require(permissions.can_download_badge(current_user, event), hide=True)
    badge = services.ensure_badge(permissions.registration_for(current_user, event))
    db.session.commit()
    return event, badge


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A badge is personal: never kept by shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _font() -> str:
    return current_app.config.get("BADGE_FONT_PATH") or ""


@bp.route("/events/<slug>/badge")
@login_required
def my_badge(slug: str):
    """The attendee's badge, with its downloads."""
    event, badge = _own_badge(slug)
    card = services.badge_card(badge)
    return render_template(
        "badges/my_badge.html",
        event=event,
        badge=badge,
        card=card,
        # As the PDF prints it (characters no font has are spelled in Latin or left out).
        printed_name=pdf.printable_text(card.name, _font(), bold=True),
    )


@bp.route("/events/<slug>/badge.pdf")
@login_required
def my_badge_pdf(slug: str):
    """The attendee's badge as an A6 PDF."""
    event, badge = _own_badge(slug)
    data = pdf.badges_pdf([services.badge_card(badge)], font_path=_font(), title=event.title)
    return _download(data, "application/pdf", f"badge-{event.slug}.pdf")


@bp.route("/events/<slug>/badge.png")
@login_required
def my_badge_png(slug: str):
    """The badge's QR code as a PNG image."""
    event, badge = _own_badge(slug)
    return _download(qr.qr_png(badge.token), "image/png", f"badge-{event.slug}.png")


@bp.route("/events/<slug>/badge.svg")
@login_required
def my_badge_svg(slug: str):
    """The badge's QR code as an SVG image."""
    event, badge = _own_badge(slug)
    return _download(qr.qr_svg(badge.token), "image/svg+xml", f"badge-{event.slug}.svg")


def _managed(slug: str) -> Event:
    event = load_visible_event(slug)
    permissions.require(permissions.can_manage_badges(current_user, event))
    return event


def _filter_from(form: forms.BadgeFilterForm) -> services.BadgeFilter:
    return services.BadgeFilter(
        category=form.category.data or None,
        verified_only=bool(form.verified_only.data),
        name_contains=form.name.data or "",
        only_reissued=bool(form.only_reissued.data),
    )


@bp.route("/events/<slug>/manage/badges/")
@login_required
def manage_badges(slug: str):
    """Every badge, filtered; print, reissue or revoke them."""
    event = _managed(slug)
    form = forms.BadgeFilterForm(request.args)
    badges = services.list_badges(event, _filter_from(form) if form.validate() else None)
    return render_template(
        "badges/manage.html",
        event=event,
        form=form,
        badges=badges,
        missing=services.count_missing_badges(event),
        confirm_form=forms.ConfirmForm(),
    )


@bp.route("/events/<slug>/manage/badges/issue", methods=["POST"])
@login_required
def issue_badges(slug: str):
    """Issue a badge to every approved registration that has none."""
    event = _managed(slug)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    count = services.issue_missing_badges(event)
    db.session.commit()
    flash(_("%(count)s badge(s) issued.", count=count), "success")
    return redirect(url_for("badges.manage_badges", slug=event.slug))


@bp.route("/events/<slug>/manage/badges/print.pdf")
@login_required
def print_badges(slug: str):
    """All badges, or the filtered ones, as one PDF (A6 pages or 4-up A4 with cut marks)."""
    event = _managed(slug)
    form = forms.BadgeFilterForm(request.args)
    if not form.validate():
        abort(400)
    # Printing "all" means every approved registration: issue the missing badges first.
    if services.issue_missing_badges(event):
        db.session.commit()
    cards = [services.badge_card(b) for b in services.list_badges(event, _filter_from(form))]
    render = pdf.badges_sheet_pdf if form.layout.data == "a4" else pdf.badges_pdf
    data = render(cards, font_path=_font(), title=_("Badges – %(title)s", title=event.title))
    return _download(data, "application/pdf", f"badges-{event.slug}-{form.layout.data}.pdf")


def _badge_or_404(event: Event, public_id: str) -> Badge:
    badge = services.get_badge(event, public_id)
    if badge is None:
        abort(404)
    return badge


@bp.route("/events/<slug>/manage/badges/<public_id>/reissue", methods=["GET", "POST"])
@login_required
def reissue_badge(slug: str, public_id: str):
    """A new version of a lost badge, after a confirmation page; the old QR code is refused."""
    event = _managed(slug)
    badge = _badge_or_404(event, public_id)
    form = ConfirmActionForm()
    if not form.is_confirmed():
        return _badge_confirmation(event, badge, form, reissue=True)
    try:
        services.reissue_badge(badge, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _(
                "Badge of %(name)s reissued (version %(version)s); the old one no longer works.",
                name=badge.registration.user.name,
                version=badge.version,
            ),
            "success",
        )
    return redirect(url_for("badges.manage_badges", slug=event.slug))


@bp.route("/events/<slug>/manage/badges/<public_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_badge(slug: str, public_id: str):
    """Void a badge without a replacement, after a confirmation page."""
    event = _managed(slug)
    badge = _badge_or_404(event, public_id)
    if badge.is_revoked:
        flash(
            _("The badge of %(name)s is already revoked.", name=badge.registration.user.name),
            "info",
        )
        return redirect(url_for("badges.manage_badges", slug=event.slug))
    form = ConfirmActionForm()
    if not form.is_confirmed():
        return _badge_confirmation(event, badge, form, reissue=False)
    services.revoke_badge(badge, actor=current_user)
    db.session.commit()
    flash(_("Badge of %(name)s revoked.", name=badge.registration.user.name), "success")
    return redirect(url_for("badges.manage_badges", slug=event.slug))


def _badge_confirmation(event: Event, badge: Badge, form: ConfirmActionForm, *, reissue: bool):
    name = badge.registration.user.name
    printed = {"number": printed_number(badge.public_id), "version": badge.version}
    if reissue:
        confirmation = Confirmation(
            question=_("Reissue the badge of %(name)s?", name=name),
            consequences=[
                _(
                    "The printed badge (number %(number)s, version %(version)s) stops working at "
                    "every door from now on: it is answered as reissued.",
                    **printed,
                ),
                _(
                    "A new version is issued; print it here or %(name)s downloads it again.",
                    name=name,
                ),
            ],
            action_url=url_for("badges.reissue_badge", slug=event.slug, public_id=badge.public_id),
            confirm_label=_("Yes, reissue the badge"),
            back_url=url_for("badges.manage_badges", slug=event.slug),
            back_label=_("No, keep the badge"),
            context=event.title,
        )
    else:
        confirmation = Confirmation(
            question=_("Revoke the badge of %(name)s?", name=name),
            consequences=[
                _(
                    "The printed badge (number %(number)s, version %(version)s) is refused at "
                    "every door from now on, and no new one is issued.",
                    **printed,
                ),
                _("The registration itself stays as it is; reissuing later gives a new badge."),
            ],
            action_url=url_for("badges.revoke_badge", slug=event.slug, public_id=badge.public_id),
            confirm_label=_("Yes, revoke the badge"),
            back_url=url_for("badges.manage_badges", slug=event.slug),
            back_label=_("No, keep the badge"),
            context=event.title,
        )
    return confirmation_page(confirmation, form, title_of=event.title)


@bp.route("/events/<slug>/manage/badges/<public_id>.pdf")
@login_required
def badge_pdf(slug: str, public_id: str):
    """One attendee's badge, for reprinting at the desk."""
    event = _managed(slug)
    badge = _badge_or_404(event, public_id)
    data = pdf.badges_pdf([services.badge_card(badge)], font_path=_font(), title=event.title)
    return _download(data, "application/pdf", f"badge-{badge.public_id[:8]}.pdf")


@bp.route("/events/<slug>/manage/badges/keys")
@login_required
def keys(slug: str):
    """The event's signing keys."""
    event = _managed(slug)
    return render_template(
        "badges/keys.html",
        event=event,
        keys=signing.list_keys(event),
        pem=signing.public_key_pem,
        confirm_form=forms.ConfirmForm(),
    )


@bp.route("/events/<slug>/manage/badges/keys/rotate", methods=["POST"])
@login_required
def rotate_key(slug: str):
    """Retire the active key and start signing with a new one."""
    event = _managed(slug)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    if detour := signin.reauthentication_detour():
        return detour  # rotating the badge key is sensitive (issue 18)
    key = signing.rotate_key(event, actor=current_user)
    signin.audit(Kind.BADGE_KEY_ROTATED, user=current_user, detail=f"{event.slug}: {key.key_id}")
    db.session.commit()
    flash(
        _("New badges are signed with key %(key)s; printed badges still work.", key=key.key_id),
        "success",
    )
    return redirect(url_for("badges.keys", slug=event.slug))


@bp.route("/events/<slug>/manage/badges/keys/<key_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_key(slug: str, key_id: str):
    """Revoke a key (compromised), after a confirmation page: its codes are refused and its
    badges re-signed."""
    event = _managed(slug)
    key = signing.get_key(event, key_id)
    if key is None:
        abort(404)
    back = url_for("badges.keys", slug=event.slug)
    if key.revoked_at is not None:
        flash(_("Key %(key)s is already revoked.", key=key.key_id), "info")
        return redirect(back)
    form = ConfirmActionForm()
    if not form.is_confirmed():
        signed = services.count_badges_signed_with(event, key.key_id)
        confirmation = Confirmation(
            question=_("Revoke the signing key %(key)s?", key=key.key_id),
            consequences=[
                _("Every code signed with it is refused at the door from now on, as forged."),
                _(
                    "%(count)s badge(s) signed with it are signed again with the active key: "
                    "each must be printed or downloaded again.",
                    count=signed,
                ),
                _(
                    "Revoke a key only when it may be compromised; to change keys, rotate instead "
                    "(printed badges keep working)."
                ),
            ],
            action_url=url_for("badges.revoke_key", slug=event.slug, key_id=key.key_id),
            confirm_label=_("Yes, revoke the key"),
            back_url=back,
            back_label=_("No, keep the key"),
            context=event.title,
        )
        return confirmation_page(confirmation, form, title_of=event.title)
    count = services.revoke_key(event, key, actor=current_user)
    db.session.commit()
    flash(
        _(
            "Key %(key)s revoked. %(count)s badge(s) were signed again and must be "
            "printed or downloaded again.",
            key=key.key_id,
            count=count,
        ),
        "success",
    )
    return redirect(back)


@bp.route("/events/<slug>/manage/badges/devices", methods=["GET", "POST"])
@login_required
def devices(slug: str):
    """Scanning devices: issue a token (shown once) or revoke one."""
    event = _managed(slug)
    form = forms.DeviceForm()
    new_token = None
    if form.validate_on_submit():
        try:
            device, new_token = services.create_device(event, form.name.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
        else:
            db.session.commit()
            form = forms.DeviceForm(formdata=None)
    response = render_template(
        "badges/devices.html",
        event=event,
        form=form,
        new_token=new_token,
        devices=services.list_devices(event),
    )
    return response, 422 if form.errors else 200, {"Cache-Control": "no-store"}


@bp.route("/events/<slug>/manage/badges/devices/<int:device_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_device(slug: str, device_id: int):
    """Stop accepting a device's token, after a confirmation page."""
    event = _managed(slug)
    device = services.get_device(event, device_id)
    if device is None:
        abort(404)
    back = url_for("badges.devices", slug=event.slug)
    if device.revoked_at is not None:
        flash(_("The token of “%(name)s” is already revoked.", name=device.name), "info")
        return redirect(back)
    form = ConfirmActionForm()
    if not form.is_confirmed():
        confirmation = Confirmation(
            question=_("Revoke the scanning device “%(name)s”?", name=device.name),
            consequences=[
                _(
                    "Its token stops working at once: the device can no longer check anyone in, "
                    "and scans it still sends are refused."
                ),
                _("Check-ins it already recorded stay. To scan with it again, issue a new token."),
            ],
            action_url=url_for("badges.revoke_device", slug=event.slug, device_id=device.id),
            confirm_label=_("Yes, revoke the device"),
            back_url=back,
            back_label=_("No, keep the device"),
            context=event.title,
        )
        return confirmation_page(confirmation, form, title_of=event.title)
    services.revoke_device(device, actor=current_user)
    db.session.commit()
    flash(_("The token of “%(name)s” no longer works.", name=device.name), "success")
    return redirect(back)
