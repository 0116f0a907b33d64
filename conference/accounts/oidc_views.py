"""Sign-in with the identity provider: the redirect out, and the callback back in."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user

from conference.accounts import forms, oidc, services, signin
from conference.accounts.audit import SecurityEventKind as Kind
from conference.extensions import db
from conference.urls import external_url, safe_next_url

bp = Blueprint("oidc", __name__, url_prefix="/account/oidc")
PENDING_KEY = "oidc_pending"


def _settings() -> oidc.Settings:
    settings = oidc.Settings.of(current_app.config)
    if settings is None:
        abort(404)
    return settings


def _metadata() -> oidc.ProviderMetadata:
    # Per process (bounded to one provider), like the page caches.
    return current_app.extensions.setdefault("oidc_metadata", oidc.ProviderMetadata())


def _callback_url() -> str:
    return external_url("oidc.callback")


@bp.route("/login", methods=["POST"])
def login():
    """Leave for the provider, remembering state, nonce, PKCE verifier and where to return."""
    settings = _settings()
    if not forms.EmptyForm().validate_on_submit():
        abort(400)
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("events.home"))
    try:
        url, pending = oidc.begin(settings, _metadata(), _callback_url())
    except oidc.SignInError as error:
        return _failed(error.reason)
    session[PENDING_KEY] = {**pending.as_dict(), "next": next_url}
    return redirect(url)


@bp.route("/callback")
def callback():
    """Back from the provider: verify everything, link the account by verified email."""
    settings = _settings()
    kept = session.pop(PENDING_KEY, None)
    if not isinstance(kept, dict):
        return _failed(_l("This sign-in was not started in this browser, or it was already used."))
    pending = oidc.Pending(kept["state"], kept["nonce"], kept["verifier"])
    try:
        identity = oidc.complete(
            settings, _metadata(), _callback_url(), request.args.to_dict(), pending
        )
    except oidc.SignInError as error:
        return _failed(error.reason)
    user = services.account_for_verified_email(identity.email, identity.name)
    if user is None:
        return _failed(_l("This account is closed."), email=identity.email)
    next_url = kept.get("next")
    if not identity.second_factor and user.has_totp:
        db.session.commit()
        signin.begin_second_factor(user, next_url)
        return redirect(url_for("two_factor.verify"))
    method = signin.PROVIDER_SECOND_FACTOR_METHOD if identity.second_factor else "oidc"
    signin.start_session(user, method=method)
    db.session.commit()
    flash(_("You are logged in as %(name)s.", name=user.name), "success")
    return redirect(next_url or url_for("events.home"))


def _failed(reason: str | LazyString, *, email: str = ""):
    # The security log keeps the reason in English; the page says it in the visitor's language.
    with force_locale("en"):
        detail = str(reason)
    signin.audit(Kind.PROVIDER_SIGN_IN_FAILED, email=email, detail=detail[:300])
    db.session.commit()
    page = render_template("accounts/provider_failed.html", reason=str(reason))
    return page, 400
