"""ISO 3166 countries for forms and display."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def country_choices() -> list[tuple[str, str]]:
    """(alpha-2, name) pairs sorted by name, for select fields."""
    return sorted(
        ((c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries),
        key=lambda pair: pair[1],
    )


@cache
def _names() -> dict[str, str]:
    return dict(country_choices())


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return _names().get(code.upper(), code)


def is_country_code(code: str) -> bool:
    return code.upper() in _names()
