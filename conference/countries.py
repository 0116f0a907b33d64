"""ISO 3166 countries for forms and display, named in the language of the page.

French and German names come from pycountry's own translations of ISO 3166-1 (the
Debian iso-codes catalogues, gettext domain ``iso3166-1``).
"""

from __future__ import annotations

import gettext
import unicodedata
from functools import cache

import pycountry

DOMAIN = "iso3166-1"


def _language() -> str:
    from conference.localtime import current_language

    return current_language()


@cache
def _translate(language: str):
    """The gettext function naming countries in ``language`` (English: names as they are)."""
    if language == "en":
        return lambda name: name
    return gettext.translation(
        DOMAIN, pycountry.LOCALES_DIR, languages=[language], fallback=True
    ).gettext


def _sort_key(name: str) -> str:
    """Alphabetical as people read it: accents aside (Émirats between Égypte and Équateur)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def _choices_in(language: str) -> tuple[tuple[str, str], ...]:
    translate = _translate(language)
    pairs = ((c.alpha_2, translate(getattr(c, "common_name", c.name))) for c in pycountry.countries)
    if language == "en":
        return tuple(sorted(pairs, key=lambda pair: pair[1]))
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(alpha-2, name) pairs sorted by name, for select fields, in the page's language."""
    return list(_choices_in(language or _language()))


@cache
def _names(language: str) -> dict[str, str]:
    return dict(_choices_in(language))


def country_name(code: str | None, language: str | None = None) -> str:
    if not code:
        return ""
    return _names(language or _language()).get(code.upper(), code)


def is_country_code(code: str) -> bool:
    return code.upper() in _names("en")
