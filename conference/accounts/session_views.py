"""Signed-in sessions: the list of one's devices, revoking one, logging out everywhere, and
confirming the password (and code) again before a sensitive action."""

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
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.security import check_password_hash

from conference.accounts import forms, sessions, signin, two_factor
from conference.accounts.audit import SecurityEventKind as Kind
from conference.extensions import db, limiter
from conference.urls import safe_next_url

bp = Blueprint("account_sessions", __name__, url_prefix="/account/sessions")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/")
@login_required
def listing():
    """Where the account is signed in: created, last seen, device, address."""
    current = signin.current_session_row()
    return render_template(
        "accounts/sessions.html",
        rows=sessions.list_live_sessions(current_user),
        current_id=current.id if current else None,
        idle_minutes=sessions.idle_minutes(current_user),
        button=forms.EmptyForm(),
    )


@bp.route("/<int:session_id>/revoke", methods=["POST"])
@login_required
def revoke(session_id: int):
    """End one of one's own sessions (another's answers 404, like a missing one)."""
    if not forms.EmptyForm().validate_on_submit():
        return redirect(url_for("account_sessions.listing"))
    if not sessions.revoke_session(current_user, session_id):
        db.session.rollback()
        return render_template("errors/error.html", code=404, name="Not Found"), 404
    signin.audit(Kind.SESSION_REVOKED, user=current_user, detail=f"session {session_id}")
    db.session.commit()
    flash(_("That session is logged out."), "success")
    return redirect(url_for("account_sessions.listing"))


@bp.route("/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every session of the account, this one included."""
    if not forms.EmptyForm().validate_on_submit():
        return redirect(url_for("account_sessions.listing"))
    sessions.log_out_everywhere(current_user)
    signin.audit(Kind.LOGGED_OUT_EVERYWHERE, user=current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out everywhere. Log in again on the devices you use."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def confirm():
    """Type the password (and a code, with two-factor sign-in on) again, then carry on."""
    next_url = safe_next_url(request.args.get("next")) or url_for("events.home")
    form = forms.ReauthenticateForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        password_ok = user.password_hash is not None and check_password_hash(
            user.password_hash, form.password.data
        )
        code_ok = not user.has_totp or two_factor.verify_totp(user, form.code.data or "")
        row = signin.current_session_row()
        if password_ok and code_ok and row is not None:
            sessions.mark_authenticated(row)
            signin.audit(Kind.REAUTHENTICATED, user=user)
            db.session.commit()
            return redirect(next_url)
        db.session.rollback()
        signin.audit(Kind.REAUTHENTICATION_FAILED, user=user)
        db.session.commit()
        form.password.errors.append(
            _("The password or the code is not correct.")
            if user.has_totp
            else _("The password is not correct.")
        )
        status = 401
    elif form.errors:
        status = 422
    return render_template("accounts/reauthenticate.html", form=form, next_url=next_url), status
