"""Stamp every page of a PDF with its marking, the recipient's name and the date.

A deterrent and a trace: a copy that travels further than it should names who it was
given to. The stamp is real text (reportlab), laid over each page (pypdf), so it survives
printing and a text extraction finds it.
"""

from __future__ import annotations

import io
from datetime import date
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

_RED = Color(0.8, 0.05, 0.05)
_BAND = Color(1, 1, 1, alpha=0.85)
# Names come in every script: DejaVu where the system has it, else reportlab's Vera.
_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
]


@cache
def _font(configured: str = "") -> str:
    """A bold font name for the stamp, registered once per process."""
    for candidate in ([configured] if configured else []) + _FONT_CANDIDATES:
        if Path(candidate).is_file():
            pdfmetrics.registerFont(TTFont("StampSans", candidate))
            return "StampSans"
    pdfmetrics.registerFont(TTFont("StampVera", "VeraBd.ttf"))
    return "StampVera"


class UnreadablePdf(ValueError):
    """The bytes start like a PDF but pypdf cannot read (or must decrypt) them."""


def check_pdf(data: bytes) -> int:
    """The number of pages of a PDF we can stamp; raises ``UnreadablePdf``."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadablePdf(_("The PDF is encrypted: upload it without a password."))
        return len(reader.pages)
    except UnreadablePdf:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise UnreadablePdf(_("The PDF could not be read.")) from error


def stamp_line(marking: str, recipient: str, day: date, *, never_share: bool) -> str:
    """The words of the stamp, in the language of the request (the downloader's)."""
    if never_share:
        return _(
            "%(marking)s · Issued to %(recipient)s · %(date)s · Never share onwards",
            marking=marking,
            recipient=recipient,
            date=day.isoformat(),
        )
    return _(
        "%(marking)s · Issued to %(recipient)s · %(date)s",
        marking=marking,
        recipient=recipient,
        date=day.isoformat(),
    )


def _overlay(width: float, height: float, text: str, font: str) -> PdfReader:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    size = 9.0
    while size > 5 and pdfmetrics.stringWidth(text, font, size) > width - 24:
        size -= 0.5
    for y in (height - size - 6, 6):  # top and bottom, so a crop leaves one
        pdf.setFillColor(_BAND)
        pdf.rect(0, y - 3, width, size + 6, stroke=0, fill=1)
        pdf.setFillColor(_RED)
        pdf.setFont(font, size)
        pdf.drawCentredString(width / 2, y, text)
    pdf.showPage()
    pdf.save()
    return PdfReader(io.BytesIO(buffer.getvalue()))


def stamp_pdf(data: bytes, text: str, *, font_path: str = "") -> bytes:
    """``data`` with ``text`` across the top and bottom of every page."""
    font = _font(font_path)
    # Pages are stamped in the writer (pypdf 5+ merges only pages a writer owns).
    writer = PdfWriter(clone_from=io.BytesIO(data))
    overlays: dict[tuple[float, float], PdfReader] = {}
    for page in writer.pages:
        box = page.mediabox
        key = (float(box.width), float(box.height))
        if key not in overlays:
            overlays[key] = _overlay(*key, text, font)
        # Rotated or offset pages: lay the stamp in the page's own box.
        page.merge_transformed_page(
            overlays[key].pages[0],
            (1, 0, 0, 1, float(box.left), float(box.bottom)),
        )
    writer.add_metadata({"/Subject": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
