"""CSV exports (UTF-8 with BOM, formula injection neutralised) and the organisers' pages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from conference.csv_export import neutralise, to_csv
from conference.extensions import db
from conference.registration import booking as bookings
from conference.registration import moderation
from tests.factories import make_attendee, make_open_event, make_session, make_staff, make_user
from tests.factories import register as register_user

pytestmark = pytest.mark.usefixtures("app")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Ada = plain", "Ada = plain"),
        ("Zoë Müller", "Zoë Müller"),
        (42, 42),
        (-3, -3),
        (None, ""),
        (True, "yes"),
    ],
)
def test_neutralise_prefixes_formula_cells_only(value, expected):
    assert neutralise(value) == expected


def test_to_csv_writes_utf8_with_bom_and_quotes_awkward_text():
    data = to_csv(["Name", "Note"], [["Łucja", 'comma, "quote"\nnewline'], ["=1+2", "ok"]])

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Name", "Note"], ["Łucja", 'comma, "quote"\nnewline'], ["'=1+2", "ok"]]


def _rows(response) -> list[dict[str, str]]:
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_registrants_csv_neutralises_injected_cells(login):
    event = make_open_event()
    organiser = make_staff(event, "organiser")
    user = make_user("mallory@example.org", name="=cmd|' /C calc'!A0")
    registration = register_user(event, user)
    registration.organisation = "@SUM(1+1)*cmd|' /C calc'!A0"
    registration.job_title = "+Boss"
    registration.dietary_needs = "-none"
    db.session.commit()

    response = login(organiser).get(f"/events/{event.slug}/manage/registrations.csv")

    [row] = _rows(response)
    assert row["Name"] == "'=cmd|' /C calc'!A0"
    assert row["Organisation"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["Job title"] == "'+Boss"
    assert row["Dietary needs"] == "'-none"
    assert row["Email"] == "mallory@example.org"
    assert row["Status"] == "Approved" and row["Status code"] == "approved"
    assert row["Country"] == "Estonia"
    assert row["Privacy notice version"] == "1"
    assert (
        'filename="' + event.slug + '-registrations.csv"' in response.headers["Content-Disposition"]
    )


def test_registrants_csv_times_are_local_for_people_and_iso_for_machines(login):
    event = make_open_event(mode="moderated")
    organiser = make_staff(event, "organiser")
    registration = register_user(event, make_user(name="Tim Zone"))
    registration.created_at = datetime(2027, 3, 1, 13, 5, 9, 123456, tzinfo=UTC)
    registration.privacy_consented_at = None
    db.session.commit()

    [row] = _rows(login(organiser).get(f"/events/{event.slug}/manage/registrations.csv"))

    assert event.timezone == "Europe/Brussels"
    assert row["Registered (Europe/Brussels)"] == "2027-03-01 14:05"
    assert row["Registered at (UTC)"] == "2027-03-01T13:05:09+00:00"
    assert row["Consented (Europe/Brussels)"] == "" and row["Consented at (UTC)"] == ""
    assert (row["Status"], row["Status code"]) == ("Pending approval", "pending")


def test_registrants_csv_follows_the_filters(login):
    event = make_open_event(mode="moderated")
    organiser = make_staff(event, "organiser")
    approved = register_user(event, make_user(name="Anna Approved"))
    moderation.approve(approved, actor=organiser)
    register_user(event, make_user(name="Pete Pending"))
    db.session.commit()

    response = login(organiser).get(
        f"/events/{event.slug}/manage/registrations.csv?status=approved"
    )

    assert [r["Name"] for r in _rows(response)] == ["Anna Approved"]


def test_attendance_csv_lists_seats_then_the_waiting_list(login):
    event = make_open_event()
    organiser = make_staff(event, "organiser")
    session = make_session(event, capacity=1, title="-Workshop")
    seated = make_attendee(event, name="Sam Seated")
    waiting = make_attendee(event, name="=Wanda")
    bookings.book_session(seated, session, actor=None)
    bookings.book_session(waiting, session, actor=None)
    db.session.commit()

    response = login(organiser).get(
        f"/events/{event.slug}/manage/sessions/{session.id}/attendance.csv"
    )

    rows = _rows(response)
    assert [(r["Name"], r["Booking"], r["Waiting-list position"]) for r in rows] == [
        ("Sam Seated", "confirmed", ""),
        ("'=Wanda", "waiting list", "1"),
    ]
    assert rows[0]["Session"] == "'-Workshop"


def test_attendance_csv_of_another_events_session_is_404(login):
    event = make_open_event()
    organiser = make_staff(event, "organiser")
    foreign = make_session(make_open_event())

    response = login(organiser).get(
        f"/events/{event.slug}/manage/sessions/{foreign.id}/attendance.csv"
    )

    assert response.status_code == 404


def test_exports_are_refused_to_attendees(login):
    event = make_open_event()
    session = make_session(event)
    attendee = make_attendee(event)
    client = login(attendee.user)

    assert client.get(f"/events/{event.slug}/manage/registrations.csv").status_code == 403
    assert (
        client.get(f"/events/{event.slug}/manage/sessions/{session.id}/attendance.csv").status_code
        == 403
    )


def test_registrant_list_searches_filters_and_counts(login):
    event = make_open_event(mode="moderated")
    organiser = make_staff(event, "organiser")
    ana = register_user(
        event, make_user("ana@ministry.example", name="Ana Ionescu"), category="member_state_expert"
    )
    moderation.approve(ana, actor=organiser)
    moderation.verify_category(ana, actor=organiser)
    bob = register_user(event, make_user("bob@uni.example", name="Bob Berzina"))
    bob.organisation, bob.country = "Riga Technical University", "LV"
    register_user(event, make_user("cleo@firm.example", name="Cleo Rossi"), category="industry")
    db.session.commit()
    client = login(organiser)
    base = f"/events/{event.slug}/manage/registrations"

    everyone = client.get(base).get_data(as_text=True)
    by_org = client.get(base + "?q=riga").get_data(as_text=True)
    by_email = client.get(base + "?q=ministry.example").get_data(as_text=True)
    verified = client.get(base + "?verified=yes").get_data(as_text=True)
    pending_industry = client.get(base + "?status=pending&category=industry").get_data(as_text=True)
    latvia = client.get(base + "?country=LV").get_data(as_text=True)
    bogus = client.get(base + "?status=bogus")

    assert all(name in everyone for name in ("Ana Ionescu", "Bob Berzina", "Cleo Rossi"))
    assert "3 registrations match" in everyone
    assert ">Approved</span></th><td>1</td>" in everyone
    assert ">Pending approval</span></th><td>2</td>" in everyone
    assert '<th scope="row">Member State expert</th><td>1</td>' in everyone
    assert "Bob Berzina" in by_org and "Ana Ionescu" not in by_org
    assert "Ana Ionescu" in by_email and "Bob Berzina" not in by_email
    assert "Ana Ionescu" in verified and "Cleo Rossi" not in verified
    assert "Cleo Rossi" in pending_industry and "Bob Berzina" not in pending_industry
    assert "Bob Berzina" in latvia and "Cleo Rossi" not in latvia
    assert bogus.status_code == 200 and "3 registrations match" in bogus.get_data(as_text=True)


def test_search_treats_like_wildcards_literally(login):
    event = make_open_event()
    organiser = make_staff(event, "organiser")
    register_user(event, make_user(name="Percy Percent"))

    page = (
        login(organiser)
        .get(f"/events/{event.slug}/manage/registrations?q=%25")
        .get_data(as_text=True)
    )

    assert "0 registrations match" in page


def test_registration_detail_and_audit_log_show_who_did_what(login):
    event = make_open_event(mode="moderated")
    organiser = make_staff(event, "organiser", name="Olga Organiser")
    registration = register_user(
        event, make_user(name="Eva Expert"), category="member_state_expert"
    )
    moderation.approve(registration, actor=organiser)
    moderation.verify_category(registration, actor=organiser)
    db.session.commit()
    client = login(organiser)

    detail = client.get(f"/events/{event.slug}/manage/registrations/{registration.id}").get_data(
        as_text=True
    )
    audit = client.get(f"/events/{event.slug}/manage/audit").get_data(as_text=True)

    assert "Eva Expert" in detail and "verified" in detail and "by Olga Organiser" in detail
    for page in (detail, audit):
        assert "Registered" in page and "Approved" in page and "Category verified" in page
        assert "pending → approved" in page and "Olga Organiser" in page
    assert audit.index("Category verified") < audit.index("Registered")  # newest first
    nav = client.get(f"/events/{event.slug}/manage/").get_data(as_text=True)
    assert "Registrations</a>" in nav and "Audit log</a>" in nav
