"""The language switch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField

from conference.formfields import as_choices
from conference.i18n import LANGUAGES


class LanguageForm(FlaskForm):
    """One of the languages we serve, and the page to go back to."""

    language = RadioField(
        _l("Language"), choices=as_choices(LANGUAGES.items()), validate_choice=True
    )
    next = HiddenField()
