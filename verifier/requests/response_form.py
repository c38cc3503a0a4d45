"""Reading a direct_post authorization response (OpenID4VP §8.2) from its raw body.

Read by hand rather than by FastAPI's form parsing: the body's size is capped before it is
parsed (security checklist C.7), a parameter given twice is refused, and every problem is
answered with the spec's ``invalid_request`` in words, never a validation trace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from shared.errors import ProtocolError

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
MAX_ERROR_DESCRIPTION_CHARS = 500
MAX_ERROR_CHARS = 64


def invalid_request(description: str) -> ProtocolError:
    return ProtocolError(description, code="invalid_request")


@dataclass(frozen=True)
class AuthorizationResponse:
    """What the wallet posted: presentations, or its error."""

    state: str
    vp_token: Any = None  # the parsed vp_token: an object (1.0), or a VP / array (drafts)
    presentation_submission: dict[str, Any] | None = None
    error: str | None = None
    error_description: str | None = None


def read_response(body: bytes, content_type: str | None, max_bytes: int) -> AuthorizationResponse:
    if len(body) > max_bytes:
        raise invalid_request(f"The response is larger than {max_bytes // 1024} KiB; refused.")
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != FORM_MEDIA_TYPE:
        raise invalid_request(f"Send the response as {FORM_MEDIA_TYPE} (direct_post).")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_request("The response is not UTF-8 text.") from None
    fields: dict[str, str] = {}
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except ValueError:
        raise invalid_request("The response is not a well-formed form.") from None
    for name, value in pairs:
        if name in fields:
            raise invalid_request(f"The response repeats the parameter {name!r}.")
        fields[name] = value
    state = fields.get("state")
    if not state:
        raise invalid_request("The response names no state: which request does it answer?")
    if "error" in fields:
        description = _printable(fields.get("error_description", ""))
        return AuthorizationResponse(
            state=state,
            error=_printable(fields["error"])[:MAX_ERROR_CHARS] or "unknown_error",
            error_description=description[:MAX_ERROR_DESCRIPTION_CHARS] or None,
        )
    if "response" in fields:
        raise invalid_request("Encrypted responses (direct_post.jwt) are not accepted here.")
    if not fields.get("vp_token"):
        raise invalid_request("The response carries no vp_token.")
    submission = None
    if fields.get("presentation_submission"):
        submission = _json(fields["presentation_submission"], "presentation_submission")
        if not isinstance(submission, dict):
            raise invalid_request("presentation_submission must be a JSON object.")
    return AuthorizationResponse(
        state=state,
        vp_token=_vp_token(fields["vp_token"]),
        presentation_submission=submission,
    )


def _printable(text: str) -> str:
    """The wallet's words without control characters (a NUL cannot even be stored)."""
    return "".join(char for char in text if char.isprintable()).strip()


def _vp_token(text: str) -> Any:
    """JSON (a 1.0 object, a draft-era VP object or array), or a draft-era VP-JWT as is."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        return _json(stripped, "vp_token")
    if stripped.count(".") == 2 and " " not in stripped:
        return stripped
    return _json(stripped, "vp_token")


def _json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise invalid_request(f"{name} is not valid JSON.") from None
