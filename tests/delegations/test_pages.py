"""The delegation pages: the NCP's dashboard and its confidentiality, the invitation page,
and the organisers' list and forms."""

from __future__ import annotations

import pytest

from conference.delegations.models import Delegation, Nomination
from conference.extensions import db
from conference.registration.models import Registration
from tests.delegations.helpers import invite, invite_and_accept, make_delegation, make_ncp
from tests.factories import make_attendee, make_open_event, make_staff, make_user
from tests.pages import page_body

pytestmark = pytest.mark.usefixtures("app")


def _world():
    event = make_open_event("deleg-2027", title="Delegations 2027")
    belgium = make_delegation(event, "Belgium", quota=2)
    estonia = make_delegation(event, "Estonia", quota=2, country="EE")
    ncp_be = make_ncp(belgium, name="Ann Peeters")
    ncp_ee = make_ncp(estonia, name="Kalle Kask")
    be_nomination, _ = invite_and_accept(belgium, ncp_be, name="Bert Belgian")
    ee_nomination, _ = invite(estonia, ncp_ee, name="Eero Estonian")
    make_attendee(event, name="Regina Registrant")
    return event, belgium, estonia, ncp_be, be_nomination, ee_nomination


def test_ncp_dashboard_shows_their_delegation_only(login):
    event, belgium, _, ncp_be, _, _ = _world()
    page = login(ncp_be).get(f"/events/{event.slug}/delegations/{belgium.id}/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Bert Belgian" in text and "Accepted" in text
    assert "1 of 2" in text
    for other in ("Eero Estonian", "Estonia", "Kalle Kask", "Regina Registrant"):
        assert other not in text


def test_ncp_of_one_delegation_probing_another_gets_404_like_a_missing_one(login):
    event, belgium, estonia, ncp_be, _, ee_nomination = _world()
    client = login(ncp_be)
    base = f"/events/{event.slug}/delegations"
    missing = client.get(f"{base}/999999/")
    probed = client.get(f"{base}/{estonia.id}/")
    assert probed.status_code == missing.status_code == 404
    assert page_body(probed) == page_body(missing)
    for url in (
        f"{base}/{estonia.id}/nominate",
        f"{base}/{estonia.id}/nominations/{ee_nomination.id}/withdraw",
        f"{base}/{estonia.id}/nominations/{ee_nomination.id}/resend",
        # Another delegation's nomination under one's own delegation's address.
        f"{base}/{belgium.id}/nominations/{ee_nomination.id}/withdraw",
        f"{base}/{belgium.id}/nominations/{ee_nomination.id}/resend",
    ):
        assert client.post(url, data={"name": "X", "email": "x@example.org"}).status_code == 404
    assert db.session.get(Nomination, ee_nomination.id).state == "invited"
    assert client.get(f"/events/{event.slug}/manage/delegations").status_code == 403


def test_my_delegations_takes_an_ncp_to_their_dashboard(login):
    event, belgium, _, ncp_be, _, _ = _world()
    answer = login(ncp_be).get(f"/events/{event.slug}/delegations/")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/delegations/{belgium.id}/")
    assert login(make_user()).get(f"/events/{event.slug}/delegations/").status_code == 404


def test_nominate_form_shows_errors_next_to_the_fields(login):
    event, belgium, _, ncp_be, _, _ = _world()
    client = login(ncp_be)
    url = f"/events/{event.slug}/delegations/{belgium.id}/nominate"
    answer = client.post(url, data={"name": "", "email": f"bert.belgian.{belgium.id}@example.org"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="name-error"' in text
    assert "This field is required" in text
    answer = client.post(
        url, data={"name": "Bert", "email": f"bert.belgian.{belgium.id}@example.org"}
    )
    assert answer.status_code == 422
    assert 'id="email-error"' in answer.get_data(as_text=True)
    assert "already nominated by your delegation" in answer.get_data(as_text=True)
    done = client.post(url, data={"name": "Nora New", "email": "nora@example.org"})
    assert done.status_code == 303
    assert "Nora New" in client.get(done.headers["Location"]).get_data(as_text=True)


def test_invitation_page_explains_and_accepts_for_the_invited_address_only(login, client):
    event = make_open_event(title="Delegations 2027")
    delegation = make_delegation(event, "Belgium")
    ncp = make_ncp(delegation, name="Ann Peeters")
    _, secret = invite(delegation, ncp, name="Eva Expert", email="eva@example.org")
    url = f"/invitations/{secret}"

    anonymous = client.get(url).get_data(as_text=True)
    assert "What accepting means" in anonymous and "log in</a> with eva@example.org" in anonymous
    other = login(make_user("other@example.org"))
    assert "sent to another email address" in other.get(url).get_data(as_text=True)
    refused = other.post(f"{url}/accept", data={"privacy_consent": "y"})
    assert refused.status_code == 403

    nominee = login(make_user("eva@example.org", name="Eva Expert"))
    page = nominee.get(url).get_data(as_text=True)
    assert "Accept the nomination" in page and "nominated by Belgium, NCP Ann Peeters" in page
    assert nominee.post(f"{url}/accept", data={}).status_code == 422
    accepted = nominee.post(f"{url}/accept", data={"privacy_consent": "y"})
    assert accepted.status_code == 303
    assert accepted.headers["Location"].endswith(f"/events/{event.slug}/registration")
    again = nominee.post(f"{url}/accept", data={"privacy_consent": "y"})
    assert again.status_code == 403
    assert "This nomination is accepted" in again.get_data(as_text=True)


def test_decline_from_the_invitation_page(client):
    delegation = make_delegation(make_open_event())
    nomination, secret = invite(delegation, make_ncp(delegation))
    answer = client.post(f"/invitations/{secret}/decline")
    assert answer.status_code == 303
    assert "You declined this nomination" in client.get(answer.headers["Location"]).get_data(
        as_text=True
    )
    assert db.session.get(Nomination, nomination.id).state == "declined"
    assert client.get("/invitations/not-a-real-secret").status_code == 404


def test_withdraw_from_the_dashboard_cancels_the_registration(login):
    event, belgium, _, ncp_be, be_nomination, _ = _world()
    client = login(ncp_be)
    answer = client.post(
        f"/events/{event.slug}/delegations/{belgium.id}/nominations/{be_nomination.id}/withdraw",
        data={"confirm": "yes"},
    )
    assert answer.status_code == 303
    db.session.expire_all()
    nomination = db.session.get(Nomination, be_nomination.id)
    assert nomination.state == "withdrawn"
    assert db.session.get(Registration, nomination.registration_id).status == "cancelled"
    assert "Withdrawn" in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_organisers_list_every_delegation_and_create_edit_appoint(login):
    event, belgium, estonia, _, _, _ = _world()
    organiser = login(make_staff(event, "organiser"))
    listing = organiser.get(f"/events/{event.slug}/manage/delegations").get_data(as_text=True)
    assert "Belgium" in listing and "Estonia" in listing and "Kalle Kask" in listing

    created = organiser.post(
        f"/events/{event.slug}/manage/delegations",
        data={
            "name": "France",
            "kind": "member_state",
            "country": "FR",
            "category": "member_state_expert",
            "quota": "4",
        },
    )
    assert created.status_code == 303
    assert db.session.query(Delegation).filter_by(event_id=event.id, name="France").one().quota == 4

    edit = f"/events/{event.slug}/manage/delegations/{belgium.id}"
    lowered = organiser.post(
        edit,
        data={
            "name": "Belgium",
            "kind": "member_state",
            "country": "BE",
            "category": "member_state_expert",
            "quota": "0",
        },
    )
    assert lowered.status_code == 422
    assert "1 nominee(s) have already accepted: the quota cannot go below 1" in lowered.get_data(
        as_text=True
    )
    unknown = organiser.post(f"{edit}/contacts", data={"email": "nobody@example.org"})
    assert unknown.status_code == 422
    assert "No account has this address" in unknown.get_data(as_text=True)
    person = make_user("new.ncp@example.org", name="Nico New", second_factor=True)
    assert organiser.post(f"{edit}/contacts", data={"email": person.email}).status_code == 303
    assert "Nico New" in organiser.get(edit).get_data(as_text=True)
    asked = organiser.post(f"{edit}/contacts/remove", data={"user_id": person.id})
    assert asked.status_code == 200 and "What will happen" in asked.get_data(as_text=True)
    assert "Nico New" in organiser.get(edit).get_data(as_text=True)  # nothing removed yet
    removed = organiser.post(
        f"{edit}/contacts/remove", data={"user_id": person.id, "confirm": "yes"}
    )
    assert removed.status_code == 303
    assert "is no longer a contact point" in organiser.get(edit).get_data(as_text=True)  # flash
    assert "Nico New" not in organiser.get(edit).get_data(as_text=True)


def test_registrant_list_and_csv_filter_by_delegation(login):
    event, belgium, _, ncp_be, _, _ = _world()
    organiser = login(make_staff(event, "organiser", second_factor=True))
    base = f"/events/{event.slug}/manage/registrations"
    everyone = organiser.get(base).get_data(as_text=True)
    assert "Bert Belgian" in everyone and "Regina Registrant" in everyone
    assert f'<option value="{belgium.id}">Belgium</option>' in everyone
    only = organiser.get(f"{base}?delegation={belgium.id}").get_data(as_text=True)
    assert "Bert Belgian" in only and "Regina Registrant" not in only
    assert "1 registration match" in only


def test_withdraw_asks_first_and_a_post_without_confirm_changes_nothing(login):
    event, belgium, _, ncp_be, be_nomination, _ = _world()
    client = login(ncp_be)
    url = f"/events/{event.slug}/delegations/{belgium.id}/nominations/{be_nomination.id}/withdraw"

    dashboard = client.get(f"/events/{event.slug}/delegations/{belgium.id}/").get_data(as_text=True)
    page = client.get(url)
    unconfirmed = client.post(url)

    assert f'href="{url}"' in dashboard
    assert page.status_code == unconfirmed.status_code == 200
    text = page.get_data(as_text=True)
    assert f"Withdraw the nomination of {be_nomination.name}?" in text
    assert 'name="confirm" value="yes"' in text and 'name="csrf_token"' in text
    assert "button-danger" in text
    db.session.expire_all()
    assert db.session.get(Nomination, be_nomination.id).state == be_nomination.state
    assert "Withdraw the nomination" in unconfirmed.get_data(as_text=True)


def test_withdraw_page_of_an_accepted_nominee_says_what_follows(login):
    from tests.delegations.helpers import invite_and_accept
    from tests.factories import make_booking, make_session

    event, belgium, _, ncp_be, _, _ = _world()
    nomination, registration = invite_and_accept(belgium, ncp_be, name="Adam Accepted")
    make_booking(registration, make_session(event, title="Booked talk"))
    client = login(ncp_be)
    url = f"/events/{event.slug}/delegations/{belgium.id}/nominations/{nomination.id}/withdraw"

    text = client.get(url).get_data(as_text=True)

    assert "registration for the event is cancelled" in text
    assert "Their 1 booked seat goes to the people waiting" in text
    assert "badge is refused at every door" in text
    assert "Booked talk" not in text  # the NCP is told how many, not which
    assert db.session.get(Nomination, nomination.id).state == "accepted"
