"""Two-factor pages: set up, recovery codes, switch off, and the second step of a log-in."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from conference.accounts import forms, signin, two_factor
from conference.accounts.audit import SecurityEventKind as Kind
from conference.accounts.totp_qr import totp_qr_data_uri
from conference.errors import AccountError
from conference.extensions import db, limiter

bp = Blueprint("two_factor", __name__, url_prefix="/account/two-factor")


def _code_limit() -> str:
    return current_app.config["TWO_FACTOR_RATE_LIMIT"]


def _recovery_limit() -> str:
    return current_app.config["RECOVERY_CODE_RATE_LIMIT"]


def _account_key() -> str:
    # Per pending account, so spreading guesses over many addresses does not help either.
    return signin.pending_key() or get_remote_address()


def _no_store(page: str, status: int = 200):
    """Pages showing a secret or recovery codes are never kept by a browser or proxy."""
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/")
@login_required
def settings():
    """Whether two-factor sign-in is on, and what can be done about it."""
    return render_template(
        "accounts/two_factor.html",
        remaining=two_factor.remaining_recovery_codes(current_user),
        button=forms.EmptyForm(),
        code_form=forms.TotpCodeForm(),
    )


def _setup_page(form: forms.TotpCodeForm, status: int = 200):
    uri = two_factor.provisioning_uri(current_user)
    page = render_template(
        "accounts/two_factor_setup.html",
        form=form,
        secret=current_user.totp_secret,
        otpauth_uri=uri,
        qr=totp_qr_data_uri(uri),
    )
    return _no_store(page, status)


@bp.route("/setup", methods=["GET", "POST"])
@login_required
def setup():
    """POST: a new secret to scan; GET: the secret being set up (a GET never writes)."""
    if current_user.has_totp:
        return redirect(url_for("two_factor.settings"))
    if forms.EmptyForm().validate_on_submit():
        two_factor.begin_totp_enrolment(current_user)
        db.session.commit()
        return redirect(url_for("two_factor.setup"))
    if not current_user.totp_secret:
        return redirect(url_for("two_factor.settings"))
    return _setup_page(forms.TotpCodeForm())


@bp.route("/confirm", methods=["POST"])
@login_required
@limiter.limit(_code_limit)
def confirm():
    """Switch the factor on with a first code; show the recovery codes once."""
    if current_user.has_totp or not current_user.totp_secret:
        return redirect(url_for("two_factor.settings"))
    form = forms.TotpCodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_totp_enrolment(current_user, form.code.data)
        except AccountError as error:
            db.session.rollback()
            form.code.errors.append(error.message)
        else:
            # The session token changed (other sessions ended): keep this one signed in.
            signin.keep_session_after_token_change(current_user._get_current_object())
            signin.audit(Kind.TOTP_ENABLED, user=current_user)
            db.session.commit()
            flash(_("Two-factor sign-in is on. Other devices are logged out."), "success")
            return _no_store(render_template("accounts/recovery_codes.html", codes=codes))
    return _setup_page(form, 422)


def _checked_code(form: forms.TotpCodeForm) -> bool:
    if not form.validate_on_submit():
        return False
    if two_factor.verify_totp(current_user, form.code.data):
        return True
    db.session.rollback()
    signin.audit(Kind.SECOND_FACTOR_FAILED, user=current_user, detail=request.endpoint or "")
    db.session.commit()
    flash(
        _("That code is not correct (or was used already). Type the one your app shows now."),
        "error",
    )
    return False


@bp.route("/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(_code_limit)
def regenerate_codes():
    """New recovery codes (the old ones stop working), with a current code."""
    form = forms.TotpCodeForm()
    if not current_user.has_totp or not _checked_code(form):
        return redirect(url_for("two_factor.settings"))
    codes = two_factor.regenerate_recovery_codes(current_user)
    signin.audit(Kind.RECOVERY_CODES_RENEWED, user=current_user)
    db.session.commit()
    return _no_store(render_template("accounts/recovery_codes.html", codes=codes))


@bp.route("/disable", methods=["POST"])
@login_required
@limiter.limit(_code_limit)
def disable():
    """Switch the factor off, with a current code; other sessions end."""
    form = forms.TotpCodeForm()
    if not current_user.has_totp or not _checked_code(form):
        return redirect(url_for("two_factor.settings"))
    two_factor.disable_totp(current_user)
    signin.keep_session_after_token_change(current_user._get_current_object())
    signin.audit(Kind.TOTP_DISABLED, user=current_user)
    db.session.commit()
    flash(
        _(
            "Two-factor sign-in is off. Staff roles need it and stay unusable until you set it "
            "up again."
        ),
        "info",
    )
    return redirect(url_for("two_factor.settings"))


def _finish_sign_in(user, method: str, note: str | None = None):
    next_url = signin.pending_next_url()
    signin.start_session(user, method=method)
    db.session.commit()
    flash(_("You are logged in as %(name)s.", name=user.name), "success")
    if note:
        flash(note, "info")
    return redirect(next_url or url_for("events.home"))


def _pending_user_or_detour():
    """The account waiting for its second step, or where to send a visitor who has none."""
    if current_user.is_authenticated:
        return None, redirect(url_for("events.home"))
    user = signin.pending_user()
    if user is None:
        flash(_("Log in with your password first (the second step waits 5 minutes)."), "info")
        return None, redirect(url_for("accounts.login"))
    return user, None


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(_code_limit, methods=["POST"])
@limiter.limit(_code_limit, methods=["POST"], key_func=_account_key)
def verify():
    """The second step of a log-in: a code from the authenticator."""
    user, detour = _pending_user_or_detour()
    if detour is not None:
        return detour
    form = forms.TotpCodeForm()
    if form.validate_on_submit():
        if two_factor.verify_totp(user, form.code.data):
            return _finish_sign_in(user, "totp")
        db.session.rollback()
        signin.audit(Kind.SECOND_FACTOR_FAILED, user=user, detail="log-in code")
        db.session.commit()
        form.code.errors.append(_("That code is not correct (or was used already)."))
        return render_template("accounts/two_factor_verify.html", form=form), 401
    return render_template(
        "accounts/two_factor_verify.html", form=form
    ), 422 if form.errors else 200


@bp.route("/recover", methods=["GET", "POST"])
@limiter.limit(_recovery_limit, methods=["POST"])
@limiter.limit(_recovery_limit, methods=["POST"], key_func=_account_key)
def recover():
    """The second step with a one-time recovery code, when the phone is lost."""
    user, detour = _pending_user_or_detour()
    if detour is not None:
        return detour
    form = forms.RecoveryCodeForm()
    if form.validate_on_submit():
        if two_factor.use_recovery_code(user, form.code.data):
            remaining = two_factor.remaining_recovery_codes(user)
            note = _(
                "Recovery code used; %(num)d left. Make new ones if few are left.", num=remaining
            )
            signin.audit(Kind.RECOVERY_CODE_USED, user=user, detail=f"{remaining} left")
            return _finish_sign_in(user, "recovery_code", note)
        db.session.rollback()
        signin.audit(Kind.SECOND_FACTOR_FAILED, user=user, detail="recovery code")
        db.session.commit()
        form.code.errors.append(_("That recovery code is not correct, or it was used already."))
        return render_template("accounts/two_factor_recover.html", form=form), 401
    return render_template(
        "accounts/two_factor_recover.html", form=form
    ), 422 if form.errors else 200
