"""The language switch in every page's header and on the profile page."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, flash, g, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from conference.extensions import db
from conference.i18n import DEFAULT_LANGUAGE, LANGUAGES
from conference.languages.forms import LanguageForm
from conference.languages.services import set_language
from conference.urls import safe_next_url

bp = Blueprint("languages", __name__)


@bp.route("/language", methods=["POST"])
def choose():
    """Store the chosen language, then go back to the page the switch was on."""
    form = LanguageForm()
    back = safe_next_url(form.next.data) or url_for("events.home")
    if not form.validate_on_submit():
        flash(_("Please choose one of the languages offered."), "error")
        return redirect(back)
    user = current_user if current_user.is_authenticated else None
    set_language(user, form.language.data, session)
    if user is not None:
        db.session.commit()
    return redirect(back)


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
    address of its own (``next``), which belongs to the page, not to the switch."""
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "next"]
    return request.path + (f"?{urlencode(query)}" if query else "")


def _language_form() -> LanguageForm:
    """The switch's form, made once per request, pointing back at the current page."""
    form = g.get("_language_form")
    if form is None:
        form = LanguageForm(formdata=None, next=_this_page())
        g._language_form = form
    return form
