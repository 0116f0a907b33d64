"""Printable badges: A6 pages, or four A6 badges per A4 sheet with cut marks.

Pure functions from ``BadgeCard`` data to PDF bytes. The QR is drawn as
vector squares, 38 mm wide plus its 4-module quiet zone, so it scans from
any printer. The stakeholder category is a coloured band *and* its name in
words, never colour alone; the caller prints a neutral band for a category nobody verified.

Text is printed with fonts of wide coverage (DejaVu Sans, then fallbacks found on the
system); a character no font has, or one outside the Basic Multilingual Plane (reportlab's
text layer cannot name those, so copied text would be garbage), is spelled in Latin letters
if it is a letter, and dropped otherwise: never a box.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from unidecode import unidecode

from conference.badges.qr import QUIET_ZONE, qr_modules

QR_WIDTH = 38 * mm  # the symbol alone; at least about 2.5 cm is needed to scan reliably
MARGIN = 7 * mm
BORDER = 5 * mm  # white all round: on the A4 sheet, a 10 mm gutter along every cut line
BRAND = HexColor("#003399")

# (band colour, text colour): each pair has a contrast ratio of at least 4.5:1.
CATEGORY_COLOURS: dict[str, tuple[str, str]] = {
    "policy_maker": ("#003399", "#ffffff"),
    "practitioner": ("#a4161a", "#ffffff"),
    "academia": ("#176b2c", "#ffffff"),
    "industry": ("#f2a900", "#000000"),
    "civil_society": ("#6a1b9a", "#ffffff"),
    "member_state_expert": ("#1b1f24", "#ffffff"),
}
DEFAULT_COLOURS = ("#4a5361", "#ffffff")
# The band of a badge whose category is not verified: no category, no vetting implied.
NEUTRAL_LABEL = _l("Participant")

_FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("/usr/local/share/fonts/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
]
# Tried, in order, for characters the main font lacks (those present on the machine).
_FALLBACK_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansSymbols-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansSymbols2-Regular.ttf",
    "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",
]
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class BadgeCard:
    """Everything printed on one badge."""

    name: str
    organisation: str
    country: str
    category: str
    category_label: str
    event_title: str
    event_dates: str
    token: str
    reference: str  # short, non-personal: lets door staff find the badge by hand


@dataclass(frozen=True)
class _Face:
    name: str
    chars: frozenset[int]


@dataclass(frozen=True)
class _Fonts:
    regular: tuple[_Face, ...]  # the main font first, then the fallbacks
    bold: tuple[_Face, ...]


def _register(name: str, path: str) -> _Face | None:
    try:
        font = TTFont(name, path)
    except (TTFError, OSError):
        return None
    pdfmetrics.registerFont(font)
    covered = frozenset(c for c, glyph in font.face.charToGlyph.items() if glyph and c <= 0xFFFF)
    return _Face(name, covered)


@cache
def _fonts(configured: str = "") -> _Fonts:
    """The main fonts (regular, bold) and the fallbacks, registered once per process."""
    candidates = list(_FONT_CANDIDATES)
    if configured:
        candidates.insert(0, (configured, ""))
    main: tuple[_Face, _Face] | None = None
    main_path: Path | None = None
    for regular, bold_name in candidates:
        path = Path(regular)
        if not path.is_file():
            continue
        bold = path.with_name(bold_name) if bold_name else path
        face = _register("BadgeSans", str(path))
        bold_face = _register("BadgeSans-Bold", str(bold if bold.is_file() else path))
        if face is not None and bold_face is not None:
            main, main_path = (face, bold_face), path.resolve()
            break
    if main is None:
        # reportlab's own Vera: Latin-1 only, but always there.
        vera, vera_bold = (
            _register("BadgeVera", "Vera.ttf"),
            _register("BadgeVera-Bold", "VeraBd.ttf"),
        )
        assert vera is not None and vera_bold is not None
        main = (vera, vera_bold)
    fallbacks = []
    for number, path in enumerate(_FALLBACK_CANDIDATES):
        if Path(path).is_file() and Path(path).resolve() != main_path:
            face = _register(f"BadgeFallback{number}", path)
            if face is not None:
                fallbacks.append(face)
    return _Fonts((main[0], *fallbacks), (main[1], *fallbacks))


def _runs(text: str, faces: tuple[_Face, ...]) -> list[tuple[str, str]]:
    """``text`` as (font name, text) runs: each character in the first font that has it.

    A character no font has is spelled in Latin letters if it is a letter or digit (Unidecode),
    and dropped otherwise, with invisible format characters; spaces are collapsed.
    """
    printable: list[tuple[str, str]] = []
    for char in unicodedata.normalize("NFC", text):
        if char.isspace():
            printable.append((faces[0].name, " "))
            continue
        category = unicodedata.category(char)
        if category == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F:
            continue  # joiners, variation selectors: nothing to print
        face = next((f for f in faces if ord(char) in f.chars), None)
        if face is not None:
            printable.append((face.name, char))
        elif category[0] in "LN":
            for latin in unidecode(char):
                face = next((f for f in faces if ord(latin) in f.chars), None)
                if face is not None:
                    printable.append((face.name, latin))
    runs: list[tuple[str, str]] = []
    for name, char in printable:
        if char == " " and (not runs or runs[-1][1].endswith(" ")):
            continue
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + char)
        else:
            runs.append((name, char))
    if runs and runs[-1][1].endswith(" "):
        name, last = runs.pop()
        if last.rstrip():
            runs.append((name, last.rstrip()))
    return runs


def printable_text(text: str, configured_font: str = "", *, bold: bool = False) -> str:
    """What of ``text`` the badge prints (the tests and previews compare with it)."""
    fonts = _fonts(configured_font)
    return "".join(run for _, run in _runs(text, fonts.bold if bold else fonts.regular))


def _width(runs: list[tuple[str, str]], size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, name, size) for name, run in runs)


def _fit(runs: list[tuple[str, str]], size: float, width: float, minimum: float = 8) -> float:
    """The largest size up to ``size`` at which the runs fit ``width``."""
    while size > minimum and _width(runs, size) > width:
        size -= 0.5
    return size


def _draw_centred(
    canvas: Canvas, text: str, faces: tuple[_Face, ...], size: float, y: float, width: float
):
    runs = _runs(text, faces)
    size = _fit(runs, size, width - 2 * MARGIN)
    x = (width - _width(runs, size)) / 2
    for name, run in runs:
        canvas.setFont(name, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, name, size)


def _draw_qr(canvas: Canvas, data: str, x: float, y: float) -> None:
    """The symbol with its lower-left corner at (x, y), on a white quiet zone."""
    modules = qr_modules(data)
    count = len(modules)
    size = QR_WIDTH / count
    quiet = QUIET_ZONE * size
    canvas.setFillColor(white)
    canvas.rect(x - quiet, y - quiet, QR_WIDTH + 2 * quiet, QR_WIDTH + 2 * quiet, 0, 1)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for row, line in enumerate(modules):
        for column, dark in enumerate(line):
            if dark:
                # A hair of overlap avoids white seams between modules in some viewers.
                path.rect(x + column * size, y + (count - 1 - row) * size, size + 0.01, size + 0.01)
    canvas.drawPath(path, stroke=0, fill=1)


def draw_badge(canvas: Canvas, card: BadgeCard, font_path: str = "") -> None:
    """One A6 badge with its lower-left corner at the canvas origin."""
    fonts = _fonts(font_path)
    regular, bold = fonts.regular, fonts.bold
    width, height = A6
    # Event header, inside a white border (printers rarely print to the paper's edge).
    canvas.setFillColor(BRAND)
    canvas.rect(BORDER, height - BORDER - 22 * mm, width - 2 * BORDER, 22 * mm, 0, 1)
    canvas.setFillColor(white)
    _draw_centred(canvas, card.event_title, bold, 13, height - 15 * mm, width)
    _draw_centred(canvas, card.event_dates, regular, 10, height - 22 * mm, width)
    # The person.
    canvas.setFillColorRGB(0, 0, 0)
    _draw_centred(canvas, card.name, bold, 22, height - 39 * mm, width)
    if card.organisation:
        _draw_centred(canvas, card.organisation, regular, 12, height - 46 * mm, width)
    if card.country:
        _draw_centred(canvas, card.country, regular, 11, height - 52 * mm, width)
    # The QR code.
    qr_y = 39 * mm
    _draw_qr(canvas, card.token, (width - QR_WIDTH) / 2, qr_y)
    _draw_centred(canvas, card.reference, regular, 7, qr_y - 6.5 * mm, width)
    # The category (verified only; else a neutral band): colour and words.
    band, ink = CATEGORY_COLOURS.get(card.category, DEFAULT_COLOURS)
    canvas.setFillColor(HexColor(band))
    canvas.rect(BORDER, BORDER + 2 * mm, width - 2 * BORDER, 16 * mm, 0, 1)
    canvas.setFillColor(HexColor(ink))
    _draw_centred(canvas, card.category_label.upper(), bold, 14, BORDER + 8 * mm, width)


def badges_pdf(cards: Iterable[BadgeCard], *, font_path: str = "", title: str = "Badges") -> bytes:
    """One A6 page per badge."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A6, pageCompression=1)
    canvas.setTitle(title)
    for card in cards:
        draw_badge(canvas, card, font_path)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _cut_marks(canvas: Canvas, offset_y: float) -> None:
    width, height = A4
    length = 9 * mm
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.setLineWidth(0.3)
    middle_x, middle_y = width / 2, offset_y + A6[1]
    canvas.line(middle_x, 0, middle_x, length)
    canvas.line(middle_x, height - length, middle_x, height)
    canvas.line(0, middle_y, length, middle_y)
    canvas.line(width - length, middle_y, width, middle_y)
    canvas.line(middle_x - 2 * mm, middle_y, middle_x + 2 * mm, middle_y)
    canvas.line(middle_x, middle_y - 2 * mm, middle_x, middle_y + 2 * mm)


def badges_sheet_pdf(
    cards: Iterable[BadgeCard], *, font_path: str = "", title: str = "Badges"
) -> bytes:
    """Four A6 badges per A4 sheet (2 x 2) with cut marks."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    offset_y = (A4[1] - 2 * A6[1]) / 2
    slots = [(0, offset_y + A6[1]), (A6[0], offset_y + A6[1]), (0, offset_y), (A6[0], offset_y)]
    count = 0
    for card in cards:
        x, y = slots[count % 4]
        canvas.saveState()
        canvas.translate(x, y)
        draw_badge(canvas, card, font_path)
        canvas.restoreState()
        count += 1
        if count % 4 == 0:
            _cut_marks(canvas, offset_y)
            canvas.showPage()
    if count % 4 or count == 0:
        _cut_marks(canvas, offset_y)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
