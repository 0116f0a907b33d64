"""Helpers shared by the forms of every capability."""

from __future__ import annotations

from collections.abc import Iterable

import wtforms
from flask_babel import gettext as _
from markupsafe import Markup, escape
from wtforms.fields.choices import Choice, SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import Select

from conference.db_types import MAX_DB_INT, is_db_int


def as_choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice objects WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]


class PlainOptionsSelect(Select):
    """WTForms' select, writing a plain option (no extra attributes) straight out.

    The markup is WTForms' own, byte for byte (attributes in name order: ``selected`` before
    ``value``); only the attribute dictionary and its formatting per option are skipped. An
    event form's time-zone list has about 430 options, and building each through
    ``html_params`` was a tenth of the time of every page that shows one.
    """

    @classmethod
    def render_option(cls, choice: Choice, **kwargs) -> Markup:
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = choice.value
        if isinstance(value, bool):
            value = str(value)
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        # Both the value and the label are escaped just above (as html_params would).
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')  # noqa: S704


class SelectField(wtforms.SelectField):
    """The select field of every form here (see ``PlainOptionsSelect``)."""

    widget = PlainOptionsSelect()


def db_int(form, field) -> None:  # noqa: ARG001  (the WTForms validator signature)
    """Refuse whole numbers (one, or a list of them) too large to be an id or a count."""
    values = field.data if isinstance(field.data, list) else [field.data]
    if any(v is not None and not is_db_int(v) for v in values):
        raise ValidationError(
            _(
                "Give a whole number between %(lowest)d and %(highest)d.",
                lowest=-MAX_DB_INT - 1,
                highest=MAX_DB_INT,
            )
        )
