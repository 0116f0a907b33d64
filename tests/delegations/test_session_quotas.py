"""Per-session quotas of a delegation (issue 17): at most N places in a restricted session for
its nominees, counted with conditional UPDATEs, set by organisers, seen by the NCP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conference.delegations import nominations
from conference.delegations.session_quotas import list_session_quotas, set_session_quota
from conference.errors import BookingError, DelegationError, PermissionDenied
from conference.extensions import db
from conference.registration import booking as bookings
from conference.registration.models import Booking, DelegationSessionQuota
from tests.delegations.helpers import invite_and_accept, make_delegation, make_ncp
from tests.delegations.workers import book_in_process
from tests.factories import make_open_event, make_session, make_staff
from tests.processes import separate_processes


def _world(nominees: int = 3):
    event = make_open_event("quota-2027")
    belgium = make_delegation(event, "Belgium", quota=10)
    estonia = make_delegation(event, "Estonia", quota=2, country="EE")
    briefing = make_session(
        event,
        title="Experts' briefing",
        restricted_to=["member_state_expert"],
        visibility="listed",
        capacity=20,
    )
    open_talk = make_session(event, title="Open talk")
    ncp = make_ncp(belgium)
    regs = [invite_and_accept(belgium, ncp, name=f"Expert {n}")[1] for n in range(nominees)]
    organiser = make_staff(event, "organiser", name="Olga Organiser")
    return event, belgium, estonia, briefing, open_talk, ncp, regs, organiser


def _book(registration, session):
    booking = bookings.book_session(registration, session, actor=registration.user)
    db.session.commit()
    return booking


def _quota(delegation, session) -> DelegationSessionQuota:
    db.session.expire_all()
    return db.session.scalar(
        select(DelegationSessionQuota).where(
            DelegationSessionQuota.delegation_id == delegation.id,
            DelegationSessionQuota.session_id == session.id,
        )
    )


def test_bookings_beyond_the_quota_are_refused_and_a_cancellation_frees_a_place(app):
    event, belgium, _, briefing, _, _, regs, organiser = _world()
    set_session_quota(belgium, briefing.id, 2, actor=organiser)
    db.session.commit()

    _book(regs[0], briefing)
    _book(regs[1], briefing)
    with pytest.raises(BookingError) as refused:
        _book(regs[2], briefing)
    db.session.rollback()

    assert refused.value.code == "delegation_quota_full"
    assert "Your delegation's 2 places in this session are all booked" in refused.value.message
    assert _quota(belgium, briefing).booked_count == 2
    bookings.unbook_session(regs[0], briefing, actor=regs[0].user)
    db.session.commit()
    assert _quota(belgium, briefing).booked_count == 1
    assert _book(regs[2], briefing).status == "confirmed"
    assert _quota(belgium, briefing).booked_count == 2


def test_waiting_list_places_count_so_a_promotion_needs_no_quota(app):
    event, belgium, _, briefing, _, _, regs, organiser = _world()
    briefing.capacity = 1
    db.session.commit()
    set_session_quota(belgium, briefing.id, 2, actor=organiser)
    db.session.commit()

    assert _book(regs[0], briefing).status == "confirmed"
    assert _book(regs[1], briefing).status == "waitlisted"
    with pytest.raises(BookingError):
        _book(regs[2], briefing)
    db.session.rollback()
    bookings.unbook_session(regs[0], briefing, actor=regs[0].user)  # regs[1] promoted
    db.session.commit()

    assert _quota(belgium, briefing).booked_count == 1
    promoted = db.session.scalar(select(Booking).where(Booking.registration_id == regs[1].id))
    assert promoted.status in ("confirmed", "offered")


def test_withdrawing_a_nominee_gives_the_place_back(app):
    event, belgium, _, briefing, _, ncp, regs, organiser = _world()
    set_session_quota(belgium, briefing.id, 1, actor=organiser)
    db.session.commit()
    _book(regs[0], briefing)
    nomination = db.session.scalar(
        select(nominations.Nomination).where(nominations.Nomination.registration_id == regs[0].id)
    )

    nominations.withdraw(nomination, actor=ncp)
    db.session.commit()

    assert _quota(belgium, briefing).booked_count == 0
    assert _book(regs[1], briefing).status == "confirmed"


def test_lowering_below_the_booked_count_is_refused_with_a_clear_message(app):
    event, belgium, _, briefing, _, _, regs, organiser = _world()
    set_session_quota(belgium, briefing.id, 3, actor=organiser)
    db.session.commit()
    _book(regs[0], briefing)
    _book(regs[1], briefing)

    with pytest.raises(DelegationError) as refused:
        set_session_quota(belgium, briefing.id, 1, actor=organiser)
    db.session.rollback()
    set_session_quota(belgium, briefing.id, 2, actor=organiser)
    db.session.commit()

    assert refused.value.field == "quota"
    assert "already hold 2 place(s) in this session: its quota cannot go below 2" in (
        refused.value.message
    )
    assert _quota(belgium, briefing).quota == 2


def test_a_new_quota_counts_bookings_made_before_it(app):
    event, belgium, _, briefing, _, _, regs, organiser = _world()
    _book(regs[0], briefing)
    _book(regs[1], briefing)

    with pytest.raises(DelegationError):
        set_session_quota(belgium, briefing.id, 1, actor=organiser)
    db.session.rollback()
    set_session_quota(belgium, briefing.id, 2, actor=organiser)
    db.session.commit()

    assert _quota(belgium, briefing).booked_count == 2
    bookings.unbook_session(regs[0], briefing, actor=regs[0].user)
    db.session.commit()
    assert _quota(belgium, briefing).booked_count == 1


def test_quotas_only_on_restricted_sessions_of_the_event_and_by_organisers(app):
    event, belgium, _, briefing, open_talk, ncp, regs, organiser = _world()
    other = make_session(make_open_event("other-quota"), restricted_to=["policy_maker"])

    for session_id in (open_talk.id, other.id, 987654, None):
        with pytest.raises(DelegationError) as refused:
            set_session_quota(belgium, session_id, 2, actor=organiser)
        assert refused.value.field == "session"
    with pytest.raises(PermissionDenied):
        set_session_quota(belgium, briefing.id, 2, actor=ncp)
    with pytest.raises(DelegationError):
        set_session_quota(belgium, briefing.id, -1, actor=organiser)


def test_removing_a_quota_lifts_the_cap_and_other_delegations_are_unaffected(app):
    event, belgium, estonia, briefing, _, _, regs, organiser = _world()
    set_session_quota(belgium, briefing.id, 0, actor=organiser)
    set_session_quota(estonia, briefing.id, 1, actor=organiser)
    db.session.commit()
    with pytest.raises(BookingError):
        _book(regs[0], briefing)
    db.session.rollback()

    set_session_quota(belgium, briefing.id, None, actor=organiser)
    db.session.commit()

    assert _book(regs[0], briefing).status == "confirmed"
    assert [q.delegation_id for q in list_session_quotas(estonia)] == [estonia.id]
    assert _quota(estonia, briefing).booked_count == 0


def test_organiser_sets_quotas_on_the_delegation_page_and_the_ncp_sees_them(app, login):
    event, belgium, _, briefing, open_talk, ncp, regs, organiser = _world()
    _book(regs[0], briefing)
    client = login(organiser)
    url = f"/events/{event.slug}/manage/delegations/{belgium.id}"

    page = client.get(url).get_data(as_text=True)
    saved = client.post(f"{url}/session-quotas", data={"session": briefing.id, "quota": "2"})
    too_low = client.post(f"{url}/session-quotas", data={"session": briefing.id, "quota": "0"})
    unrestricted = client.post(
        f"{url}/session-quotas", data={"session": open_talk.id, "quota": "2"}
    )
    bogus = client.post(f"{url}/session-quotas", data={"session": "x", "quota": "-5"})
    ncp_page = login(ncp).get(f"/events/{event.slug}/delegations/{belgium.id}/")
    ncp_post = login(ncp).post(f"{url}/session-quotas", data={"session": briefing.id})

    assert "Places in restricted sessions" in page and "Experts&#39; briefing" in page
    assert "Open talk" not in page.split("session-quotas-heading")[1]
    assert saved.status_code == 303
    assert too_low.status_code == 422
    assert "its quota cannot go below 1" in too_low.get_data(as_text=True)
    assert unrestricted.status_code == bogus.status_code == 422
    bogus_text = bogus.get_data(as_text=True)
    assert 'id="session-error"' in bogus_text and 'id="quota-error"' in bogus_text
    assert 'id="session-error"' in unrestricted.get_data(as_text=True)
    assert _quota(belgium, briefing).quota == 2
    text = ncp_page.get_data(as_text=True)
    assert "Your places in restricted sessions" in text and "1 of 2" in text
    assert ncp_post.status_code == 403


def test_processes_booking_at_once_never_exceed_the_session_quota(app, database_url):
    event, belgium, _, briefing, _, _, regs, organiser = _world(nominees=6)
    set_session_quota(belgium, briefing.id, 2, actor=organiser)
    db.session.commit()
    context = separate_processes()
    barrier = context.Barrier(len(regs))
    queue = context.Queue()
    processes = [
        context.Process(
            target=book_in_process, args=(database_url, r.id, briefing.id, barrier, queue)
        )
        for r in regs
    ]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=60)

    assert sorted(o[1] for o in outcomes) == ["confirmed"] * 2 + ["delegation_quota_full"] * 4
    assert _quota(belgium, briefing).booked_count == 2
    held = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == briefing.id, Booking.status == "confirmed")
    )
    assert held == 2
