"""The scan log as CSV (UTF-8 with a byte-order mark, so spreadsheets read accents).

Times are the event's wall-clock time to the second; results in words, reasons as codes
next to the message in words.
"""

from __future__ import annotations

import csv
import io

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


def _cell(value: str) -> str:
    # A leading =, +, - or @ would run as a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def scan_log_csv(rows: list[dict[str, str]]) -> bytes:
    """One line per scan, with a header line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([title for _, title in COLUMNS])
    for row in rows:
        writer.writerow([_cell(str(row.get(key, ""))) for key, _ in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
