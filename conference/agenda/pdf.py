"""The printable programme as PDF (reportlab): the public agenda, or one person's agenda.

A pure function from the sessions a viewer may see (``VisibleSession`` from the visible
rows, never a model) to bytes. A closed block prints as the pages show it: time, room and
"Closed session", nothing else. The output is byte-stable for the same input (reportlab's
invariant mode), so caches and tests can compare it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from conference.agenda.translated import current_language, translated
from conference.agenda.visibility import VisibleSession

_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
)


@dataclass(frozen=True)
class ProgrammeDay:
    day: date
    sessions: Sequence[VisibleSession]


@cache
def _fonts() -> tuple[str, str]:
    """(regular, bold): DejaVu where installed (Greek, Cyrillic, accents), else reportlab's Vera."""
    for regular in _FONT_PATHS:
        path = Path(regular)
        if path.is_file():
            bold = path.with_name("DejaVuSans-Bold.ttf")
            pdfmetrics.registerFont(TTFont("ProgrammeSans", str(path)))
            pdfmetrics.registerFont(
                TTFont("ProgrammeSans-Bold", str(bold if bold.is_file() else path))
            )
            return "ProgrammeSans", "ProgrammeSans-Bold"
    pdfmetrics.registerFont(TTFont("ProgrammeVera", "Vera.ttf"))
    pdfmetrics.registerFont(TTFont("ProgrammeVera-Bold", "VeraBd.ttf"))
    return "ProgrammeVera", "ProgrammeVera-Bold"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=18, leading=22, spaceAfter=4),
        "note": ParagraphStyle("note", fontName=regular, fontSize=9, leading=12, spaceAfter=8),
        "day": ParagraphStyle(
            "day", fontName=bold, fontSize=13, leading=16, spaceBefore=10, spaceAfter=4
        ),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11.5),
        "session": ParagraphStyle("session", fontName=bold, fontSize=10, leading=12.5),
    }


def _when(item: VisibleSession, tz: ZoneInfo, day: date) -> str:
    start, end = item.starts_at.astimezone(tz), item.ends_at.astimezone(tz)
    prefix = "" if start.date() == day else start.strftime("%a %d %b, ")
    ends = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%a %d %b, %H:%M")
    return f"{prefix}{start:%H:%M}–{ends}"


def _day_heading(day: date, language: str) -> str:
    if language == "en":
        return day.strftime("%A %d %B %Y")
    return format_date(day, "EEEE d MMMM yyyy")


def _session_cell(item: VisibleSession, styles, status: str | None, language: str) -> list:
    title = _escape(translated(item, "title", language))
    if item.is_cancelled:
        title = _("<strike>%(title)s</strike> (cancelled)", title=title)
    parts = [Paragraph(title, styles["session"])]
    if not item.closed:
        details = [item.kind_label]
        if item.track is not None:
            details.append(item.track.name)
        details += item.marking_labels
        if item.speakers:
            details.append(", ".join(s.name for s in item.speakers))
        parts.append(Paragraph(_escape(" · ".join(d for d in details if d)), styles["cell"]))
    if status:
        parts.append(Paragraph(f"<b>{_escape(status)}</b>", styles["cell"]))
    return parts


def programme_pdf(
    *,
    title: str,
    subtitle: str,
    zone_note: str,
    days: Sequence[ProgrammeDay],
    tz: ZoneInfo,
    statuses: dict[int, str] | None = None,
    empty_text: str | None = None,
    language: str | None = None,
) -> bytes:
    """An A4 programme: one table per day (time, session, room), in ``tz``, written in
    ``language`` (default: the request's): titles as translated, else the original."""
    language = language or current_language()
    if empty_text is None:
        empty_text = _("No sessions.")
    styles = _styles()
    statuses = statuses or {}
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        subject=subtitle,
        creator="CERIS events",
        invariant=1,
    )
    story: list = [
        Paragraph(_escape(title), styles["title"]),
        Paragraph(_escape(subtitle), styles["note"]),
        Paragraph(_escape(zone_note), styles["note"]),
    ]
    widths = [30 * mm, document.width - 30 * mm - 38 * mm, 38 * mm]
    shown_any = False
    for programme_day in days:
        if not programme_day.sessions:
            continue
        shown_any = True
        rows = [
            [
                Paragraph(_when(item, tz, programme_day.day), styles["cell"]),
                _session_cell(item, styles, statuses.get(item.id), language),
                Paragraph(
                    _escape(item.room.name if item.room else _("To be announced")),
                    styles["cell"],
                ),
            ]
            for item in programme_day.sessions
        ]
        table = Table(rows, colWidths=widths, repeatRows=0)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#c9d0da")),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        heading = Paragraph(_day_heading(programme_day.day, language), styles["day"])
        story += [heading, Spacer(1, 2), table]
    if not shown_any:
        story.append(Paragraph(_escape(empty_text), styles["cell"]))
    document.build(story)
    return buffer.getvalue()
