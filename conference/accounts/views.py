"""Sign-up, login, logout, email verification, password reset and profile pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user

from conference.accounts import forms, services, sessions, signin
from conference.accounts.audit import SecurityEventKind as Kind
from conference.errors import AccountError, InvalidToken
from conference.extensions import db, limiter, login_manager
from conference.mail.services import deliver_after_request
from conference.urls import safe_next_url

bp = Blueprint("accounts", __name__, url_prefix="/account")
# The first log-in with an unknown email must not be the one that pays for the dummy hash.
bp.record_once(lambda state: services.dummy_hash(state.app.config["PASSWORD_HASH_METHOD"]))


# The session's own row decides too: revoked, or idle too long, is logged out.
login_manager.user_loader(signin.load_signed_in)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def _signup_limit() -> str:
    return current_app.config["SIGNUP_RATE_LIMIT"]


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"])
def signup():
    """Create an account and send the email verification link; the return address survives."""
    form = forms.SignupForm()
    next_url = safe_next_url(form.next.data if form.is_submitted() else request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("accounts.profile"))
    form.next.data = next_url or ""
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data,
                form.name.data,
                form.password.data,
                organisation=form.organisation.data or "",
                country=form.country.data or "",
                claimed_category=form.claimed_category.data or None,
            )
        except AccountError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            services.send_verification_email(
                user, next_url=next_url, fallback_language=str(get_locale())
            )
            db.session.commit()
            deliver_after_request()
            signin.start_session(user, method="password")
            db.session.commit()
            flash(
                _(
                    "Welcome, %(name)s. We sent a confirmation link to %(email)s: "
                    "open it to confirm your address.",
                    name=user.name,
                    email=user.email,
                ),
                "success",
            )
            return redirect(next_url or url_for("accounts.profile"))
    return (
        render_template("accounts/signup.html", form=form, next_url=next_url),
        422 if form.errors else 200,
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Log in with email and password."""
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("events.home"))
    form = forms.LoginForm()
    status = 200
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None and user.has_totp:
            # Not logged in yet: the second step decides (two_factor_views.verify).
            signin.begin_second_factor(user, next_url)
            return redirect(url_for("two_factor.verify"))
        if user is not None:
            signin.start_session(user, method="password")
            db.session.commit()
            flash(_("You are logged in as %(name)s.", name=user.name), "success")
            return redirect(next_url or url_for("events.home"))
        form.password.errors.append(_("The email address or the password is not correct."))
        signin.audit(Kind.LOGIN_FAILED, email=services.normalise_email(form.email.data))
        db.session.commit()
        status = 401
    elif form.errors:
        status = 422
    return render_template("accounts/login.html", form=form, next_url=next_url), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session (POST with CSRF, so no link can log someone out)."""
    form = forms.EmptyForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            row = signin.current_session_row()
            if row is not None:
                sessions.revoke_session(current_user, row.id)
                db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are logged out."), "info")
    return redirect(url_for("events.home"))


@bp.route("/verify/<token>")
def verify_email(token: str):
    """Confirm an email address from the link we sent, then go on where the person was going."""
    try:
        user, next_url = services.verify_email(token)
    except InvalidToken as error:
        db.session.rollback()
        return render_template("accounts/token_error.html", message=error.message), 400
    db.session.commit()
    flash(_("Thank you: %(email)s is confirmed.", email=user.email), "success")
    if current_user.is_authenticated:
        return redirect(next_url or url_for("accounts.profile"))
    # Opened in another browser: log in there, then on to the same place.
    return redirect(
        url_for("accounts.login", next=next_url) if next_url else url_for("accounts.login")
    )


def _resend_key() -> str:
    # Per account as well as per address: one person cannot flood their own inbox from many.
    if current_user.is_authenticated:
        return f"verify-resend:{current_user.id}"
    return get_remote_address()


@bp.route("/verify/resend", methods=["POST"])
@login_required
@limiter.limit(_reset_limit)
@limiter.limit(_reset_limit, key_func=_resend_key)
def resend_verification():
    """Send the confirmation link again, then back to the page it was asked from."""
    form = forms.ResendForm()
    next_url = safe_next_url(form.next.data)
    if form.validate_on_submit() and not current_user.email_verified:
        services.send_verification_email(
            current_user, next_url=next_url, fallback_language=str(get_locale())
        )
        db.session.commit()
        deliver_after_request()
        flash(
            _("We sent a new confirmation link to %(email)s.", email=current_user.email), "success"
        )
    return redirect(next_url or url_for("accounts.profile"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def request_reset():
    """Ask for a password reset link by email."""
    form = forms.ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, fallback_language=str(get_locale()))
        db.session.commit()
        deliver_after_request()
        flash(
            _(
                "If an account exists for this address, we sent it a link to reset the password. "
                "The link works for one hour."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    """Choose a new password with the emailed link."""
    try:
        services.check_reset_token(token)
    except InvalidToken as error:
        return render_template("accounts/token_error.html", message=error.message), 400
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except AccountError as error:
            db.session.rollback()
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your password is changed. Log in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), 422 if form.errors else 200


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """See and edit one's own details."""
    form = forms.ProfileForm(obj=current_user)
    password_form = forms.ChangePasswordForm(prefix="pw")
    if form.submit.data and form.validate_on_submit():
        services.update_profile(
            current_user,
            name=form.name.data,
            organisation=form.organisation.data or "",
            country=form.country.data or "",
            claimed_category=form.claimed_category.data or None,
        )
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    status = 422 if form.errors else 200
    return (
        render_template(
            "accounts/profile.html",
            form=form,
            password_form=password_form,
            resend=forms.ResendForm(),
            calendar_urls=_calendar_urls(),
        ),
        status,
    )


@bp.route("/password", methods=["POST"])
@login_required
@limiter.limit(_login_limit)
def change_password():
    """Change one's password, knowing the current one."""
    form = forms.ProfileForm(obj=current_user, formdata=None)
    password_form = forms.ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            services.change_password(
                current_user, password_form.current_password.data, password_form.password.data
            )
        except AccountError as error:
            db.session.rollback()
            getattr(password_form, error.field or "password").errors.append(error.message)
        else:
            db.session.commit()
            # The session token changed: log in again on this device only.
            signin.keep_session_after_token_change(current_user._get_current_object())
            signin.audit(Kind.PASSWORD_CHANGED, user=current_user)
            db.session.commit()
            flash(_("Your password is changed; other devices are logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return (
        render_template(
            "accounts/profile.html",
            form=form,
            password_form=password_form,
            resend=forms.ResendForm(),
            calendar_urls=_calendar_urls(),
        ),
        422,
    )


def _calendar_urls() -> dict[str, str] | None:
    """The personal feed's addresses, made with the account (a GET never writes); an account
    from before that rule has none until the person asks for one."""
    from conference.feeds.models import FeedKind
    from conference.feeds.services import feed_addresses, find_token_of

    token = find_token_of(current_user, FeedKind.PERSONAL)
    return feed_addresses(token) if token is not None else None
