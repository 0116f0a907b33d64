"""What registration does when an account's details change: the door's name search follows."""

from __future__ import annotations

from typing import Any

from conference import signals
from conference.registration import search


def reindex_changed_accounts(_sender: Any, *, user_ids: list[int]) -> None:
    """The registrations of people whose name, organisation or email changed."""
    search.reindex_users(user_ids)


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per function)."""
    signals.account_details_changed.connect(reindex_changed_accounts)
