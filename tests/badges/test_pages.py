"""The scanner page (with and without JavaScript) and the organisers' check-in pages."""

from __future__ import annotations

import csv
import io
import re

import pytest

from conference.badges.models import Scan
from conference.extensions import db
from tests.badges.helpers import badge_for, scan_at
from tests.factories import make_event, make_session, make_staff, make_user


@pytest.fixture
def event(app):
    return make_event(slug="resilience-2027", title="CERIS disaster resilience")


def test_scanner_page_has_the_form_the_script_and_no_inline_code(login, event):
    door = make_staff(event, "door_staff")
    make_session(event, title="Plenary opening")

    response = login(door).get("/events/resilience-2027/scan")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert '<option selected value="entrance">Event entrance</option>' in page
    assert "Plenary opening" in page
    assert 'name="code"' in page and 'for="code"' in page
    assert '<script type="module" src="/static/js/scanner.js"></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline scripts
    assert ' style="' not in page
    assert 'data-keys-url="/api/v1/events/resilience-2027/keys"' in page
    assert 'aria-live="assertive"' in page


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("js/scanner.js", b"BarcodeDetector"),
        ("js/badge-token.js", b"Ed25519"),
        ("js/live-counts.js", b"checked_in"),
    ],
)
def test_scanner_scripts_are_served_from_our_static_files(client, path, needle):
    with client.get(f"/static/{path}") as response:
        assert response.status_code == 200 and needle in response.data


def test_typed_code_without_javascript_shows_a_green_result(login, event):
    door = make_staff(event, "door_staff")
    _, badge = badge_for(event, name="Pieter Jansen", category="practitioner")

    page = (
        login(door)
        .post("/events/resilience-2027/scan", data={"checkpoint": "entrance", "code": badge.token})
        .get_data(as_text=True)
    )

    assert "scan-result-accepted" in page and "ACCEPTED" in page
    assert "Pieter Jansen" in page and "Practitioner" in page
    assert f'value="{badge.token}"' not in page  # the field is empty for the next person


def test_refused_code_without_javascript_shows_a_red_result_with_the_reason(login, event):
    door = make_staff(event, "door_staff")
    _, badge = badge_for(event)
    page = (
        login(door)
        .post(
            "/events/resilience-2027/scan", data={"checkpoint": "entrance", "code": "CB1.NOPE.NOPE"}
        )
        .get_data(as_text=True)
    )

    assert "scan-result-refused" in page and "REFUSED" in page
    assert "Not a valid badge" in page


def test_scanner_refuses_people_without_a_door_role(login, event):
    other = make_event(slug="other-2027")
    stranger = make_staff(other, "door_staff")
    attendee = make_user()

    assert login(stranger).get("/events/resilience-2027/scan").status_code == 403
    assert login(attendee).get("/events/resilience-2027/scan").status_code == 403
    response = login(stranger).post(
        "/events/resilience-2027/scan", data={"checkpoint": "entrance", "code": "x"}
    )
    assert response.status_code == 403
    assert db.session.query(Scan).count() == 0


def test_forgotten_badge_search_and_manual_check_in(login, event):
    door = make_staff(event, "door_staff")
    registration, _ = badge_for(event, name="Dimitrios Papadopoulos")
    client = login(door)

    found = client.get("/events/resilience-2027/scan?q=papado&checkpoint=entrance")
    checked = client.post(
        "/events/resilience-2027/scan/manual",
        data={"checkpoint": "entrance", "registration": registration.id},
    ).get_data(as_text=True)

    assert "Dimitrios Papadopoulos" in found.get_data(as_text=True)
    assert "Check in by hand" in found.get_data(as_text=True)
    assert "ACCEPTED" in checked and "checked by hand" in checked
    assert db.session.query(Scan).one().manual is True


def test_checkins_page_shows_counts_people_and_refusals(login, event):
    organiser = make_staff(event, "organiser")
    door = make_staff(event, "door_staff", name="Door Keeper")
    session = make_session(event, title="Workshop on floods")
    _, badge = badge_for(event, name="Elena Ionescu")
    scan_at(event, badge.token, door)
    scan_at(event, badge.token, door, session)
    scan_at(event, "CB1.FORGED.CODE", door)

    page = login(organiser).get("/events/resilience-2027/manage/checkins").get_data(as_text=True)
    refusals = login(organiser).get("/events/resilience-2027/manage/checkins?refused=1")

    assert "Who is in (1)" in page and "Elena Ionescu" in page
    assert re.search(
        r'data-checkpoint="entrance">\s*<td>Event entrance</td>\s*<td data-field="checked_in">1</td>',
        page,
    )
    assert "Workshop on floods" in page
    assert "Not a valid badge" in page and "Door Keeper" in page
    refused_page = refusals.get_data(as_text=True)
    assert "Not a valid badge" in refused_page and "Checked in. Welcome!" not in refused_page


