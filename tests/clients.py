"""Independent parsers of our output, as the clients people use read it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

JS_DIR = Path(__file__).parent / "js"


def ical_js(body: bytes) -> dict:
    """Parse an iCalendar document with ical.js (Thunderbird's parser) under Node."""
    node = shutil.which("node")
    if node is None or not (JS_DIR / "node_modules" / "ical.js").exists():
        pytest.skip("ical.js is not installed: run `make test` (it runs npm ci in tests/js)")
    result = subprocess.run(
        [node, str(JS_DIR / "parse_ical.mjs")],
        input=body,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def vobject_events(body: bytes) -> list:
    """Parse with vobject, a second, independent Python parser."""
    import vobject
    import vobject.icalendar

    # vobject keeps one timezone per TZID for the whole process; each feed we
    # parse is a separate calendar with its own VTIMEZONE, as in a client.
    vars(vobject.icalendar)["__tzidMap"].clear()
    calendar = vobject.readOne(body.decode("utf-8"))
    return list(getattr(calendar, "vevent_list", []))
