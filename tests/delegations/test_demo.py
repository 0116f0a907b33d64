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


def test_demo_seeds_a_session_for_the_belgian_delegation_only(app, runner, login):
    from conference import permissions
    from conference.agenda.models import AgendaSession
    from conference.demo import DELEGATION_SESSION
    from conference.registration.models import Registration

    app.config["ENV"] = "development"
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0  # once
    (session,) = db.session.scalars(
        select(AgendaSession).where(AgendaSession.external_id == DELEGATION_SESSION)
    )
    belgium = db.session.scalar(select(Delegation).where(Delegation.name == "Belgium"))
    assert permissions.session_delegation_ids(session) == {belgium.id}
    assert session.restricted_to == [] and session.restricted_visibility == "hidden"
    bram = db.session.scalar(
        select(Registration).join(Registration.user).where(Registration.delegation_id.is_not(None))
    )
    assert bram.user.email == "bram.peeters@demo.ceris.eu"
    assert permissions.may_attend_session(bram, session)
    expert = db.session.scalar(
        select(Registration).where(
            Registration.category == "member_state_expert",
            Registration.delegation_id.is_(None),
            Registration.category_verified_at.is_not(None),
        )
    )
    assert not permissions.may_attend_session(expert, session)
    url = f"/events/{session.event.slug}/sessions/{session.id}/"
    assert login(bram.user).get(url).status_code == 200
    assert login(expert.user).get(url).status_code == 404
