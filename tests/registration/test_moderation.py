"""Every state transition of a registration, event capacity and its waiting list, the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conference.errors import InvalidTransition, PermissionDenied
from conference.extensions import db
from conference.registration import moderation, services
from conference.registration.booking import book_session
from conference.registration.models import AuditEntry, Registration
from tests.factories import (
    make_attendee,
    make_open_event,
    make_session,
    make_staff,
    make_user,
    register,
)
from tests.registration.helpers import (
    actions_of,
    assert_counters_match_rows,
    deliver_mail,
    drain_mail,
)

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def event():
    return make_open_event(mode="moderated")


@pytest.fixture
def organiser(event):
    return make_staff(event, "organiser", name="Olga Organiser")


def _status(registration) -> str:
    db.session.expire_all()
    return db.session.get(Registration, registration.id).status


def test_pending_to_approved_mails_the_attendee(event, organiser, smtp_server):
    registration = register(event, make_user("a@example.org"))
    drain_mail(smtp_server)

    assert moderation.approve(registration, actor=organiser) == "approved"
    db.session.commit()
    deliver_mail()

    assert _status(registration) == "approved"
    assert actions_of(registration)[-1] == ("approved", "pending", "approved", organiser.id)
    [mail] = smtp_server.messages_to("a@example.org")
    assert mail["Subject"] == f"Your registration is approved: {event.title}"
    assert "You can now book sessions." in smtp_server.text_of(mail)
    assert "<strong>" in smtp_server.html_of(mail)


def test_pending_to_rejected_shows_the_reason_to_the_attendee(event, organiser, login, smtp_server):
    user = make_user("b@example.org")
    registration = register(event, user)
    drain_mail(smtp_server)
    client = login(organiser)

    response = client.post(
        f"/events/{event.slug}/manage/registrations/{registration.id}/reject",
        data={"reason": "Places are reserved for national delegations."},
    )

    assert response.status_code == 303
    assert _status(registration) == "rejected"
    page = login(user).get(f"/events/{event.slug}/registration").get_data(as_text=True)
    assert "Rejected" in page and "Places are reserved for national delegations." in page
    [mail] = smtp_server.messages_to("b@example.org")
    assert "was not accepted" in mail["Subject"]
    assert "Reason: Places are reserved for national delegations." in smtp_server.text_of(mail)
    entry = actions_of(registration)[-1]
    assert entry == ("rejected", "pending", "rejected", organiser.id)


@pytest.mark.parametrize("start", ["pending", "approved", "waitlisted"])
def test_attendee_cancels_from_any_active_state(login, smtp_server, start):
    event = make_open_event(mode="automatic", capacity=1)
    make_attendee(event)  # takes the one place
    user = make_user("c@example.org")
    if start == "pending":
        event.registration_mode = "moderated"
        db.session.commit()
    elif start == "approved":
        event.capacity = 2
        db.session.commit()
    registration = register(event, user)
    assert registration.status == start
    drain_mail(smtp_server)

    response = login(user).post(
        f"/events/{event.slug}/registration/cancel", data={"confirm": "yes"}
    )

    assert response.status_code == 302
    assert _status(registration) == "cancelled"
    assert actions_of(registration)[-1] == ("cancelled", start, "cancelled", user.id)
    [mail] = smtp_server.messages_to("c@example.org")
    assert "As you asked" in smtp_server.text_of(mail)
    assert_counters_match_rows(event)


def test_rejected_can_be_approved_later_and_approved_cannot_be_approved_again(event, organiser):
    registration = register(event)
    moderation.reject(registration, actor=organiser, reason="No")
    db.session.commit()

    moderation.approve(registration, actor=organiser)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        moderation.approve(registration, actor=organiser)

    assert _status(registration) == "approved"
    assert db.session.get(Registration, registration.id).rejection_reason == ""


@pytest.mark.parametrize(
    ("setup", "change", "message"),
    [
        ("cancelled", lambda r, o: moderation.approve(r, actor=o), "cannot be approved"),
        ("cancelled", lambda r, o: moderation.reject(r, actor=o), "cannot be rejected"),
        ("rejected", lambda r, o: moderation.reject(r, actor=o), "cannot be rejected"),
        ("rejected", lambda r, o: services.cancel_registration(r, actor=o), "cannot be cancelled"),
        ("cancelled", lambda r, o: services.cancel_registration(r, actor=o), "already cancelled"),
    ],
)
def test_impossible_transitions_are_refused_and_change_nothing(
    event, organiser, setup, change, message
):
    registration = register(event)
    if setup == "cancelled":
        services.cancel_registration(registration, actor=None)
    else:
        moderation.reject(registration, actor=organiser)
    db.session.commit()
    entries = len(actions_of(registration))

    with pytest.raises(InvalidTransition) as refused:
        change(registration, organiser)

    db.session.rollback()
    assert message in refused.value.message
    assert _status(registration) == setup
    assert len(actions_of(registration)) == entries


def test_impossible_transition_on_the_page_is_a_409_with_the_reason(event, organiser, login):
    registration = register(event)
    services.cancel_registration(registration, actor=None)
    db.session.commit()

    response = login(organiser).post(
        f"/events/{event.slug}/manage/registrations/{registration.id}/approve"
    )

    assert response.status_code == 409
    assert "A registration that is cancelled cannot be approved." in response.get_data(as_text=True)


def test_full_event_puts_registrations_on_a_waiting_list_promoted_in_order(smtp_server):
    event = make_open_event(mode="automatic", capacity=2)
    first = register(event, make_user("first@example.org"))
    second = register(event, make_user("second@example.org"))
    third = register(event, make_user("third@example.org"))
    fourth = register(event, make_user("fourth@example.org"))
    assert [r.status for r in (first, second, third, fourth)] == [
        "approved",
        "approved",
        "waitlisted",
        "waitlisted",
    ]
    assert (services.event_waitlist_rank(third), services.event_waitlist_rank(fourth)) == (1, 2)
    drain_mail(smtp_server)

    services.cancel_registration(first, actor=None)
    db.session.commit()
    deliver_mail()

    assert [_status(r) for r in (first, second, third, fourth)] == [
        "cancelled",
        "approved",
        "approved",
        "waitlisted",
    ]
    assert services.event_waitlist_rank(db.session.get(Registration, fourth.id)) == 1
    [mail] = smtp_server.messages_to("third@example.org")
    assert "A place freed up" in smtp_server.text_of(mail)
    assert actions_of(third)[-1] == ("promoted", "waitlisted", "approved", None)
    assert_counters_match_rows(event)


def test_approving_into_a_full_event_waitlists_and_fill_places_promotes_later(organiser_event):
    event, organiser = organiser_event
    a, b = register(event), register(event)

    assert moderation.approve(a, actor=organiser) == "approved"
    assert moderation.approve(b, actor=organiser) == "waitlisted"
    with pytest.raises(InvalidTransition, match="event is full"):
        moderation.approve(b, actor=organiser)
    event.capacity = 2
    db.session.commit()
    promoted = services.fill_event_places(event, actor=organiser)
    db.session.commit()

    assert promoted == 1 and _status(b) == "approved"
    assert_counters_match_rows(event)


@pytest.fixture
def organiser_event():
    event = make_open_event(mode="moderated", capacity=1)
    return event, make_staff(event, "organiser")


def test_rejecting_an_approved_registration_frees_its_place_and_seats(event, organiser):
    event.capacity = 1
    db.session.commit()
    session = make_session(event, capacity=1)
    holder = register(event)
    moderation.approve(holder, actor=organiser)
    book_session(holder, session, actor=None)
    waiting = register(event)
    moderation.approve(waiting, actor=organiser)
    db.session.commit()
    assert waiting.status == "waitlisted"

    moderation.reject(holder, actor=organiser, reason="Duplicate")
    db.session.commit()

    assert _status(waiting) == "approved"
    assert holder.bookings[0].status == "cancelled"
    assert_counters_match_rows(event)


def test_verify_and_unverify_are_recorded_with_the_organiser(event, organiser):
    registration = register(event, category="member_state_expert")

    assert moderation.verify_category(registration, actor=organiser) is True
    assert moderation.verify_category(registration, actor=organiser) is False
    assert moderation.unverify_category(registration, actor=organiser) is True
    db.session.commit()

    assert [a[0] for a in actions_of(registration)][-2:] == [
        "category_verified",
        "category_unverified",
    ]
    assert not db.session.get(Registration, registration.id).category_verified


def test_only_organisers_moderate(event):
    registration = register(event)
    stranger = make_user()
    door = make_staff(event, "door_staff")

    for actor in (stranger, door):
        with pytest.raises(PermissionDenied):
            moderation.approve(registration, actor=actor)
        with pytest.raises(PermissionDenied):
            moderation.verify_category(registration, actor=actor)


@pytest.mark.parametrize(
    "path",
    [
        "/events/{slug}/manage/registrations",
        "/events/{slug}/manage/registrations.csv",
        "/events/{slug}/manage/audit",
        "/events/{slug}/manage/bookings",
    ],
)
def test_organiser_pages_are_forbidden_to_attendees_and_door_staff(event, login, path):
    register(event)
    for user in (make_user(), make_staff(event, "door_staff")):
        response = login(user).get(path.format(slug=event.slug))
        assert response.status_code == 403


def test_bulk_approve_and_verify(event, organiser, login):
    regs = [register(event, category="member_state_expert") for _ in range(3)]
    client = login(organiser)

    approve = client.post(
        f"/events/{event.slug}/manage/registrations/bulk",
        data={"ids": [r.id for r in regs[:2]], "action": "approve"},
    )
    verify = client.post(
        f"/events/{event.slug}/manage/registrations/bulk",
        data={"ids": [r.id for r in regs], "action": "verify"},
    )

    assert approve.status_code == verify.status_code == 303
    db.session.expire_all()
    assert [_status(r) for r in regs] == ["approved", "approved", "pending"]
    assert all(db.session.get(Registration, r.id).category_verified for r in regs)
    actors = db.session.scalars(
        select(AuditEntry.actor_id).where(AuditEntry.action == "category_verified")
    )
    assert set(actors) == {organiser.id}


def test_bulk_reject_with_a_reason(event, organiser, login):
    regs = [register(event) for _ in range(2)]

    login(organiser).post(
        f"/events/{event.slug}/manage/registrations/bulk",
        data={"ids": [r.id for r in regs], "action": "reject", "reason": "Event for delegates"},
    )

    db.session.expire_all()
    assert {db.session.get(Registration, r.id).rejection_reason for r in regs} == {
        "Event for delegates"
    }


def test_bulk_action_with_an_id_from_another_event_changes_nothing(event, organiser, login):
    mine = register(event)
    other_event = make_open_event()
    foreign = register(other_event)
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))

    response = login(organiser).post(
        f"/events/{event.slug}/manage/registrations/bulk",
        data={"ids": [mine.id, foreign.id], "action": "approve"},
    )

    assert response.status_code == 400
    assert "do not belong to this event" in response.get_data(as_text=True)
    assert _status(mine) == "pending" and _status(foreign) == "approved"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def test_action_on_a_registration_of_another_event_is_a_404(event, organiser, login):
    foreign = register(make_open_event(mode="moderated"))

    response = login(organiser).post(
        f"/events/{event.slug}/manage/registrations/{foreign.id}/approve"
    )

    assert response.status_code == 404
    assert _status(foreign) == "pending"


def test_bulk_action_without_selection_or_action_is_refused(event, organiser, login):
    register(event)
    client = login(organiser)

    no_ids = client.post(
        f"/events/{event.slug}/manage/registrations/bulk", data={"action": "approve"}
    )
    no_action = client.post(f"/events/{event.slug}/manage/registrations/bulk", data={"ids": [1]})

    assert no_ids.status_code == 400 and "Select at least one registration" in no_ids.get_data(
        as_text=True
    )
    assert no_action.status_code == 400 and "Choose an action" in no_action.get_data(as_text=True)


@pytest.mark.parametrize("start", ["pending", "approved", "waitlisted"])
def test_reject_from_every_active_state_frees_what_it_held(start, smtp_server):
    event = make_open_event(mode="automatic", capacity=1)
    organiser = make_staff(event, "organiser")
    if start == "pending":
        event.registration_mode = "moderated"
        db.session.commit()
    if start == "waitlisted":
        make_attendee(event)  # takes the only place
    registration = register(event, make_user("r@example.org"))
    assert registration.status == start
    drain_mail(smtp_server)

    moderation.reject(registration, actor=organiser, reason="Sorry")
    db.session.commit()
    deliver_mail()

    assert _status(registration) == "rejected"
    assert actions_of(registration)[-1] == ("rejected", start, "rejected", organiser.id)
    [mail] = smtp_server.messages_to("r@example.org")
    assert "Reason: Sorry" in smtp_server.text_of(mail) and "Sorry" in smtp_server.html_of(mail)
    assert_counters_match_rows(event)


def test_organiser_cancellation_mails_the_attendee(event, organiser, login, smtp_server):
    registration = register(event, make_user("o@example.org"))
    drain_mail(smtp_server)

    response = login(organiser).post(
        f"/events/{event.slug}/manage/registrations/{registration.id}/cancel",
        data={"confirm": "yes"},
    )

    assert response.status_code == 303
    [mail] = smtp_server.messages_to("o@example.org")
    assert "The organisers cancelled your registration" in smtp_server.text_of(mail)
    assert actions_of(registration)[-1] == ("cancelled", "pending", "cancelled", organiser.id)


def test_approving_on_the_page_into_a_full_event_says_so(login):
    event = make_open_event(mode="moderated", capacity=1)
    organiser = make_staff(event, "organiser")
    make_attendee(event)
    registration = register(event)
    client = login(organiser)

    response = client.post(
        f"/events/{event.slug}/manage/registrations/{registration.id}/approve",
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert "The event is full: the registration is on the waiting list." in page
    assert "Waiting list" in page and "(position 1)" in page


def test_organiser_gives_free_places_to_the_waiting_list_from_the_page(login):
    event = make_open_event(mode="automatic", capacity=1)
    organiser = make_staff(event, "organiser")
    make_attendee(event)
    waiting = [register(event) for _ in range(2)]
    event.capacity = 2
    db.session.commit()
    client = login(organiser)

    listed = client.get(f"/events/{event.slug}/manage/registrations").get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/manage/registrations/promote")

    assert "Give free places to the waiting list" in listed
    assert response.status_code == 303
    assert [_status(r) for r in waiting] == ["approved", "waitlisted"]
    assert_counters_match_rows(event)
