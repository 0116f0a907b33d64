"""The scan log as CSV, written by ``conference.csv_export`` (UTF-8 with BOM, formula-safe).

Times are the event's wall-clock time to the second; results in words, reasons as codes
next to the message in words.
"""

from __future__ import annotations

from conference.csv_export import to_csv

COLUMNS = [
    ("time", "Recorded"),
    ("seen_at", "Scanned"),
    ("checkpoint", "Checkpoint"),
    ("result_label", "Result"),
    ("reason", "Reason"),
    ("message", "Message"),
    ("name", "Name"),
    ("organisation", "Organisation"),
    ("badge", "Badge"),
    ("by", "Scanned by"),
    ("kind_label", "Kind"),
    ("device_time", "Device clock"),
]


def scan_log_csv(rows: list[dict[str, str]]) -> bytes:
    """One line per scan, with a header line (the project's one CSV writer)."""
    return to_csv(
        [title for _, title in COLUMNS], ([row.get(key, "") for key, _ in COLUMNS] for row in rows)
    )
