"""A person's choice of language: on the account when signed in, in the session otherwise."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from conference.i18n import SESSION_KEY, supported


def set_language(user: Any | None, code: str, store: MutableMapping[str, Any]) -> str:
    """Remember ``code`` as the person's language; returns it (or raises ValueError).

    ``store`` is the anonymous visitor's session; it keeps the choice too, so that the
    language stays the same after logging out. The caller commits.
    """
    language = supported(code)
    if language is None:
        raise ValueError(f"unsupported language {code!r}")
    if user is not None:
        user.language = language
    store[SESSION_KEY] = language
    return language
