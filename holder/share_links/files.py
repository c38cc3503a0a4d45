"""The credential as a file to save: JSON for ldp_vc, the compact JWT for jwt_vc_json."""

from __future__ import annotations

import json

from fastapi.responses import Response

from holder.models import StoredCredential
from shared.credentials.formats.base import SignedDocument

# What each format is saved as: the media type and the file name's ending.
_FILE_TYPES = {
    "ldp_vc": ("application/json", "json"),
    "jwt_vc_json": ("application/jwt", "jwt"),
}


def _attachment(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def file_name(record: StoredCredential, ending: str) -> str:
    # The id, not the title: a title is the issuer's text, and needs no escaping here.
    return f"micro-credential-{record.id[:8]}.{ending}"


def credential_file(record: StoredCredential, document: SignedDocument) -> Response:
    media_type, ending = _FILE_TYPES.get(record.format, ("application/json", "json"))
    if isinstance(document, str):
        content = document.encode()
    else:
        content = json.dumps(document, indent=2, ensure_ascii=False).encode()
    return _attachment(content, media_type, file_name(record, ending))


def pdf_file(record: StoredCredential, content: bytes) -> Response:
    return _attachment(content, "application/pdf", file_name(record, "pdf"))
