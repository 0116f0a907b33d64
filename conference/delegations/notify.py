"""Mail about nominations, through the outbox: to the nominee and to the delegation's NCPs."""

from __future__ import annotations

from conference.delegations.models import Nomination
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


def _to_contacts(nomination: Nomination, subject: str, template: str, **extra) -> None:
    for contact in nomination.delegation.contacts:
        queue_templated_mail(
            contact.user.email,
            subject,
            template,
            contact=contact.user,
            **extra,
            **_context(nomination),
        )


def invitation(nomination: Nomination, secret: str) -> None:
    """The invitation with its link (sent again, with a new link, on a resend)."""
    queue_templated_mail(
        nomination.email,
        f"Your nomination by {nomination.delegation.name}: {nomination.event.title}",
        "delegation_invitation",
        link=external_url("delegations.invitation", token=secret),
        **_context(nomination),
    )


def reminder(nomination: Nomination) -> None:
    """A reminder before the invitation expires (the link of the invitation still works)."""
    queue_templated_mail(
        nomination.email,
        f"Reminder: your invitation to {nomination.event.title} expires soon",
        "delegation_reminder",
        **_context(nomination),
    )


def accepted(nomination: Nomination) -> None:
    """Confirmation to the nominee, and word to the delegation's NCPs."""
    context = _context(nomination)
    queue_templated_mail(
        nomination.email,
        f"You are registered: {nomination.event.title}",
        "delegation_accepted",
        link=external_url("registration.my_registration", slug=nomination.event.slug),
        **context,
    )
    _to_contacts(
        nomination, f"{nomination.name} accepted: {nomination.event.title}", "delegation_ncp_update"
    )


def declined(nomination: Nomination) -> None:
    _to_contacts(
        nomination, f"{nomination.name} declined: {nomination.event.title}", "delegation_ncp_update"
    )


def withdrawn(nomination: Nomination, *, was_accepted: bool) -> None:
    """The withdrawal notice to the nominee."""
    queue_templated_mail(
        nomination.email,
        f"Your nomination is withdrawn: {nomination.event.title}",
        "delegation_withdrawn",
        was_accepted=was_accepted,
        **_context(nomination),
    )
