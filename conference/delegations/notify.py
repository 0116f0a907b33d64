"""Mail about nominations, through the outbox: to the nominee and to the delegation's NCPs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from conference.accounts.services import get_user_by_email
from conference.delegations.models import Nomination
from conference.i18n import language_for
from conference.mail.services import queue_templated_mail
from conference.urls import external_url


def _context(nomination: Nomination) -> dict:
    delegation = nomination.delegation
    return {
        "nomination": nomination,
        "delegation": delegation,
        "event": nomination.event,
        "ncp": nomination.nominated_by,
        "dashboard": external_url(
            "delegations.dashboard", slug=nomination.event.slug, delegation_id=delegation.id
        ),
    }


def _nominee_language(nomination: Nomination) -> str:
    """The nominee's language: their account's choice if they have one, else the event's."""
    return language_for(get_user_by_email(nomination.email), nomination.event)


def _to_contacts(nomination: Nomination, subject, template: str, **extra) -> None:
    for contact in nomination.delegation.contacts:
        queue_templated_mail(
            contact.user.email,
            subject,
            template,
            language=language_for(contact.user, nomination.event),
            contact=contact.user,
            **extra,
            **_context(nomination),
        )


def invitation(nomination: Nomination, secret: str) -> None:
    """The invitation with its link (sent again, with a new link, on a resend)."""
    queue_templated_mail(
        nomination.email,
        _l(
            "Your nomination by %(delegation)s: %(title)s",
            delegation=nomination.delegation.name,
            title=nomination.event.title,
        ),
        "delegation_invitation",
        language=_nominee_language(nomination),
        link=external_url("delegations.invitation", token=secret),
        **_context(nomination),
    )


def reminder(nomination: Nomination) -> None:
    """A reminder before the invitation expires (the link of the invitation still works)."""
    queue_templated_mail(
        nomination.email,
        _l("Reminder: your invitation to %(title)s expires soon", title=nomination.event.title),
        "delegation_reminder",
        language=_nominee_language(nomination),
        **_context(nomination),
    )


def accepted(nomination: Nomination) -> None:
    """Confirmation to the nominee, and word to the delegation's NCPs."""
    context = _context(nomination)
    queue_templated_mail(
        nomination.email,
        _l("You are registered: %(title)s", title=nomination.event.title),
        "delegation_accepted",
        language=_nominee_language(nomination),
        link=external_url("registration.my_registration", slug=nomination.event.slug),
        **context,
    )
    _to_contacts(
        nomination,
        _l("%(name)s accepted: %(title)s", name=nomination.name, title=nomination.event.title),
        "delegation_ncp_update",
    )


def declined(nomination: Nomination) -> None:
    _to_contacts(
        nomination,
        _l("%(name)s declined: %(title)s", name=nomination.name, title=nomination.event.title),
        "delegation_ncp_update",
    )


def withdrawn(nomination: Nomination, *, was_accepted: bool) -> None:
    """The withdrawal notice to the nominee."""
    queue_templated_mail(
        nomination.email,
        _l("Your nomination is withdrawn: %(title)s", title=nomination.event.title),
        "delegation_withdrawn",
        language=_nominee_language(nomination),
        was_accepted=was_accepted,
        **_context(nomination),
    )
