"""Attendees hear of changes to their sessions: one mail per person per change set."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import icalendar
from sqlalchemy import func, select

from conference.agenda.models import AgendaSession, SessionChange
from conference.agenda.services import cancel_session_by
from conference.events.models import Event
from conference.extensions import db
from conference.feeds.models import FeedKind
from conference.feeds.services import get_or_create_token
from conference.localtime import format_local
from conference.mail.models import OutboxAttachment, OutboxMessage
from conference.mail.services import deliver_outbox
from conference.notices.services import send_change_notices
from conference.workload.importer import import_event
from tests.clients import ical_js
from tests.factories import make_booking, make_registration, make_session, make_staff
from tests.notices.helpers import NINE_LOCAL, after_quiet_period, attendee, move, programme
from tests.workload import build_workload


def _deliver(smtp_server) -> dict[str, list]:
    deliver_outbox(include_not_due=True)
    by_recipient: dict[str, list] = {}
    for message in smtp_server.messages:
        by_recipient.setdefault(message["To"], []).append(message)
    return by_recipient


def _calendar_of(message) -> bytes:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename().endswith(".ics")
    assert part.get_param("method") == "PUBLISH"
    return part.get_payload(decode=True)


def test_ten_sessions_moved_at_once_make_one_mail_per_person(app, smtp_server):
    prog = programme()
    ten = prog.sessions
    attendee(prog, "Anna", booked=ten)
    attendee(prog, "Bram", booked=ten[:3])
    attendee(prog, "Chloe", waiting=ten[8:])
    # Booked a session nobody touches: hears nothing.
    other = programme("other-event", count=1)
    attendee(other, "Dara", booked=other.sessions)

    for session in ten:  # one save after the other, as on the organiser's edit page
        move(session)

    # While the organiser may still be at work, nothing goes out.
    assert send_change_notices().mails == 0
    run = send_change_notices(now=after_quiet_period(app))
    mails = _deliver(smtp_server)

    assert (run.change_sets, run.sessions, run.mails) == (1, 10, 3)
    assert sorted(mails) == ["anna@example.org", "bram@example.org", "chloe@example.org"]
    assert all(len(received) == 1 for received in mails.values())
    (anna,) = mails["anna@example.org"]
    assert anna["Subject"] == "10 of your sessions changed: Research security days"
    text = smtp_server.text_of(anna)
    assert "Times are in the event's timezone, Europe/Brussels." in text
    assert text.count("  Moved: ") == 10
    # 08:00 UTC is 09:00 in Brussels on 23 March; a day later, still winter time.
    assert "  Moved: Tue 23 Mar 09:00–10:00 -> Wed 24 Mar 09:00–10:00 (Europe/Brussels)" in text
    (bram,) = mails["bram@example.org"]
    assert smtp_server.text_of(bram).count("  Moved: ") == 3
    assert "Session 03" not in smtp_server.text_of(bram)
    chloe_text = smtp_server.text_of(mails["chloe@example.org"][0])
    assert chloe_text.count("Your place: on the waiting list") == 2
    assert "Session 08" in chloe_text and "Session 07" not in chloe_text
    assert "Moved: <del>Tue 23 Mar 09:00–10:00</del>" in smtp_server.html_of(anna)

    # Announced once: a second round has nothing left to say.
    assert send_change_notices(now=after_quiet_period(app, 30)).mails == 0


def test_changes_keep_coming_then_the_longest_wait_sends_them(app, smtp_server):
    prog = programme(count=2)
    attendee(prog, "Anna", booked=prog.sessions)
    move(prog.sessions[0])
    first = db.session.scalar(select(SessionChange))
    # The organiser keeps changing things: the quiet period never comes ...
    first.changed_at -= timedelta(minutes=app.config["CHANGE_NOTICE_MAX_WAIT_MINUTES"] + 1)
    db.session.commit()
    move(prog.sessions[1])

    # ... but once the oldest change waited long enough, everything so far goes out.
    run = send_change_notices()

    assert (run.change_sets, run.sessions, run.mails) == (1, 2, 1)


def test_drafts_announce_nothing(app, smtp_server):
    prog = programme(published=False, count=2)
    attendee(prog, "Anna", booked=prog.sessions)

    move(prog.sessions[0])
    cancel_session_by(prog.sessions[1], actor=None)
    db.session.commit()

    assert db.session.scalar(select(func.count()).select_from(SessionChange)) == 0
    assert send_change_notices(wait=False).mails == 0
    assert _deliver(smtp_server) == {}


def test_a_session_moved_and_moved_back_announces_nothing(app, smtp_server):
    prog = programme(count=2)
    attendee(prog, "Anna", booked=prog.sessions)
    moved, kept = prog.sessions
    move(moved)
    move(moved, by=-timedelta(days=1))
    # A save that changes nothing the attendees see (the abstract) records nothing.
    move(kept, by=timedelta(0), abstract="New abstract")

    run = send_change_notices(now=after_quiet_period(app))

    assert (run.change_sets, run.mails) == (1, 0)
    assert _deliver(smtp_server) == {}


def test_one_mail_says_every_kind_of_change(app, smtp_server):
    prog = programme(count=3)
    moved, rerooomed, cancelled = prog.sessions
    attendee(prog, "Anna", booked=prog.sessions)
    move(moved, title="Session 00, now a panel")
    other_room = prog.rooms[0] if rerooomed.room_id == prog.rooms[1].id else prog.rooms[1]
    move(rerooomed, by=timedelta(0), room_id=other_room.id)
    cancel_session_by(cancelled, actor=None)
    db.session.commit()

    send_change_notices(now=after_quiet_period(app))
    (mail,) = _deliver(smtp_server)["anna@example.org"]

    text = smtp_server.text_of(mail).replace("\r\n", "\n")
    assert '  Renamed: "Session 00" -> "Session 00, now a panel"' in text
    assert f"  Room: Room B -> {other_room.name}" in text
    assert "* Session 02 -- CANCELLED\n  Cancelled: this session will not take place." in text
    assert "Session 01" in text and "  When: Tue 23 Mar 09:30–10:30 (Europe/Brussels)" in text


def test_the_calendar_attachment_updates_the_feeds_event(app, smtp_server, client):
    prog = programme(count=2)
    moved, cancelled = prog.sessions
    anna = attendee(prog, "Anna", booked=prog.sessions)
    move(moved)
    cancel_session_by(cancelled, actor=None)
    db.session.commit()

    send_change_notices(now=after_quiet_period(app))
    (mail,) = _deliver(smtp_server)["anna@example.org"]
    body = _calendar_of(mail)

    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["method"]) == "PUBLISH"
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {moved.uid, cancelled.uid}
    assert events[moved.uid].decoded("dtstart").tzinfo.key == "Europe/Brussels"
    assert events[moved.uid].decoded("dtstart").isoformat() == "2027-03-24T09:00:00+01:00"
    assert str(events[cancelled.uid]["status"]) == "CANCELLED"
    # The personal feed has the very same events: UID and SEQUENCE match, so calendar
    # apps update the event they hold instead of adding a second one.
    token = get_or_create_token(anna.user, FeedKind.PERSONAL)
    db.session.commit()
    feed = icalendar.Calendar.from_ical(client.get(f"/calendar/{token.token}.ics").data)
    in_feed = {str(e["uid"]): int(e["sequence"]) for e in feed.walk("VEVENT")}
    assert in_feed == {uid: int(e["sequence"]) for uid, e in events.items()}
    assert in_feed[moved.uid] == moved.revision >= 1

    parsed = ical_js(body)  # Thunderbird's parser
    assert parsed["method"] == "PUBLISH"
    by_uid = {e["uid"]: e for e in parsed["events"]}
    assert by_uid[moved.uid]["start"] == "2027-03-24T08:00:00.000Z"
    assert by_uid[moved.uid]["startTzid"] == "Europe/Brussels"
    assert by_uid[cancelled.uid]["status"] == "CANCELLED"


def test_the_attachment_is_stored_with_the_queued_message(app):
    prog = programme(count=1)
    attendee(prog, "Anna", booked=prog.sessions)
    move(prog.sessions[0])

    send_change_notices(wait=False)

    message = db.session.scalar(select(OutboxMessage))
    (stored,) = db.session.scalars(select(OutboxAttachment)).all()
    assert stored.message_id == message.id and stored.filename == "notices-changes.ics"
    assert stored.content_type == "text/calendar; charset=utf-8; method=PUBLISH"
    assert stored.data.startswith(b"BEGIN:VCALENDAR\r\n")


def test_my_agenda_and_the_registration_page_show_cancelled_and_moved(app, login):
    prog = programme(count=3)
    moved, cancelled, untouched = prog.sessions
    anna = attendee(prog, "Anna", booked=[moved, cancelled], waiting=[untouched])
    move(moved)
    cancel_session_by(cancelled, actor=None)
    db.session.commit()
    client = login(anna.user)

    for path in ("/my-agenda", "/registration"):
        page = client.get(f"/events/{prog.event.slug}{path}").get_data(as_text=True)
        assert "Moved</strong>: was Tue 23 Mar 09:00–10:00" in page, path
    page = client.get(f"/events/{prog.event.slug}/registration").get_data(as_text=True)
    assert page.count('class="tag tag-cancelled">Cancelled</span>') == 1
    assert page.count("Seat booked") == 1  # the moved session's; the cancelled one says so

    agenda = client.get(f"/events/{prog.event.slug}/my-agenda").get_data(as_text=True)
    # The cancelled session's line says so, and no green "Booked" sits next to it.
    cancelled_item = agenda.split("Session 01")[1].split("</li>")[0]
    assert "tag-confirmed" not in cancelled_item
    status = cancelled_item.split('class="booking-status">')[1]
    assert status.lstrip().startswith('<span class="tag tag-cancelled">Cancelled</span>')
    assert "This session will not take place." in status
    assert agenda.count('class="tag tag-confirmed">Booked</span>') == 1
    assert "Waiting list</span> You are number 1" in agenda

    # Once announced the note stays ("was" is what the attendee was last told) ...
    send_change_notices(wait=False)
    agenda = client.get(f"/events/{prog.event.slug}/my-agenda").get_data(as_text=True)
    assert "Moved</strong>: was Tue 23 Mar 09:00–10:00" in agenda
    # ... a move back is a change from what they were told ...
    move(moved, by=-timedelta(days=1))
    agenda = client.get(f"/events/{prog.event.slug}/my-agenda").get_data(as_text=True)
    assert "Moved</strong>: was Wed 24 Mar 09:00–10:00" in agenda
    # ... and undoing it leaves the note of the change they were told about.
    move(moved)
    agenda = client.get(f"/events/{prog.event.slug}/my-agenda").get_data(as_text=True)
    assert agenda.count("Moved</strong>") == 1
    assert "Moved</strong>: was Tue 23 Mar 09:00–10:00" in agenda


def test_the_command_announces_at_once_with_now(app, runner, smtp_server):
    prog = programme(count=1)
    attendee(prog, "Anna", booked=prog.sessions)
    move(prog.sessions[0])

    waited = runner.invoke(args=["send-change-notices"])
    at_once = runner.invoke(args=["send-change-notices", "--now"])

    assert waited.exit_code == 0 and "0 mail(s) queued" in waited.output
    assert at_once.exit_code == 0, at_once.output
    assert "Announced 1 change set(s) of 1 session(s): 1 mail(s) queued" in at_once.output
    assert list(_deliver(smtp_server)) == ["anna@example.org"]


def test_the_workers_minute_round_announces_and_delivers(app, app_factory, smtp_server, tmp_path):
    prog = programme(count=1)
    attendee(prog, "Anna", booked=prog.sessions)
    move(prog.sessions[0])
    db.session.scalar(select(SessionChange)).changed_at -= timedelta(hours=2)
    db.session.commit()
    worker = app_factory(TASK_IMMEDIATE=True, TASK_QUEUE_URL=f"sqlite:///{tmp_path}/tasks.db")
    with worker.app_context():
        from conference.tasks.queue import task_queue

        huey = task_queue().huey
        rounds = huey.read_periodic(datetime(2026, 12, 1, 12, 0))
        [notices] = [t for t in rounds if t.name == "notices.send.periodic"]

        huey.execute(notices)  # announces, then hands the mail to delivery (run at once here)

        assert [m["To"] for m in smtp_server.messages] == ["anna@example.org"]
        db.session.remove()


def test_a_reimport_that_moves_ten_sessions_makes_one_mail(app, smtp_server):
    document = build_workload(sessions=10, attendees=0, rooms=2)
    document["event"]["published"] = True
    import_event(copy.deepcopy(document))
    db.session.commit()
    event = db.session.scalar(select(Event).where(Event.slug == document["event"]["slug"]))
    sessions = list(db.session.scalars(select(AgendaSession).where(AgendaSession.event == event)))
    expert = make_registration(event, category="member_state_expert", verified=True)
    for session in sessions:
        make_booking(expert, session)
    for item in document["sessions"]:  # the whole programme starts an hour later
        for key in ("start", "end"):
            item[key] = (datetime.fromisoformat(item[key]) + timedelta(hours=1)).isoformat()[:16]

    import_event(document)
    db.session.commit()
    run = send_change_notices(now=after_quiet_period(app))

    assert (run.change_sets, run.sessions, run.mails) == (1, 10, 1)
    (mail,) = _deliver(smtp_server)[expert.user.email]
    assert smtp_server.text_of(mail).count("  Moved: Tue 23 Mar ") == 10


def test_a_session_the_person_may_no_longer_see_keeps_its_secrets(app, smtp_server):
    prog = programme(count=1)
    event = prog.event
    listed = make_session(
        event,
        title="Threat briefing",
        room=prog.rooms[0],
        starts_at=NINE_LOCAL + timedelta(hours=3),
        restricted_to=["member_state_expert"],
        visibility="listed",
    )
    hidden = make_session(
        event,
        title="Coordination meeting",
        room=prog.rooms[1],
        starts_at=NINE_LOCAL + timedelta(hours=3),
        restricted_to=["member_state_expert"],
        visibility="hidden",
    )
    expert = make_registration(event, category="member_state_expert", verified=True)
    expert.user.email = "expert@example.org"
    for session in (listed, hidden):
        make_booking(expert, session)
    # However it came about (withdrawing the verification through the services also cancels
    # such bookings), the sessions are closed to this person now: the mail sees what they see.
    expert.category_verified_at = None
    db.session.commit()
    move(listed, title="Threat briefing: new findings")
    move(hidden, title="Coordination meeting: moved")

    send_change_notices(now=after_quiet_period(app))
    (mail,) = _deliver(smtp_server)["expert@example.org"]

    text, body = smtp_server.text_of(mail), _calendar_of(mail).decode()
    assert "* Closed session" in text and "Moved: Tue 23 Mar 12:00–13:00 -> Wed 24" in text
    for secret in ("Threat briefing", "Coordination meeting", "Renamed"):
        assert secret not in text and secret not in body
    assert mail["Subject"] == "Session changed: Closed session (Research security days)"


def test_the_changelog_tells_organisers_when_attendees_will_hear(app, login):
    prog = programme(count=2)
    attendee(prog, "Anna", booked=prog.sessions)
    organiser = login(make_staff(prog.event, "organiser"))
    changes = f"/events/{prog.event.slug}/manage/agenda/changes"
    for session in prog.sessions:
        move(session)
    last = db.session.scalar(select(func.max(SessionChange.changed_at)))
    due = last + timedelta(minutes=app.config["CHANGE_NOTICE_DELAY_MINUTES"])

    page = organiser.get(changes).get_data(as_text=True)

    assert "2 changed sessions not announced yet" in page
    assert (
        f"from {format_local(due, 'Europe/Brussels', '%d %b %Y %H:%M')} (Europe/Brussels)" in page
    )
    send_change_notices(wait=False)
    page = organiser.get(changes).get_data(as_text=True)
    assert "not announced yet" not in page
    assert "have been told of every change by email" in page
