"""Sessions as CSV (docs/formats.md, "Sessions as CSV"): rows → the document's session items.

Spreadsheets save CSV in many dialects: a byte-order mark, commas or (in much of Europe)
semicolons, "yes"/"no" for booleans, names where the JSON format has ids. This module reads
them into the workload format's session shape and says, per row and column, what it could
not read. Rooms, tracks and speakers are named by their id or their exact name (any case);
the importer then checks everything else exactly as for a JSON file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

REQUIRED_COLUMNS = ("id", "title", "kind", "room", "start", "end")
TRANSLATION_COLUMNS = ("title_fr", "abstract_fr", "title_de", "abstract_de")
OPTIONAL_COLUMNS = (
    "track",
    "speakers",
    "abstract",
    "capacity",
    "requires_booking",
    "restricted_to",
    "restricted_visibility",
    "status",
    "tlp",
    "chatham_house",
    # The French and German title and abstract (issue 20); a file with none of these columns
    # leaves the sessions' translations as they are.
    *TRANSLATION_COLUMNS,
)
# Cells holding several values (speakers, categories) separate them so.
LIST_SEPARATOR = ";"
_TRUE, _FALSE = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0", ""}
MAX_ROWS = 5000


@dataclass
class SessionRows:
    """What a CSV file said: session items (one per good row) and the problems found."""

    items: list[dict[str, Any]] = field(default_factory=list)
    # (row label, message); row 1 is the header.
    errors: list[tuple[str, str]] = field(default_factory=list)
    # The file's line of each item, to name rows in the importer's errors.
    lines: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Names:
    """The event's rooms, tracks and speakers: id or lower-cased name → id."""

    rooms: Mapping[str, str]
    tracks: Mapping[str, str]
    speakers: Mapping[str, str]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("the file is not text (save it as CSV, UTF-8)")


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _resolve(value: str, known: Mapping[str, str], what: str) -> str:
    key = value.strip()
    if key in known:
        return known[key]
    if key.lower() in known:
        return known[key.lower()]
    raise ValueError(f"no {what} with the id or name {key!r}")


def _boolean(value: str) -> bool:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"write yes or no, not {value!r}")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def _item(row: dict[str, str], names: Names) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One row as a session item, and the columns it could not read."""
    item: dict[str, Any] = {key: (row.get(key) or "").strip() for key in REQUIRED_COLUMNS}
    problems: list[tuple[str, str]] = []

    def read(column: str, convert) -> None:
        raw = row.get(column)
        if raw is None or raw.strip() == "":
            return  # a blank required cell is reported below
        try:
            item[column] = convert(raw)
        except ValueError as error:
            problems.append((column, str(error)))

    read("start", _local_time)
    read("end", _local_time)
    read("room", lambda v: _resolve(v, names.rooms, "room"))
    read("track", lambda v: _resolve(v, names.tracks, "track"))
    read("speakers", lambda v: [_resolve(s, names.speakers, "speaker") for s in _split(v)])
    read("abstract", str)
    read("capacity", lambda v: _whole_number(v))
    read("requires_booking", _boolean)
    read("chatham_house", _boolean)
    read("restricted_to", _split)
    read("restricted_visibility", lambda v: v.strip().lower())
    read("status", lambda v: v.strip().lower())
    read("tlp", lambda v: v.strip().upper())
    if any(column in row for column in TRANSLATION_COLUMNS):
        translations: dict[str, dict[str, str]] = {}
        for column in TRANSLATION_COLUMNS:
            text = (row.get(column) or "").strip()
            if text:
                name, language = column.rsplit("_", 1)
                translations.setdefault(language, {})[name] = text
        item["translations"] = translations
    for column in REQUIRED_COLUMNS:
        if not item.get(column) and column not in {c for c, _ in problems}:
            problems.append((column, "required"))
    return item, problems


def _local_time(value: str) -> str:
    """``2027-03-23 09:00`` (as spreadsheets write it) or ``2027-03-23T09:00``."""
    text = value.strip()
    return text[:10] + "T" + text[11:] if len(text) > 10 and text[10] == " " else text


def _whole_number(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ValueError(f"not a whole number: {value.strip()!r}") from None


def read_sessions_csv(data: bytes, names: Names) -> SessionRows:
    """Every row of the file as a session item; problems are (``row N, column``, message)."""
    result = SessionRows()
    try:
        text = _decode(data)
    except ValueError as error:
        result.errors.append(("file", str(error)))
        return result
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=_dialect(text))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing:
        result.errors.append(("row 1", f"missing column(s): {', '.join(missing)}"))
    if unknown:
        known = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
        result.errors.append(("row 1", f"unknown column(s): {', '.join(unknown)} (known: {known})"))
    if missing or unknown:
        return result
    try:
        for row in reader:
            line = reader.line_num
            if len(result.lines) >= MAX_ROWS:
                result.errors.append((f"row {line}", f"a file holds at most {MAX_ROWS} sessions"))
                break
            if None in row:  # more cells than the header has columns
                result.errors.append((f"row {line}", "more cells than the header has columns"))
                continue
            if not any((value or "").strip() for value in row.values()):
                continue  # a blank line, as spreadsheets leave at the end
            item, problems = _item(row, names)
            result.errors.extend((f"row {line}, {column}", message) for column, message in problems)
            if not problems:
                result.items.append(item)
                result.lines.append(line)
    except csv.Error as error:
        result.errors.append((f"row {reader.line_num}", f"not readable as CSV ({error})"))
    return result
