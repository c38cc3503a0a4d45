"""did:jwk: the DID is the base64url of a public JWK; resolution is local.

Encoding writes the JWK's members sorted and without whitespace, so one key always gives
the same DID here; other implementations may order members differently, so a DID received
from elsewhere is kept as it was written, never re-derived. The verification method is
always ``#0`` (a ``kid`` in the JWK does not name it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from shared.crypto.b64url import b64url_decode, b64url_encode
from shared.crypto.public_keys import checked_public_jwk, has_private_members
from shared.did.document import (
    KEY_AGREEMENT,
    RELATIONSHIPS,
    SIGNING_RELATIONSHIPS,
    VerificationMethodType,
    did_document,
    verification_method,
)
from shared.did.errors import INVALID_DID, public_key_errors, resolution_error

PREFIX = "did:jwk:"
VERIFICATION_METHOD_FRAGMENT = "#0"


def did_jwk_from_jwk(public_jwk: Mapping[str, Any]) -> str:
    """The did:jwk of a public key; a JWK with private members is refused (CryptoError)."""
    checked_public_jwk(public_jwk)
    text = json.dumps(dict(public_jwk), sort_keys=True, separators=(",", ":"))
    return PREFIX + b64url_encode(text.encode("utf-8"))


def did_jwk_to_jwk(did: str) -> dict[str, Any]:
    """The JWK as written in the DID (``use`` and other members kept), after checking it."""
    if not did.startswith(PREFIX) or ":" in did[len(PREFIX) :]:
        # Not echoed: a malformed did:jwk may still carry someone's private key.
        raise resolution_error(INVALID_DID, "The value is not a did:jwk (did:jwk:<base64url>).")
    try:
        jwk = json.loads(b64url_decode(did[len(PREFIX) :]))
    except ValueError:
        raise resolution_error(INVALID_DID, "The did:jwk value is not base64url JSON.") from None
    if not isinstance(jwk, dict):
        raise resolution_error(INVALID_DID, "The did:jwk value is not a JSON object.")
    if has_private_members(jwk):
        # Said plainly, and the DID (which here holds the private key) is not echoed back.
        raise resolution_error(INVALID_DID, "A did:jwk must hold a public key, not a private one.")
    with public_key_errors("The did:jwk key"):
        checked_public_jwk(jwk)
    return jwk


def did_jwk_document(did: str) -> dict[str, Any]:
    """One ``JsonWebKey2020`` method ``#0``; ``use`` narrows its relationships (spec §3)."""
    jwk = did_jwk_to_jwk(did)
    relationships = {"sig": SIGNING_RELATIONSHIPS, "enc": (KEY_AGREEMENT,)}.get(
        str(jwk.get("use")), RELATIONSHIPS
    )
    method = verification_method(
        did + VERIFICATION_METHOD_FRAGMENT, did, jwk, VerificationMethodType.JSON_WEB_KEY_2020
    )
    return did_document(did, [method], relationships)
