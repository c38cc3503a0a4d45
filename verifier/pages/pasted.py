"""What someone pasted or uploaded on the public "check a credential" page, read into the
document the checks engine takes: a credential or presentation as JSON or as a JWT, or a
photo of a QR code holding one of those or the issuer's web address for the certificate.

Everything here is untrusted: sizes are capped before anything is parsed, pictures are read
in a worker thread (zxing-cpp is CPU-bound), and a web address from a QR code is fetched
through the runtime's guarded client (no private networks), asking for the signed
credential (``application/vc+ld+json`` first; credstack's issuer answers its certificate's).
"""

from __future__ import annotations

import asyncio
import json

import httpx

from shared.errors import CredstackError, InvalidInput
from shared.qr_image import MAX_IMAGE_BYTES, read_qr_codes

MAX_DOCUMENT_CHARS = 256 * 1024
MAX_FETCHED_BYTES = 256 * 1024
_PICTURE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"BM")
_ACCEPT = "application/vc+ld+json, application/vc+jwt, application/json;q=0.9"


def is_picture(content: bytes) -> bool:
    return content.startswith(_PICTURE_MAGIC)


def text_of_upload(content: bytes) -> str:
    """A JSON or JWT file's text."""
    if len(content) > MAX_DOCUMENT_CHARS:
        raise InvalidInput(
            f"The file is larger than {MAX_DOCUMENT_CHARS // 1024} KiB; a credential is smaller."
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "This file is neither a credential (JSON or JWT text) nor a photo of a QR code."
        ) from None


async def text_of_picture(content: bytes) -> str:
    """The QR code's text: the first code that looks like a credential or a web address."""
    if len(content) > MAX_IMAGE_BYTES:
        raise InvalidInput(f"The picture is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB.")
    codes = await asyncio.to_thread(read_qr_codes, content)
    for text in codes:
        stripped = text.strip()
        if stripped.startswith(("{", "ey", "https://", "http://")):
            return stripped
    raise InvalidInput(
        "The QR code in this picture holds neither a credential nor a web address. "
        "If it is a request to share (openid4vp://), it is meant for a wallet, not for here."
    )


async def fetch_document(url: str, http: httpx.AsyncClient) -> str:
    """What the web address in a certificate's QR code gives when asked for a credential."""
    host = httpx.URL(url).host
    try:
        response = await http.get(url, headers={"Accept": _ACCEPT}, follow_redirects=False)
    except (httpx.HTTPError, CredstackError):  # the guard refuses private networks in words
        raise InvalidInput(
            f"The address in the QR code ({host}) could not be reached, or is not allowed "
            "(private networks are never contacted). Paste the credential itself instead."
        ) from None
    body = response.content[: MAX_FETCHED_BYTES + 1]
    if response.status_code != 200 or len(body) > MAX_FETCHED_BYTES:
        raise InvalidInput(
            f"The address in the QR code ({host}) did not give a credential "
            f"(it answered {response.status_code}). Ask the learner to share the credential "
            "from their wallet, or paste it here."
        )
    text = body.decode("utf-8", errors="replace").strip()
    if not _looks_signed(text):
        # An issuer with no signed copy of its certificates (another issuer, or credstack
        # before it kept one) answers a description of the certificate or a page instead.
        raise InvalidInput(
            f"The QR code leads to a page at {host} that describes the certificate but gives "
            "no signed credential to check. Open that address to read what the issuer says, "
            f"or ask the learner to share the credential from their wallet: {url}"
        )
    return text


def _looks_signed(text: str) -> bool:
    """A JWT, or JSON that calls itself a credential or a presentation."""
    if not text.startswith("{"):
        return text.count(".") == 2 and " " not in text
    try:
        value = json.loads(text)
    except ValueError:
        return False
    kinds = value.get("type") if isinstance(value, dict) else None
    kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    return any(k in ("VerifiableCredential", "VerifiablePresentation") for k in kinds)


async def document_from(text: str, picture: bytes | None, http: httpx.AsyncClient) -> str:
    """The document to check, from the pasted text or the uploaded file."""
    if picture is not None:
        text = await text_of_picture(picture) if is_picture(picture) else text_of_upload(picture)
    text = text.strip()
    if not text:
        raise InvalidInput("Paste a credential, or choose a file or a photo of its QR code.")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise InvalidInput(f"At most {MAX_DOCUMENT_CHARS // 1024} KiB of text, please.")
    if text.startswith(("https://", "http://")):
        return await fetch_document(text, http)
    return text
