"""The select fields' quick option writer gives WTForms' own markup, byte for byte."""

from __future__ import annotations

import itertools

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SelectField as WTFormsSelectField
from wtforms.fields.choices import Choice
from wtforms.widgets import Select

from conference.formfields import PlainOptionsSelect, SelectField, as_choices

VALUES = ["a", 'say "hi" <b>&', 1, None, True, False, "", "  spaced ", "Zürich"]
LABELS = ["Label", '<script>"&', Markup("<i>kept</i>"), None, "", 3]
RENDER_KW = [None, {}, {"lang": "fr"}, {"disabled": True}]


def test_an_option_is_written_as_wtforms_writes_it():
    for value, label, selected, render_kw in itertools.product(
        VALUES, LABELS, [True, False], RENDER_KW
    ):
        choice = Choice(value, label, selected, render_kw)
        ours = PlainOptionsSelect.render_option(choice)
        assert ours == Select.render_option(choice), choice
        assert isinstance(ours, Markup)


def test_a_whole_field_renders_as_wtforms_renders_it(app):
    pairs = [("", "— Choose —"), ("be", "Belgium"), ("fr", "France <&>"), ("de", 'Germany "DE"')]

    class Ours(FlaskForm):
        country = SelectField("Country", choices=as_choices(pairs))

    class Theirs(FlaskForm):
        country = WTFormsSelectField("Country", choices=as_choices(pairs))

    with app.test_request_context("/?country=fr"):
        ours, theirs = Ours(meta={"csrf": False}), Theirs(meta={"csrf": False})
        ours.country.data = theirs.country.data = "fr"
        assert str(ours.country(class_="wide")) == str(theirs.country(class_="wide"))
        assert '<option selected value="fr">France &lt;&amp;&gt;</option>' in str(ours.country())
