"""What badges do when registration changes something printed on them, or mails an approval."""

from __future__ import annotations

from typing import Any

from conference import signals
from conference.badges import services
from conference.urls import external_url


def reissue_after_verification(_sender: Any, *, registration_ids: list[int]) -> None:
    """A verified category appeared or went: the badge shows it, so older codes are void."""
    services.reissue_badges_of(registration_ids, actor=None)


def badge_link_for_mail(_sender: Any, *, registration: Any) -> dict[str, str]:
    """The approval mail links the badge (a download after logging in, always the current one)."""
    return {"badge_url": external_url("badges.my_badge_pdf", slug=registration.event.slug)}


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per function)."""
    signals.category_verification_changed.connect(reissue_after_verification)
    signals.approval_mail_context.connect(badge_link_for_mail)
