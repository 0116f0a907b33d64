"""The page for a refused registration or booking action, shared by attendees' and organisers'
pages: the reason in words, a way back, and a 4xx status; nothing of the attempt is kept."""

from __future__ import annotations

from flask import render_template

from conference.errors import DomainError
from conference.extensions import db


def refused_page(error: DomainError, back: str):
    """A refused action: the reason in words, a way back, and a 4xx status."""
    db.session.rollback()
    return (
        render_template("registration/refused.html", message=error.message, back=back),
        error.status_code,
    )
