"""The scan log as CSV, written by ``conference.csv_export`` (UTF-8 with BOM, formula-safe).

Times are the event's wall-clock time to the second; results in words, reasons as codes
next to the message in words.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from conference.csv_export import to_csv

COLUMNS = [
    ("time", _l("Recorded")),
    ("seen_at", _l("Scanned")),
    ("checkpoint", _l("Checkpoint")),
    ("result_label", _l("Result")),
    ("reason", _l("Reason")),
    ("message", _l("Message")),
    ("name", _l("Name")),
    ("organisation", _l("Organisation")),
    ("badge", _l("Badge")),
    ("by", _l("Scanned by")),
    ("kind_label", _l("Kind")),
    ("device_time", _l("Device clock")),
]


def scan_log_csv(rows: list[dict[str, str]]) -> bytes:
    """One line per scan, with a header line (the project's one CSV writer)."""
    return to_csv(
        [str(title) for _key, title in COLUMNS],
        ([row.get(key, "") for key, _title in COLUMNS] for row in rows),
    )
