"""Parse and check a frab schedule document with the standard library's XML parser.

The frab schedule XSD lives on the internet only, so the structure that
conference apps (Giggity, ConfClerk) rely on is checked here by hand.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from xml.etree import ElementTree as ET

CONFERENCE_CHILDREN = [
    "acronym",
    "title",
    "start",
    "end",
    "days",
    "timeslot_duration",
    "base_url",
    "time_zone_name",
]
EVENT_CHILDREN = [
    "date",
    "start",
    "duration",
    "room",
    "slug",
    "url",
    "recording",
    "title",
    "subtitle",
    "track",
    "type",
    "language",
    "abstract",
    "description",
    "logo",
    "persons",
    "links",
    "attachments",
]
HH_MM = re.compile(r"^\d{2}:\d{2}$")


def parse_schedule(data: bytes) -> ET.Element:
    """The schedule's root element, after checking the frab structure; raises AssertionError."""
    root = ET.fromstring(data)  # noqa: S314  (our own output, in tests)
    assert root.tag == "schedule"
    assert root.find("version") is not None
    conference = root.find("conference")
    assert [child.tag for child in conference] == CONFERENCE_CHILDREN
    days = root.findall("day")
    assert len(days) == int(conference.findtext("days"))
    assert days[0].get("date") == conference.findtext("start")
    assert days[-1].get("date") == conference.findtext("end")
    seen_ids = set()
    for index, day in enumerate(days, start=1):
        assert day.get("index") == str(index)
        date.fromisoformat(day.get("date"))
        datetime.fromisoformat(day.get("start"))
        datetime.fromisoformat(day.get("end"))
        for room in day.findall("room"):
            assert room.get("name")
            uuid.UUID(room.get("guid"))
            for event in room.findall("event"):
                assert [child.tag for child in event] == EVENT_CHILDREN
                uuid.UUID(event.get("guid"))
                assert event.get("id").isdigit() and event.get("id") not in seen_ids
                seen_ids.add(event.get("id"))
                assert event.findtext("room") == room.get("name")
                start = datetime.fromisoformat(event.findtext("date"))
                assert start.tzinfo is not None
                assert start.date().isoformat() == day.get("date")
                assert event.findtext("start") == start.strftime("%H:%M")
                assert HH_MM.match(event.findtext("duration"))
                for person in event.find("persons"):
                    assert person.tag == "person" and person.get("id") and person.text
    return root
