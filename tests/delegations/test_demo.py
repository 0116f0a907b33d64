"""The demo seeds two delegations with an NCP login each and nominees in different states."""

from __future__ import annotations

from sqlalchemy import select

from conference.delegations.models import Delegation, Nomination
from conference.extensions import db


def test_demo_seeds_delegations_once(app, runner):
    app.config["ENV"] = "development"
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "ncp-be@demo.ceris.eu" in first.output and "ncp-ee@demo.ceris.eu" in first.output
    delegations = {d.name: d for d in db.session.scalars(select(Delegation))}
    assert sorted(delegations) == ["Belgium", "Estonia"]
    assert (delegations["Belgium"].quota, delegations["Belgium"].accepted_count) == (4, 1)
    states = sorted((n.delegation.name, n.state) for n in db.session.scalars(select(Nomination)))
    assert states == [
        ("Belgium", "accepted"),
        ("Belgium", "declined"),
        ("Belgium", "invited"),
        ("Estonia", "invited"),
        ("Estonia", "withdrawn"),
    ]
    accepted = next(n for n in db.session.scalars(select(Nomination)) if n.state == "accepted")
    assert accepted.registration.category_verification_basis.startswith(
        "nominated by Belgium, NCP Nele NCP (Belgium), on "
    )
