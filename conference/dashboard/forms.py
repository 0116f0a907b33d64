"""The dashboard's filter form: shape only (which delegations exist is the page's to say)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from conference.formfields import SelectField


class DashboardFilterForm(FlaskForm):
    """The delegation filter, a GET form (it changes nothing: no CSRF token to check)."""

    class Meta:
        csrf = False

    delegation = SelectField(_l("Delegation"), choices=[], validate_choice=False)
