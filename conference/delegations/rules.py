"""Pure decisions about delegations and nominations (no database)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date

from conference.delegations.models import NominationState

# A plain shape check; the real proof is the confirmed account that accepts.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_QUOTA = 10_000

INVITED = NominationState.INVITED.value
ACCEPTED = NominationState.ACCEPTED.value
DECLINED = NominationState.DECLINED.value
EXPIRED = NominationState.EXPIRED.value
WITHDRAWN = NominationState.WITHDRAWN.value

# Why an invitation link cannot be used, by the nomination's state (as of now).
UNUSABLE_INVITATION = {
    ACCEPTED: "This invitation has already been used.",
    DECLINED: "You declined this invitation. Ask your national contact point to send it again.",
    EXPIRED: "This invitation has expired. Ask your national contact point to send a new one.",
    WITHDRAWN: "This invitation was withdrawn by your national contact point.",
}
UNKNOWN_INVITATION = "This invitation link is not valid. Check that you copied all of it."


def new_invitation_secret() -> tuple[str, str]:
    """A fresh secret for the link, and the hash that is stored."""
    secret = secrets.token_urlsafe(32)
    return secret, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_plausible_email(email: str) -> bool:
    return len(email) <= 254 and EMAIL_PATTERN.match(email) is not None


def verification_basis(delegation_name: str, ncp_name: str, on: date) -> str:
    """What an accepted nomination's verification rests on, in the words the issue asks."""
    return f"nominated by {delegation_name}, NCP {ncp_name}, on {on.isoformat()}"


def quota_too_low_message(quota: int, accepted: int) -> str:
    return (
        f"{accepted} nominee(s) have already accepted: the quota cannot go below {accepted}. "
        f"Withdraw nominations first to lower it to {quota}."
    )
