"""Helpers shared by the forms of every capability."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from conference.db_types import MAX_DB_INT, is_db_int


def as_choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice objects WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]


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
