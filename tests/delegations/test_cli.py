"""`flask grant EMAIL ncp --event SLUG --delegation NAME` appoints a national contact point."""

from __future__ import annotations

from conference import permissions
from conference.delegations.models import Delegation
from conference.extensions import db
from tests.delegations.helpers import make_delegation
from tests.factories import make_open_event, make_user


def test_grant_ncp_appoints_and_refuses_an_unknown_delegation(app, runner):
    event = make_open_event("cli-2027")
    delegation = make_delegation(event, "Belgium")
    user = make_user("ncp@example.org", second_factor=True)

    missing = runner.invoke(args=["grant", user.email, "ncp", "--event", event.slug])
    done = runner.invoke(
        args=["grant", user.email, "ncp", "--event", event.slug, "--delegation", "Belgium"]
    )

    assert missing.exit_code == 1 and "no delegation named None" in missing.output
    assert done.exit_code == 0, done.output
    assert "ncp@example.org is national contact point of Belgium at cli-2027" in done.output
    db.session.expire_all()
    assert permissions.can_manage_delegation(user, db.session.get(Delegation, delegation.id))
