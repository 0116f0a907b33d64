"""Organisers' document forms: shape only (type and size are checked on the content)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from conference.documents.filetypes import ALLOWED_DESCRIPTION
from conference.formfields import as_choices
from conference.markings import TLP_CHOICES

FILE_HINT = f"{ALLOWED_DESCRIPTION}; the content decides, not the name."


class DocumentForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    tlp = SelectField(
        "TLP marking",
        choices=as_choices(TLP_CHOICES),
        description="Defaults to the session's marking. It decides who may download the file.",
    )
    file = FileField("File", validators=[FileRequired("Choose a file.")], description=FILE_HINT)
    submit = SubmitField("Upload document")


class VersionForm(FlaskForm):
    file = FileField(
        "New version", validators=[FileRequired("Choose a file.")], description=FILE_HINT
    )
    submit = SubmitField("Upload new version")
