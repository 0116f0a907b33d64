"""An event's (or any row's) texts in a language, falling back to the original.

``translations`` is JSON like ``{"fr": {"title": ..., "description": ...}}`` (migration 0024);
the original fields (``title``, ``description``...) are the text as the organisers first gave
it. A missing or blank translation gives the original, so nothing is ever left empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The languages an organiser may give translations in (the original is any language).
TRANSLATED_LANGUAGES = ("fr", "de")
EVENT_FIELDS = ("title", "description")


def translation_of(translations: Any, field: str, language: str | None) -> str | None:
    """The non-blank translation of ``field`` into ``language`` in ``translations``, or None."""
    if not language or not translations:
        return None
    if isinstance(translations, Mapping):
        texts = translations.get(language)
    else:  # a frozen value: ((language, ((field, text), ...)), ...)
        texts = dict(translations).get(language)
    if not texts:
        return None
    text = dict(texts).get(field) if not isinstance(texts, Mapping) else texts.get(field)
    return text if isinstance(text, str) and text.strip() else None


def field_in(obj: Any, field: str, language: str | None) -> str:
    """``obj.<field>`` in ``language``, or the original when it has no such translation."""
    found = translation_of(getattr(obj, "translations", None), field, language)
    if found is not None:
        return found
    return getattr(obj, field, None) or ""


def event_field(event: Any, field: str, language: str | None) -> str:
    return field_in(event, field, language)


def clean_translations(raw: Any, fields: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """``raw`` kept to the translated languages and ``fields``, non-blank strings only."""
    cleaned: dict[str, dict[str, str]] = {}
    if not isinstance(raw, Mapping):
        return cleaned
    for language in TRANSLATED_LANGUAGES:
        texts = raw.get(language)
        if not isinstance(texts, Mapping):
            continue
        kept = {
            f: texts[f].strip()
            for f in fields
            if isinstance(texts.get(f), str) and texts[f].strip()
        }
        if kept:
            cleaned[language] = kept
    return cleaned


def frozen_translations(raw: Any, fields: tuple[str, ...]) -> tuple:
    """``raw`` as a hashable, ordered value (for immutable views and digests)."""
    return tuple(
        (language, tuple(sorted(texts.items())))
        for language, texts in sorted(clean_translations(raw, fields).items())
    )


def thawed(frozen: tuple) -> dict[str, dict[str, str]]:
    return {language: dict(texts) for language, texts in frozen}
