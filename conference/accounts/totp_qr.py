"""The QR code an authenticator app scans to enrol: an SVG data address for an <img>.

A data: image is what the Content-Security-Policy allows (img-src 'self' data:), and the
secret never reaches a file or a cache.
"""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.constants
import qrcode.image.svg


def totp_qr_data_uri(provisioning_uri: str) -> str:
    """``data:image/svg+xml;base64,...`` of the otpauth:// address."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(provisioning_uri)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=qrcode.image.svg.SvgPathFillImage).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
