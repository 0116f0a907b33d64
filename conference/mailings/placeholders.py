"""Message templates with placeholders: plain text with ``{name}``-style fields, not HTML.

Only the fields below exist; anything else (an unknown name, ``{name.__class__}``, a
format spec) is refused when the template is written, not when it is sent. Rendering
never calls ``str.format``: the parsed pieces are joined, so a template cannot reach
into Python objects. ``{{`` and ``}}`` write literal braces.
"""

from __future__ import annotations

from string import Formatter

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference.errors import DomainError

PLACEHOLDERS = {
    "name": _l("the registrant's name"),
    "email": _l("their email address"),
    "organisation": _l("the organisation on their badge"),
    "category": _l("their stakeholder category"),
    "status": _l("their registration's state, in words"),
    "event": _l("the event's title"),
    "dates": _l("the event's dates"),
    "venue": _l("the event's venue"),
    "event_url": _l("the event's page"),
    "registration_url": _l("their registration page (badge, bookings)"),
}


class TemplateError(DomainError):
    """A template that uses something other than the known placeholders."""


def _pieces(template: str) -> list[tuple[str, str | None]]:
    try:
        parsed = list(Formatter().parse(template))
    except ValueError:
        raise TemplateError(
            _("Unbalanced braces: write a placeholder as {name}, and a brace itself as {{ or }}.")
        )
    pieces = []
    for literal, field, spec, conversion in parsed:
        if field is not None and (field not in PLACEHOLDERS or spec or conversion):
            known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
            raise TemplateError(
                _(
                    "Unknown placeholder %(placeholder)s. Use one of: %(known)s.",
                    placeholder="{" + field + "}",
                    known=known,
                )
            )
        pieces.append((literal, field))
    return pieces


def check(template: str) -> None:
    """Raise TemplateError if the template uses anything but the known placeholders."""
    _pieces(template)


def render(template: str, values: dict[str, str]) -> str:
    """The template with each placeholder replaced by its value (as plain text)."""
    return "".join(
        literal + (values[field] if field else "") for literal, field in _pieces(template)
    )
