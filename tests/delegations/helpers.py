"""Factories for delegation tests: delegations, their NCPs, invited experts."""

from __future__ import annotations

from conference.delegations import nominations, services
from conference.extensions import db
from tests.factories import make_user


def make_delegation(
    event,
    name: str = "Belgium",
    *,
    quota: int = 3,
    country: str = "BE",
    kind: str = "member_state",
    category: str = "member_state_expert",
):
    delegation = services.create_delegation(
        event,
        services.DelegationDetails(
            name=name, kind=kind, country=country, category=category, quota=quota
        ),
        actor=None,
    )
    db.session.commit()
    return delegation


def make_ncp(delegation, **user_kwargs):
    """An account appointed national contact point of ``delegation``."""
    user_kwargs.setdefault("name", f"NCP of {delegation.name}")
    user_kwargs.setdefault("second_factor", True)  # the NCP role waits for one (issue 18)
    user = make_user(**user_kwargs)
    services.appoint_contact(delegation, user, actor=None)
    db.session.commit()
    return user


def invite(delegation, ncp, *, name: str = "Eva Expert", email: str | None = None):
    """A nomination by ``ncp`` and the secret of its link, committed."""
    email = email or f"{name.lower().replace(' ', '.')}.{delegation.id}@example.org"
    nomination, secret = nominations.nominate(delegation, name, email, actor=ncp)
    db.session.commit()
    return nomination, secret


def invite_and_accept(delegation, ncp, *, name: str = "Eva Expert"):
    """A nominee with a confirmed account who accepted; returns (nomination, registration)."""
    nomination, secret = invite(delegation, ncp, name=name)
    user = make_user(nomination.email, name=name)
    registration = nominations.accept(secret, user, privacy_consent=True)
    db.session.commit()
    return nomination, registration
