"""The agenda import page's forms (shape checks only; the file's content is the service's)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SubmitField

FILE_HINT = _l(
    "The event import format (JSON, as exported by agenda.json) or a CSV of sessions "
    "(docs/formats.md). Nothing is written until you confirm the preview."
)


class UploadForm(FlaskForm):
    file = FileField(
        _l("Agenda file"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["json", "csv"], _l("Choose a .json or a .csv file.")),
        ],
        description=FILE_HINT,
    )
    submit = SubmitField(_l("Check the file"))


class ConfirmImportForm(FlaskForm):
    # The agenda version the preview showed: confirming after another change shows it again.
    agenda_version = HiddenField()
    submit = SubmitField(_l("Import"))
