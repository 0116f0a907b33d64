"""Invitation-only sessions (issue 17): a restricted session may name delegations, and admits
their accepted nominees in addition to (or instead of) its verified categories, in every output.

A nominee or NCP of delegation A never sees a hidden session restricted to delegation B.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from conference import permissions
from conference.agenda.models import AgendaSession
from conference.agenda.queries import Audience, load_agenda
from conference.badges import door_rules
from conference.badges.checkpoints import parse_checkpoint
from conference.delegations import nominations
from conference.events.models import Event
from conference.extensions import db
from conference.registration import rules
from tests.agenda.frabxml import parse_schedule
from tests.agenda.pdftext import pdf_text
from tests.delegations.helpers import invite_and_accept, make_delegation, make_ncp
from tests.factories import make_registration, make_room, make_session, make_staff, make_user

BASE = "/events/deleg-vis-2027"
START = date(2027, 3, 23)
# Only nominees of B (and staff) may ever receive these.
B_SECRETS = ["Bravo huddle QUUX", "bravo abstract WIBBLE"]
# Only nominees of A, verified policy makers (and staff) may ever receive these.
A_SECRETS = ["Alpha briefing FNORD"]

ACTORS = ["anonymous", "ncp_a", "nominee_a", "nominee_b", "policy_maker", "claimed", "organiser"]
SEES_A = {"nominee_a", "policy_maker", "organiser"}
SEES_B = {"nominee_b", "organiser"}


def at(hour: int) -> datetime:
    return datetime(2027, 3, 23, hour - 1, tzinfo=UTC)


@dataclass
class World:
    event: Event
    open: AgendaSession
    alpha: AgendaSession  # listed, policy makers OR delegation A
    bravo: AgendaSession  # hidden, delegation B only
    users: dict
    registrations: dict


@pytest.fixture
def world(app) -> World:
    event = make_event_world()
    a = make_delegation(event, "Alphaland", country="BE")
    b = make_delegation(event, "Bravonia", country="EE")
    room = make_room(event, "Room One", 50)
    open_session = make_session(event, title="Open plenary", room=room, starts_at=at(9))
    alpha = make_session(
        event,
        title="Alpha briefing FNORD",
        room=room,
        starts_at=at(10),
        restricted_to=["policy_maker"],
        restricted_delegations=[a.id],
        visibility="listed",
    )
    bravo = make_session(
        event,
        title="Bravo huddle QUUX",
        abstract="bravo abstract WIBBLE",
        room=room,
        starts_at=at(11),
        restricted_delegations=[b.id],
        visibility="hidden",
    )
    ncp_a, ncp_b = make_ncp(a), make_ncp(b)
    _, reg_a = invite_and_accept(a, ncp_a, name="Anna Alpha")
    _, reg_b = invite_and_accept(b, ncp_b, name="Boris Bravo")
    policy = make_user(name="Pat Policy")
    reg_policy = make_registration(event, policy, category="policy_maker", verified=True)
    claimed = make_user(name="Carl Claimed")
    reg_claimed = make_registration(event, claimed, category="member_state_expert")
    organiser = make_staff(event, "organiser", name="Olga Organiser")
    db.session.commit()
    users = {
        "ncp_a": ncp_a,
        "nominee_a": reg_a.user,
        "nominee_b": reg_b.user,
        "policy_maker": policy,
        "claimed": claimed,
        "organiser": organiser,
    }
    registrations = {
        "nominee_a": reg_a,
        "nominee_b": reg_b,
        "policy_maker": reg_policy,
        "claimed": reg_claimed,
    }
    return World(event, open_session, alpha, bravo, users, registrations)


def make_event_world() -> Event:
    from tests.factories import make_event

    return make_event("deleg-vis-2027", title="Delegations visibility", start=START, days=2)


@pytest.fixture
def client_for(app, login, world):
    def make(actor: str):
        return app.test_client() if actor == "anonymous" else login(world.users[actor])

    return make


def _outputs(client, world) -> dict[str, str]:
    urls = {
        "list": f"{BASE}/agenda/?view=list",
        "grid": f"{BASE}/agenda/?day=2027-03-23",
        "search": f"{BASE}/agenda/?view=list&q=QUUX",
        "json": f"{BASE}/agenda.json",
        "xml": f"{BASE}/schedule.xml",
        "ical": f"{BASE}/calendar.ics",
        "alpha page": f"{BASE}/sessions/{world.alpha.id}/",
    }
    outputs = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        outputs[name] = response.get_data(as_text=True)
    outputs["pdf"] = pdf_text(client.get(f"{BASE}/agenda.pdf").data)
    return outputs


@pytest.mark.parametrize("actor", ACTORS)
def test_invitation_only_sessions_across_every_output(actor, world, client_for):
    client = client_for(actor)

    outputs = _outputs(client, world)
    bravo_page = client.get(f"{BASE}/sessions/{world.bravo.id}/")
    missing_page = client.get(f"{BASE}/sessions/987654/")

    for name, text in outputs.items():
        if actor not in SEES_B:
            for secret in B_SECRETS:
                assert secret not in text, f"{secret!r} leaks into {name} for {actor}"
        if actor not in SEES_A:
            for secret in A_SECRETS:
                assert secret not in text, f"{secret!r} leaks into {name} for {actor}"
    if actor in SEES_B:
        for name in ("list", "json", "xml", "ical", "pdf", "search"):
            assert "Bravo huddle QUUX" in outputs[name], name
    if actor in SEES_A:
        for name in ("list", "json", "xml", "ical", "pdf", "alpha page"):
            assert "Alpha briefing FNORD" in outputs[name], name
        assert (
            "Verified Policy maker and the experts of the invited delegations only"
            in (outputs["alpha page"])
        )
    else:
        for name in ("list", "json", "xml", "pdf", "alpha page"):
            assert "Closed session" in outputs[name], name
    if actor in SEES_B:
        assert bravo_page.status_code == 200
        assert "bravo abstract WIBBLE" in bravo_page.get_data(as_text=True)
        assert "The experts of the invited delegations only" in bravo_page.get_data(as_text=True)
        assert "Bravo huddle QUUX" in outputs["search"]
    else:
        assert bravo_page.status_code == missing_page.status_code == 404
        assert f"/sessions/{world.bravo.id}/" not in outputs["list"]
        assert world.bravo.uid.split("@")[0] not in outputs["ical"] + outputs["json"]


@pytest.mark.parametrize("actor", ACTORS)
def test_exports_name_invitation_only_only_where_shown(actor, world, client_for):
    document = json.loads(client_for(actor).get(f"{BASE}/agenda.json").get_data(as_text=True))
    schedule = parse_schedule(client_for(actor).get(f"{BASE}/schedule.xml").data)

    by_title = {s["title"]: s for s in document["sessions"]}
    xml_titles = {e.findtext("title") for e in schedule.iter("event")}
    expected = {"Open plenary"}
    expected.add("Alpha briefing FNORD" if actor in SEES_A else "Closed session")
    if actor in SEES_B:
        expected.add("Bravo huddle QUUX")
    assert set(by_title) == xml_titles == expected
    if actor in SEES_A:
        assert by_title["Alpha briefing FNORD"]["invitation_only"] is True
        assert by_title["Alpha briefing FNORD"]["restricted_to"] == ["policy_maker"]
    else:
        assert by_title["Closed session"]["invitation_only"] is False
    assert by_title["Open plenary"]["invitation_only"] is False


def test_rule_is_categories_or_delegations(world):
    regs = world.registrations
    alpha, bravo = world.alpha, world.bravo

    assert permissions.may_attend_session(regs["nominee_a"], alpha)
    assert permissions.may_attend_session(regs["policy_maker"], alpha)  # category OR delegation
    assert not permissions.may_attend_session(regs["nominee_b"], alpha)
    assert not permissions.may_attend_session(regs["claimed"], alpha)
    assert permissions.may_attend_session(regs["nominee_b"], bravo)
    # Only delegations and no category: a verified category does not open it.
    assert not permissions.may_attend_session(regs["policy_maker"], bravo)
    assert not permissions.may_attend_session(regs["nominee_a"], bravo)
    assert alpha.is_restricted and bravo.is_restricted and not world.open.is_restricted


def test_booking_rules_follow_the_delegations(world):
    regs = world.registrations

    assert rules.booking_refusal(regs["nominee_b"], world.bravo) is None
    refusal = rules.booking_refusal(regs["nominee_a"], world.bravo)
    assert refusal is not None and refusal.code == rules.RESTRICTED
    assert "invitation only" in refusal.message
    refusal = rules.booking_refusal(regs["claimed"], world.alpha)
    assert "Open to verified policy makers and to the experts of the delegations" in (
        refusal.message
    )


def test_door_admits_only_the_listed_delegations(world):
    regs = world.registrations
    checkpoint = parse_checkpoint(world.event, f"session:{world.bravo.id}")
    now = at(11)

    admitted = door_rules.decide(world.event, checkpoint, regs["nominee_b"], now=now)
    refused = door_rules.decide(world.event, checkpoint, regs["nominee_a"], now=now)
    refused_category = door_rules.decide(world.event, checkpoint, regs["policy_maker"], now=now)

    assert admitted.result == door_rules.ACCEPTED
    assert (refused.result, refused.reason) == (door_rules.REFUSED, "not_authorised")
    assert refused_category.reason == "not_authorised"


def test_withdrawn_nominee_loses_the_sessions_of_the_delegation(world):
    reg = world.registrations["nominee_b"]
    nomination = db.session.scalar(
        db.select(nominations.Nomination).where(nominations.Nomination.registration_id == reg.id)
    )
    nominations.withdraw(nomination, actor=world.users["organiser"])
    db.session.commit()

    assert reg.delegation_id is None
    assert not permissions.may_attend_session(reg, world.bravo)


def test_audiences_of_two_delegations_never_share_a_cached_output(world):
    a = Audience.of(world.users["nominee_a"], world.event)
    b = Audience.of(world.users["nominee_b"], world.event)
    ncp = Audience.of(world.users["ncp_a"], world.event)

    assert a != b and len({a, b, ncp}) == 3
    assert not a.is_public and ncp.is_public


def test_feed_cache_keys_by_delegation(world, client_for):
    """The same feed, built first for a nominee of A, is built again for a nominee of B."""
    first = client_for("nominee_a").get(f"{BASE}/calendar.ics").get_data(as_text=True)
    second = client_for("nominee_b").get(f"{BASE}/calendar.ics").get_data(as_text=True)
    third = client_for("nominee_a").get(f"{BASE}/calendar.ics").get_data(as_text=True)

    assert "Bravo huddle QUUX" not in first and "Bravo huddle QUUX" in second
    assert third == first


def test_staff_agenda_shows_every_invitation_only_session(world):
    view = load_agenda(world.event, None, everything=True)

    assert {s.title for s in view.sessions} == {
        "Open plenary",
        "Alpha briefing FNORD",
        "Bravo huddle QUUX",
    }


def test_offline_scanner_data_names_the_delegations(world):
    from conference.badges.offline import attendees_json, checkpoints_json

    checkpoints = {c["key"]: c for c in checkpoints_json(world.event, world.users["organiser"])}
    attendees = attendees_json(world.event)

    bravo = checkpoints[f"session:{world.bravo.id}"]
    assert bravo["restricted_to"] == [] and bravo["restricted_delegations"] == [
        world.registrations["nominee_b"].delegation_id
    ]
    assert checkpoints[f"session:{world.open.id}"]["restricted_delegations"] == []
    by_registration = {row["registration"]: row for row in attendees["attendees"]}
    reg_b = world.registrations["nominee_b"]
    assert by_registration[reg_b.id]["delegation"] == reg_b.delegation_id is not None
    assert by_registration[world.registrations["policy_maker"].id]["delegation"] is None


def test_cloned_edition_keeps_invitation_only_sessions_restricted(world):
    from conference.editions.cloning import CloneRequest, clone_event

    report = clone_event(
        world.event,
        CloneRequest(slug="deleg-vis-2028", start_date=date(2028, 3, 21)),
        actor=world.users["organiser"],
    )
    db.session.commit()
    copies = {
        s.title: s
        for s in db.session.scalars(
            db.select(AgendaSession).where(AgendaSession.event_id == report.event.id)
        )
    }

    bravo, alpha = copies["Bravo huddle QUUX"], copies["Alpha briefing FNORD"]
    # The delegations are the old edition's: not copied; their nominees' category stands in.
    assert not bravo.invitation_only and bravo.restricted_to == ["member_state_expert"]
    assert bravo.restricted_visibility == "hidden"
    assert alpha.restricted_to == ["member_state_expert", "policy_maker"]
    assert not copies["Open plenary"].is_restricted
