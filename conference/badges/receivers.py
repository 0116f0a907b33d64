"""What badges do when registration changes something printed on them, or mails an approval."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from conference import signals
from conference.badges import services
from conference.i18n import language_for
from conference.mail.services import queue_templated_mail
from conference.urls import external_url


def reissue_after_verification(_sender: Any, *, registration_ids: list[int]) -> None:
    """A verified category appeared or went: the badge shows it, so older codes are void.

    The holder is told by mail: a printed badge no longer opens the doors.
    """
    for badge in services.reissue_badges_of(registration_ids, actor=None):
        registration, event = badge.registration, badge.event
        queue_templated_mail(
            registration.user.email,
            _l("Your badge is renewed: %(title)s", title=event.title),
            "badge_reissued",
            user=registration.user,
            event=event,
            registration=registration,
            badge=badge,
            badge_url=external_url("badges.my_badge_pdf", slug=event.slug),
            link=external_url("registration.my_registration", slug=event.slug),
            language=language_for(registration.user, event),
        )


def badge_link_for_mail(_sender: Any, *, registration: Any) -> dict[str, str]:
    """The approval mail links the badge (a download after logging in, always the current one)."""
    return {"badge_url": external_url("badges.my_badge_pdf", slug=registration.event.slug)}


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per function)."""
    signals.category_verification_changed.connect(reissue_after_verification)
    signals.approval_mail_context.connect(badge_link_for_mail)
