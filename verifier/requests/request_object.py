"""Authorization request parameters and request objects (JAR, RFC 9101; OpenID4VP §5).

A ``decentralized_identifier:`` (or draft-era ``did``) request object is signed with the
verifier's key, ``typ`` ``oauth-authz-req+jwt``, ``kid`` the DID URL of that key. A
``redirect_uri:`` request cannot be signed (VP "Defined Client Identifier Prefixes"): its
request object is an unsecured JWT (``alg`` ``none``). With ``request_uri_method=post`` the
object echoes the wallet's ``wallet_nonce``.
"""

from __future__ import annotations

import json
from typing import Any

from shared.crypto.b64url import b64url_encode
from shared.crypto.jose import sign_jwt
from shared.crypto.keys import SigningKey

JAR_TYP = "oauth-authz-req+jwt"
JAR_MEDIA_TYPE = "application/oauth-authz-req+jwt"
# Static wallet metadata: the audience OpenID4VP gives a request object without discovery.
SELF_ISSUED_AUDIENCE = "https://self-issued.me/v2"


def request_object_claims(
    parameters: dict[str, Any], *, issued_at: int, expires_at: int, wallet_nonce: str | None
) -> dict[str, Any]:
    claims = {**parameters, "aud": SELF_ISSUED_AUDIENCE, "iat": issued_at, "exp": expires_at}
    if wallet_nonce is not None:
        claims["wallet_nonce"] = wallet_nonce
    return claims


def signed_request_object(claims: dict[str, Any], key: SigningKey) -> str:
    # iss is the signer's DID, which the kid names: draft-era wallets compare the two (the
    # OpenWallet Foundation's library refuses an iss with a client id prefix); 1.0 wallets
    # ignore iss.
    return sign_jwt({**claims, "iss": key.did}, key, typ=JAR_TYP)


def unsigned_request_object(claims: dict[str, Any]) -> str:
    header = {"alg": "none", "typ": JAR_TYP}
    parts = [_segment(header), _segment(claims)]
    return ".".join(parts) + "."


def _segment(value: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())
