"""The language switch in every page's header and on the profile page."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from conference.extensions import csrf, db
from conference.i18n import DEFAULT_LANGUAGE, LANGUAGES, on_error_page
from conference.languages.forms import LanguageForm
from conference.languages.services import set_language
from conference.urls import safe_next_url

bp = Blueprint("languages", __name__)


# Sites a browser says the request comes from that may set an anonymous visitor's language.
_SAME_SITE = {None, "same-origin", "none"}


@bp.route("/language", methods=["POST"])
@csrf.exempt  # checked below: the token for accounts, the browser's word for anonymous visitors
def choose():
    """Store the chosen language, then go back to the page the switch was on."""
    _refuse_forged_request()
    form = LanguageForm(meta={"csrf": False})
    back = safe_next_url(form.next.data) or url_for("events.home")
    if not form.validate_on_submit():
        flash(_("Please choose one of the languages offered."), "error")
        return redirect(back)
    user = current_user if current_user.is_authenticated else None
    set_language(user, form.language.data, session)
    if user is not None:
        db.session.commit()
    return redirect(back)


def _refuse_forged_request() -> None:
    """A signed-in person's choice (saved on the account) needs the form's CSRF token.

    Anonymous pages carry no token: a token would open a session for every visitor on their
    first page and would end up in the anonymous pages kept in the page cache, where it
    belongs to someone else. An anonymous choice only touches that browser's session; a
    browser that says the form came from another site (Sec-Fetch-Site) is refused.
    """
    if current_user.is_authenticated:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            try:
                validate_csrf(request.form.get("csrf_token"))
            except ValidationError as error:
                raise CSRFError(error.args[0]) from None
    elif request.headers.get("Sec-Fetch-Site") not in _SAME_SITE:
        raise CSRFError("The language switch was sent from another site.")


@bp.app_context_processor
def inject_languages() -> dict[str, object]:
    """The languages offered by the switch, and a lazily built form for it."""
    return {
        "languages": LANGUAGES,
        "current_language": str(get_locale() or DEFAULT_LANGUAGE),
        "language_form": _language_form,
    }


def _this_page() -> str:
    """The current page's address to come back to: its path and query, without any return
    address of its own (``next``), which belongs to the page, not to the switch. An error
    page sends the visitor home instead (it must not repeat the address asked for)."""
    if on_error_page():
        return url_for("events.home")
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "next"]
    return request.path + (f"?{urlencode(query)}" if query else "")


def _language_form() -> LanguageForm:
    """The switch's form, made once per request, pointing back at the current page."""
    form = g.get("_language_form")
    if form is None:
        form = LanguageForm(formdata=None, next=_this_page())
        g._language_form = form
    return form
