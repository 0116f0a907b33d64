"""Organisers' document forms: shape only (type and size are checked on the content)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from conference.documents.filetypes import ALLOWED_DESCRIPTION
from conference.formfields import SelectField, as_choices
from conference.markings import TLP_CHOICES

FILE_HINT = _l("%(types)s; the content decides, not the name.", types=ALLOWED_DESCRIPTION)


class DocumentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    tlp = SelectField(
        _l("TLP marking"),
        choices=as_choices(TLP_CHOICES),
        description=_l("Defaults to the session's marking. It decides who may download the file."),
    )
    file = FileField(
        _l("File"), validators=[FileRequired(_l("Choose a file."))], description=FILE_HINT
    )
    submit = SubmitField(_l("Upload document"))


class VersionForm(FlaskForm):
    file = FileField(
        _l("New version"), validators=[FileRequired(_l("Choose a file."))], description=FILE_HINT
    )
    submit = SubmitField(_l("Upload new version"))