def test_scan_log_csv_export(login, event):
    organiser = make_staff(event, "organiser")
    door = make_staff(event, "door_staff", name="Door Keeper")
    _, badge = badge_for(event, name="=cmd|' /C calc'!A0")
    scan_at(event, badge.token, door)
    scan_at(event, "garbage", door)

    response = login(organiser).get("/events/resilience-2027/manage/checkins.csv")

    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Recorded", "Scanned", "Checkpoint", "Result", "Reason"]
    assert {(r[3], r[4]) for r in rows[1:]} == {
        ("Accepted", "checked_in"),
        ("Refused", "invalid_code"),
    }
    assert "'=cmd|' /C calc'!A0" in [r[6] for r in rows]  # no spreadsheet formula injection


def test_checkins_pages_are_for_organisers(login, event):
    door = make_staff(event, "door_staff")
    client = login(door)

    assert client.get("/events/resilience-2027/manage/checkins").status_code == 403
    assert client.get("/events/resilience-2027/manage/checkins.csv").status_code == 403


def test_draft_event_scanner_is_404_for_outsiders(login):
    draft = make_event(slug="draft-2027", published=False)
    other = make_event(slug="other-2027")
    stranger = make_staff(other, "door_staff")

    assert login(stranger).get("/events/draft-2027/scan").status_code == 404
    assert login(stranger).get(f"/api/v1/events/{draft.slug}/keys").status_code == 404


@pytest.mark.parametrize(("status", "linked"), [("approved", True), ("pending", False)])
def test_event_page_links_the_badge_for_approved_attendees_only(login, event, status, linked):
    from tests.factories import make_registration

    user = make_user()
    make_registration(event, user, status=status)

    page = login(user).get("/events/resilience-2027/").get_data(as_text=True)

    assert ("Your badge" in page) is linked


def test_event_page_links_the_scanner_for_door_staff(login, event):
    door = make_staff(event, "door_staff")

    page = login(door).get("/events/resilience-2027/").get_data(as_text=True)

    assert "/events/resilience-2027/scan" in page


def test_fallback_decoder_is_installed_by_the_build_when_npm_exists(client):
    from pathlib import Path

    vendor = Path(__file__).resolve().parents[2] / "static" / "vendor" / "jsQR.js"
    if not vendor.exists():
        pytest.skip("static/vendor/ is filled by `make` (npm ci); not built here")
    with client.get("/static/vendor/jsQR.js") as response:
        assert response.status_code == 200 and b"jsQR" in response.data


def test_typed_number_and_re_entry_without_javascript(login, event, app):
    app.config["SCAN_DUPLICATE_WINDOW_SECONDS"] = 0
    door = make_staff(event, "door_staff")
    _, badge = badge_for(event, name="Eleni Typed")
    client = login(door)
    number = badge.public_id[:8].lower()

    first = client.post(
        "/events/resilience-2027/scan", data={"checkpoint": "entrance", "code": number}
    )
    back = client.post(
        "/events/resilience-2027/scan", data={"checkpoint": "entrance", "code": number}
    )
    again = client.post(
        "/events/resilience-2027/scan",
        data={"checkpoint": "entrance", "code": number, "let_in_again": "y"},
    )

    first_page, back_page = first.get_data(as_text=True), back.get_data(as_text=True)
    assert "ACCEPTED" in first_page and "typed badge number" in first_page
    assert "compare the name with an ID document" in first_page
    assert 'name="let_in_again"' not in first_page
    assert "scan-result-already_in" in back_page and "ALREADY IN" in back_page
    assert "Already in since" in back_page and 'name="let_in_again"' in back_page
    assert "Let in again. Welcome back!" in again.get_data(as_text=True)
    assert [s.reason for s in db.session.query(Scan).order_by(Scan.id)] == [
        "checked_in",
        "already_in",
        "let_in_again",
    ]


def test_manual_check_in_of_someone_already_in_offers_let_in_again(login, event):
    door = make_staff(event, "door_staff")
    registration, _ = badge_for(event, name="Forgot Again")
    client = login(door)
    data = {"checkpoint": "entrance", "registration": registration.id}
    client.post("/events/resilience-2027/scan/manual", data=data)

    back = client.post("/events/resilience-2027/scan/manual", data=data).get_data(as_text=True)
    again = client.post(
        "/events/resilience-2027/scan/manual", data={**data, "let_in_again": "y"}
    ).get_data(as_text=True)

    assert "ALREADY IN" in back and "/scan/manual" in back.split("Let in again")[0]
    assert "Let in again. Welcome back!" in again


def test_scan_log_labels_online_offline_and_typed_entries(login, event):
    organiser = make_staff(event, "organiser")
    _, badge = badge_for(event, name="Log Person")
    scan_at(event, badge.public_id[:8], organiser)

    page = login(organiser).get("/events/resilience-2027/manage/checkins").get_data(as_text=True)

    assert "typed badge number" in page and "Time (Europe/Brussels)" in page
