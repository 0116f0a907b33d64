"""A session's title and abstract in a language, falling back to the original.

A session shown as a closed block carries no translation at all (``visibility.shown_session``
cuts them with the title and abstract), and its title is the fixed "Closed session" text,
translated into the output's language.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from conference.events.translated import (
    TRANSLATED_LANGUAGES,
    clean_translations,
    event_field,
    field_in,
    frozen_translations,
    thawed,
    translation_of,
)

SESSION_FIELDS = ("title", "abstract")

__all__ = [
    "SESSION_FIELDS",
    "TRANSLATED_LANGUAGES",
    "clean_translations",
    "closed_title",
    "current_language",
    "event_field",
    "field_in",
    "lang_attribute",
    "frozen_translations",
    "session_field",
    "thawed",
    "translated",
    "translation_of",
]


def current_language() -> str:
    """The language the current output is being written in."""
    if not has_request_context():
        return "en"
    locale = get_locale()
    return locale.language if locale is not None else "en"


def closed_title(language: str | None = None) -> str:
    """The fixed title of a closed block, in ``language`` (else the current one)."""
    if language is None:
        return _("Closed session")
    return _closed_title_in(language)


@lru_cache(maxsize=8)
def _closed_title_in(language: str) -> str:
    # The catalogues are compiled once per process: one lookup per language, not per block
    # (a programme with 900 closed blocks switched locale 900 times per build).
    with force_locale(language):
        return _("Closed session")


def session_field(item: Any, field: str, language: str | None) -> str:
    """A session's (or its visible value's) ``field`` in ``language``, else the original."""
    if getattr(item, "closed", False) and field == "title":
        return closed_title(language)
    return field_in(item, field, language)


def lang_attribute(obj: Any, field: str, original_language: str | None) -> Markup:
    """`` lang="en"`` when ``obj.<field>`` is shown in another language than the page's (no
    translation into it: the original, in ``original_language``, the event's own), else empty.

    ``<div{{ event|lang_attribute("description", event.default_language) }}>`` lets screen
    readers and hyphenation read a passage left in the original as that language.
    """
    page = current_language()
    if translation_of(getattr(obj, "translations", None), field, page) is not None:
        return Markup("")
    original = original_language or page
    return Markup("") if original == page else Markup(' lang="%s"') % original


def translated(obj: Any, field: str, language: str | None = None) -> str:
    """The template filter: ``{{ item|translated("title") }}`` in the page's language."""
    language = language or current_language()
    return session_field(obj, field, language)
