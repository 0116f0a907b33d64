"""Confirmation pages for destructive actions: one form and one page for every capability.

A destructive button is a link to a page of its own (it works without JavaScript and reads
well to a screen reader) that says what will happen; its form POSTs ``confirm=yes``. A POST
without it (an old page, a forged or stray request) only shows the page again and changes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template
from flask_wtf import FlaskForm
from wtforms import HiddenField


class ConfirmActionForm(FlaskForm):
    """The form of a confirmation page: the action runs only when ``confirm`` comes with it."""

    # No default: a missing field must read as "not confirmed" (the page writes "yes").
    confirm = HiddenField()
    next = HiddenField()

    def is_confirmed(self) -> bool:
        return self.validate_on_submit() and self.confirm.data == "yes"


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation page says and where its two buttons go."""

    question: str  # the page's heading, e.g. "Revoke the badge of Ada Lovelace?"
    consequences: list[str]  # "What will happen", one sentence each
    action_url: str
    confirm_label: str  # names the action: "Yes, revoke the badge"
    back_url: str
    back_label: str  # names what is kept: "No, keep the badge"
    context: str = ""  # a line under the heading: whose, which event
    details: list[tuple[str, str]] = field(default_factory=list)  # label/value pairs
    hidden: list[tuple[str, str]] = field(default_factory=list)  # what the action POSTs back


def confirmation_page(confirmation: Confirmation, form: ConfirmActionForm, *, title_of: str = ""):
    """The rendered page (200): nothing has happened yet."""
    return render_template(
        "confirm_action.html", confirmation=confirmation, form=form, title_of=title_of
    )
