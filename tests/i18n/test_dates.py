"""Dates and times in the page's language: day and month names, a 24-hour clock, and the
event's timezone named beside them; English exactly as before."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from conference.localtime import format_date_range, format_day, format_local
from tests.factories import make_event

# 13:30 in Brussels (summer time), a Tuesday.
INSTANT = datetime(2027, 6, 22, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "fmt", "expected"),
    [
        ("en", None, "Tue 22 Jun 2027, 13:30"),
        ("fr", None, "mar. 22 juin 2027, 13:30"),
        ("de", None, "Di., 22. Juni 2027, 13:30"),
        ("en", "%H:%M", "13:30"),
        ("fr", "%H:%M", "13:30"),
        ("de", "%A %d %B %Y", "Dienstag, 22. Juni 2027"),
        ("fr", "%A %d %B %Y", "mardi 22 juin 2027"),
        ("fr", "%d %b %Y", "22 juin 2027"),
        # Digits only: the same in every language (machine-readable values).
        ("de", "%Y-%m-%dT%H:%M%z", "2027-06-22T13:30+0200"),
    ],
)
def test_times_are_written_in_the_pages_language(app, language, fmt, expected):
    with app.test_request_context(), force_locale(language):
        args = (INSTANT, "Europe/Brussels") + ((fmt,) if fmt else ())
        assert format_local(*args) == expected


@pytest.mark.parametrize(
    ("language", "start", "end", "expected"),
    [
        ("en", date(2027, 3, 23), date(2027, 3, 25), "23–25 March 2027"),
        ("fr", date(2027, 3, 23), date(2027, 3, 25), "23–25 mars 2027"),
        ("de", date(2027, 3, 23), date(2027, 3, 25), "23.–25. März 2027"),
        ("fr", date(2027, 3, 30), date(2027, 4, 2), "30 mars – 2 avril 2027"),
        ("de", date(2027, 12, 30), date(2028, 1, 2), "30. Dezember 2027 – 2. Januar 2028"),
        ("de", date(2027, 5, 3), date(2027, 5, 3), "3. Mai 2027"),
        ("en", date(2027, 5, 3), date(2027, 5, 3), "03 May 2027"),
    ],
)
def test_date_ranges_are_written_as_each_language_writes_them(app, language, start, end, expected):
    with app.test_request_context(), force_locale(language):
        assert format_date_range(start, end) == expected


def test_a_day_is_named_in_the_pages_language(app):
    with app.test_request_context():
        with force_locale("de"):
            assert format_day(date(2027, 6, 22), "%a %d %b") == "Di., 22. Juni"
        with force_locale("en"):
            assert format_day(date(2027, 6, 22), "%a %d %b") == "Tue 22 Jun"


@pytest.mark.parametrize(
    ("language", "dates", "opens"),
    [
        ("fr", "23–24 mars 2027", "Ouverture le lun. 1 mars 2027, 09:00 (Europe/Brussels)"),
        ("de", "23.–24. März 2027", "Öffnet am Mo., 1. März 2027, 09:00 (Europe/Brussels)"),
    ],
)
def test_event_page_shows_dates_in_french_and_german(client, language, dates, opens):
    make_event(
        "dates-2027",
        start=date(2027, 3, 23),
        registration_opens_at=datetime(2027, 3, 1, 8, 0, tzinfo=UTC),
    )

    page = client.get("/events/dates-2027/", headers={"Accept-Language": language})

    text = page.get_data(as_text=True)
    assert f'<html lang="{language}">' in text
    assert dates in text
    # The date and time are translated by Babel; the sentence around them by the catalogue,
    # so only the date part is certain before the catalogues are merged.
    assert opens.split(" ", 2)[-1] in text
    assert "(Europe/Brussels)" in text
