"""Languages: which one a request is served in, and the catalogues that translate it.

English is the source language; French and German catalogues live in
``conference/translations`` (``make translations`` extracts and updates them; ``make``
compiles them). Code marks strings with ``flask_babel.gettext`` (``_``) or, for text
defined at import time such as form labels, ``lazy_gettext`` (``_l``).
"""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_babel import Babel

LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"
SESSION_KEY = "language"

babel = Babel()


def supported(code: str | None) -> str | None:
    """``code`` if it names a language we serve, else None."""
    return code if code in LANGUAGES else None


def select_language() -> str:
    """The visitor's choice (account, then session), else the browser's, else English."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    from flask_login import current_user

    chosen = supported(getattr(current_user, "language", None)) or supported(
        session.get(SESSION_KEY)
    )
    if chosen:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def language_for(user=None, event=None) -> str:
    """The language to write to ``user`` in: their choice, else the event's, else English.

    For mail and other output made for someone other than the visitor of the request.
    """
    return (
        supported(getattr(user, "language", None))
        or supported(getattr(event, "default_language", None))
        or DEFAULT_LANGUAGE
    )


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_language)
