"""QR codes of badge codes: PNG, SVG and the module matrix the PDF draws.

Error correction M (15 % of the code may be damaged) and the standard quiet
zone of 4 modules. A badge code is upper-case base32, so it fits the compact
alphanumeric mode (version 6, 41 x 41 modules).
"""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import qrcode.image.svg

QUIET_ZONE = 4
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M


def _make(data: str, box_size: int = 10) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE, box_size=box_size)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_modules(data: str) -> list[list[bool]]:
    """The square module matrix of the symbol, quiet zone excluded."""
    code = _make(data)
    matrix = code.get_matrix()
    return [row[QUIET_ZONE:-QUIET_ZONE] for row in matrix[QUIET_ZONE:-QUIET_ZONE]]


def qr_png(data: str, *, box_size: int = 10) -> bytes:
    """A black-on-white PNG with the quiet zone (10 pixels a module by default)."""
    image = _make(data, box_size).make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str) -> bytes:
    """A scalable SVG (one path, white background, quiet zone included)."""
    image = _make(data).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
