"""QR codes for credential offers and presentation requests, as PNG bytes or inline SVG.

Error correction M (15 %): the codes are shown on screens and scanned by phones, where
a higher level would only make long ``openid4vp://`` requests denser and harder to scan.
"""

from __future__ import annotations

import io

import qrcode
from qrcode.exceptions import DataOverflowError
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage

from shared.errors import InvalidInput

__all__ = ["qr_png", "qr_svg"]

DEFAULT_BOX_SIZE = 10
DEFAULT_BORDER = 4  # the quiet zone the QR specification requires


def _code(uri: str, *, box_size: int, border: int) -> qrcode.QRCode:
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border
    )
    # qrcode encodes text as UTF-8 in byte mode; scanners detect UTF-8 without an ECI marker.
    code.add_data(uri)
    try:
        code.make(fit=True)
    # qrcode 8 reports data past version 40 as ValueError("Invalid version") from its fitting
    # loop, older releases as DataOverflowError; nothing else in make() raises either.
    except (DataOverflowError, ValueError):
        raise InvalidInput(
            f"The link is too long for a QR code ({len(uri.encode())} bytes); "
            "pass the request by reference instead."
        ) from None
    return code


def qr_png(uri: str, *, box_size: int = DEFAULT_BOX_SIZE, border: int = DEFAULT_BORDER) -> bytes:
    """``uri`` as a black-on-white PNG, ``box_size`` pixels per module."""
    image = _code(uri, box_size=box_size, border=border).make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(uri: str) -> str:
    """``uri`` as a standalone ``<svg>`` document, fit to inline in a page or serve as a file.

    The background is filled white rather than left transparent: a transparent quiet zone
    on a dark page cannot be scanned.
    """
    image = _code(uri, box_size=DEFAULT_BOX_SIZE, border=DEFAULT_BORDER).make_image(
        image_factory=SvgPathFillImage
    )
    svg: str = image.to_string(encoding="unicode")
    return svg
