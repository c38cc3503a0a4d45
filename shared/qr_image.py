"""Reading QR codes from an uploaded photo or screenshot (zxing-cpp).

A phone without a camera integration can still receive or share (the wallet), and a recruiter
can check a certificate from a photo of its QR code (the verifier). The image is untrusted input:
its byte size and pixel count are capped before it is decoded, and whatever Pillow cannot
read is refused with a message rather than an error page.
"""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image, UnidentifiedImageError

from shared.errors import InvalidInput

MAX_IMAGE_BYTES = 10 * 1024 * 1024
# A 48-megapixel phone photo is the largest we expect; a "decompression bomb" is far larger.
MAX_IMAGE_PIXELS = 50_000_000
NO_QR_CODE = "no_qr_code"
_QR_CODES = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def read_qr_codes(content: bytes) -> list[str]:
    """The texts of every QR code in the picture, in the order zxing-cpp finds them.

    InvalidInput (code ``no_qr_code``) when there is none; InvalidInput when the file is no
    picture we can read.
    """
    if not content:
        raise InvalidInput("Choose a photo or screenshot of the QR code.")
    if len(content) > MAX_IMAGE_BYTES:
        raise InvalidInput(f"The picture is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB.")
    image = _open(content)
    codes = zxingcpp.read_barcodes(image, formats=_QR_CODES)
    texts = [code.text for code in codes if code.valid and code.text]
    if not texts:
        raise InvalidInput(
            "No QR code was found in this picture. Take the photo closer, keep the whole code "
            "in view and in focus, or paste the link instead.",
            code=NO_QR_CODE,
        )
    return texts


def _open(content: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(content))
        # Opening reads only the header: check the size before any pixel is decoded.
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise InvalidInput("The picture has too many pixels; send a smaller photo.")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise InvalidInput(
            "This file is not a picture that can be read here; upload a PNG or JPEG photo or "
            "screenshot."
        ) from None
    # zxing-cpp reads 8-bit grey or RGB; palette, 16-bit and CMYK images are converted first.
    return image if image.mode in ("L", "RGB") else image.convert("RGB")
