"""Languages: which one a request is served in, and the catalogues that translate it.

English is the source language; French and German catalogues live in
``conference/translations`` (``make translations`` extracts and updates them; ``make``
compiles them). Code marks strings with ``flask_babel.gettext`` (``_``) or, for text
defined at import time such as form labels, ``lazy_gettext`` (``_l``).
"""

from __future__ import annotations

from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, LazyString, refresh
from markupsafe import Markup, escape

LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"
SESSION_KEY = "language"
# Where the loader of an event's pages leaves the event's default language for the request.
EVENT_LANGUAGE_KEY = "event_default_language"

babel = Babel()


def supported(code: str | None) -> str | None:
    """``code`` if it names a language we serve, else None."""
    return code if code in LANGUAGES else None


_CHOOSING_KEY = "choosing_language"


def select_language() -> str:
    """The visitor's choice (account, then session), else the browser's, else the event's
    default language on its pages (see ``use_event_language``), else English."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    account_language = None
    if not g.get(_CHOOSING_KEY):
        # Loading the signed-in user may itself translate a message (a session that ended):
        # that inner choice goes without the account instead of loading the user again.
        setattr(g, _CHOOSING_KEY, True)
        try:
            from flask_login import current_user

            account_language = getattr(current_user, "language", None)
        finally:
            setattr(g, _CHOOSING_KEY, False)
    chosen = supported(account_language) or supported(session.get(SESSION_KEY))
    if chosen:
        return chosen
    return (
        request.accept_languages.best_match(LANGUAGES)
        or supported(g.get(EVENT_LANGUAGE_KEY))
        or DEFAULT_LANGUAGE
    )


def use_event_language(event) -> None:
    """Serve this request in ``event``'s default language if the visitor has no preference.

    Called by the loader of an event's pages with the event it already loaded, so that
    choosing the language costs no query. A language worked out before the event was
    known (a label rendered early) is forgotten, so the rest of the page follows.
    """
    if not has_request_context() or EVENT_LANGUAGE_KEY in g:
        return
    setattr(g, EVENT_LANGUAGE_KEY, supported(getattr(event, "default_language", None)))
    refresh()


ERROR_PAGE_KEY = "language_switch_on_error_page"


def mark_error_page() -> None:
    """This response is an error page: its language switch goes back to the home page.

    An error page must not repeat the address asked for: a hidden object's page answers
    byte for byte like a missing one's.
    """
    if has_request_context():
        setattr(g, ERROR_PAGE_KEY, True)


def on_error_page() -> bool:
    return has_request_context() and bool(g.get(ERROR_PAGE_KEY))


def language_for(user=None, event=None) -> str:
    """The language to write to ``user`` in: their choice, else the event's, else English.

    For mail and other output made for someone other than the visitor of the request.
    """
    return (
        supported(getattr(user, "language", None))
        or supported(getattr(event, "default_language", None))
        or DEFAULT_LANGUAGE
    )


def _escaped_html(self: LazyString) -> Markup:
    return escape(str(self))


def init_app(app: Flask) -> None:
    # Flask-Babel's lazy strings claim to be HTML already (``__html__`` returns the text as
    # it is), so a translated label with an apostrophe or "<" would reach the page unescaped
    # and change the English output. Text is text: escape it like any other string.
    LazyString.__html__ = _escaped_html
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_language)
