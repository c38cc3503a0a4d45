"""Compact JWS/JWT signing and verification with an explicit algorithm allow-list and typ.

Every JWT credstack handles has a kind, told apart by ``typ`` (security checklist E): a
key proof is ``openid4vci-proof+jwt``, a request object ``oauth-authz-req+jwt`` and so on.
Verification therefore always states which ``typ`` it expects, refuses ``none`` and any
algorithm outside the allow-list before touching the signature, and reports each failure
as ``VerificationFailed`` with the reason. Claim rules beyond the signature and the time
window (``aud``, ``nonce``, ``iss``) belong to the protocol code that knows them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from shared.crypto.b64url import b64url_decode, b64url_encode
from shared.crypto.keys import PUBLIC_MEMBERS, SigningKey
from shared.crypto.public_keys import has_private_members
from shared.errors import CryptoError, VerificationFailed

DEFAULT_ALLOWED_ALGS = ("EdDSA", "ES256")
# Header members that the signing key decides, not the caller.
_RESERVED_HEADERS = frozenset({"alg", "typ"})
_DEFAULT_LEEWAY_SECONDS = 60


def sign_jwt(
    claims: Mapping[str, Any],
    key: SigningKey,
    *,
    typ: str,
    extra_headers: Mapping[str, Any] | None = None,
) -> str:
    """A compact JWS over ``claims``, named by ``kid`` = the key's verification method.

    When ``extra_headers`` carries ``jwk`` (a wallet's OpenID4VCI proof), that public key
    names the signer instead and no ``kid`` is written: the two must not appear together.
    """
    extra = dict(extra_headers or {})
    if reserved := _RESERVED_HEADERS.intersection(extra):
        raise CryptoError(f"Header members {sorted(reserved)} are set by sign_jwt itself.")
    header: dict[str, Any] = {"alg": key.jose_alg, "typ": typ}
    if "jwk" in extra:
        _check_header_jwk(extra["jwk"], key)
        if "kid" in extra:
            raise CryptoError("A JWT header carries either kid or jwk, not both.")
    else:
        header["kid"] = key.verification_method
    header.update(extra)
    payload = json.dumps(dict(claims), separators=(",", ":"), ensure_ascii=False)
    if key.jose_alg == _EDDSA:
        return _sign_ed25519(header, payload, key.key.private_jwk_json())
    try:
        signer = jwk.JWK.from_json(key.key.private_jwk_json())
        token = jws.JWS(payload.encode("utf-8"))
        token.add_signature(signer, alg=key.jose_alg, protected=json.dumps(header))
        return str(token.serialize(compact=True))
    except JWException as exc:
        # jwcrypto's messages do not carry key material, but keep only the type to be sure.
        raise CryptoError(f"Signing the JWT failed ({type(exc).__name__}).") from None


def verify_jwt(
    token: str,
    public_jwk: Mapping[str, Any],
    *,
    allowed_algs: Collection[str] = DEFAULT_ALLOWED_ALGS,
    expected_typ: str | None,
    leeway_seconds: int = _DEFAULT_LEEWAY_SECONDS,
    now: float | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of ``token`` once its signature verifies with ``public_jwk``.

    ``expected_typ=None`` is for JWT kinds whose ``typ`` is optional (VC-JWT); every other
    caller names the kind. ``exp`` and ``nbf``, when present, are checked against ``now``
    (default: the clock) with ``leeway_seconds`` of tolerance.
    """
    header, claims = _decode(token)
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise VerificationFailed("The JWT is unsigned (alg none or missing); refused.")
    if alg not in allowed_algs:
        raise VerificationFailed(
            f"The JWT algorithm {alg!r} is not allowed (allowed: {', '.join(allowed_algs)})."
        )
    if expected_typ is not None and _media_type(header.get("typ")) != _media_type(expected_typ):
        raise VerificationFailed(
            f"The JWT typ is {header.get('typ')!r}, expected {expected_typ!r}."
        )
    if has_private_members(public_jwk):
        raise VerificationFailed("The verification key contains private key material.")
    _verify_signature(token, public_jwk, alg)
    _check_time_window(claims, time.time() if now is None else now, leeway_seconds)
    return header, claims


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The protected header and the claims, unverified, from one decoding of ``token``."""
    return _decode(token)


def unverified_header(token: str) -> dict[str, Any]:
    """The protected header, to choose the verification key (``kid`` or ``jwk``).

    Nothing in it is trusted yet, except that a ``jwk`` with private members is refused.
    """
    return _decode(token)[0]


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims, unverified: for routing (``iss`` picks the issuer's key), never for trust."""
    return _decode(token)[1]


def _decode(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise VerificationFailed("Malformed JWT: a compact JWS has three dot-separated parts.")
    header = _json_object(parts[0], "header")
    claims = _json_object(parts[1], "payload")
    header_jwk = header.get("jwk")
    if header_jwk is not None:
        if not isinstance(header_jwk, dict):
            raise VerificationFailed("Malformed JWT: the jwk header is not a JSON object.")
        if has_private_members(header_jwk):
            raise VerificationFailed("The JWT's jwk header contains private key material.")
    return header, claims


def _json_object(segment: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment))
    except (ValueError, RecursionError):  # RecursionError: JSON nested beyond the stack
        raise VerificationFailed(f"Malformed JWT: the {name} is not base64url JSON.") from None
    if not isinstance(value, dict):
        raise VerificationFailed(f"Malformed JWT: the {name} is not a JSON object.")
    return value


def _media_type(typ: object) -> str | None:
    """RFC 7515 §4.1.9: compare case-insensitively; ``application/`` may be omitted."""
    if not isinstance(typ, str):
        return None
    return typ.lower().removeprefix("application/")


# EdDSA with Ed25519 goes straight to ``cryptography`` (what jwcrypto calls underneath):
# jwcrypto deep-copies its header registry for every JWS object it makes, which cost more
# than the signature itself (about 1 ms of a 2 ms key-proof check on a loaded machine).
_EDDSA = "EdDSA"


def _sign_ed25519(header: Mapping[str, Any], payload: str, private_jwk_json: str) -> str:
    signing_input = (
        f"{b64url_encode(json.dumps(header, separators=(',', ':')).encode())}."
        f"{b64url_encode(payload.encode('utf-8'))}"
    )
    signature = _ed25519_private_key(private_jwk_json).sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


@lru_cache(maxsize=64)
def _ed25519_private_key(private_jwk_json: str) -> Ed25519PrivateKey:
    """The loaded key of a private JWK: a service signs with a few keys, many times each."""
    try:
        private = b64url_decode(json.loads(private_jwk_json)["d"])
        return Ed25519PrivateKey.from_private_bytes(private)
    except (KeyError, ValueError, TypeError):
        raise CryptoError("Signing the JWT failed (not a usable Ed25519 key).") from None


def _verify_ed25519(token: str, public_jwk: Mapping[str, Any]) -> None:
    signing_input, _, signature = token.rpartition(".")
    try:
        key = Ed25519PublicKey.from_public_bytes(b64url_decode(public_jwk["x"]))
        signature_bytes = b64url_decode(signature)
    except (KeyError, ValueError, TypeError):
        raise VerificationFailed("The verification key is not a usable public JWK.") from None
    try:
        key.verify(signature_bytes, signing_input.encode("ascii"))
    except (InvalidSignature, UnicodeEncodeError):
        raise VerificationFailed(
            "The JWT signature does not verify with the given OKP key (EdDSA)."
        ) from None


def _verify_signature(token: str, public_jwk: Mapping[str, Any], alg: str) -> None:
    if alg == _EDDSA and public_jwk.get("kty") == "OKP" and public_jwk.get("crv") == "Ed25519":
        _verify_ed25519(token, public_jwk)
        return
    try:
        key = jwk.JWK(**public_jwk)
    except (JWException, ValueError, TypeError):
        raise VerificationFailed("The verification key is not a usable public JWK.") from None
    verifier = jws.JWS()
    verifier.allowed_algs = [alg]
    try:
        verifier.deserialize(token)
    except JWException:
        raise VerificationFailed("Malformed JWT: not a compact JWS.") from None
    try:
        verifier.verify(key, alg=alg)
    except JWException:
        raise VerificationFailed(
            f"The JWT signature does not verify with the given {public_jwk.get('kty')} key ({alg})."
        ) from None


def _check_time_window(claims: Mapping[str, Any], now: float, leeway: int) -> None:
    for name in ("exp", "nbf"):
        if name in claims and not _is_number(claims[name]):
            raise VerificationFailed(f"Malformed JWT: {name} is not a number.")
    if "exp" in claims and now > claims["exp"] + leeway:
        raise VerificationFailed(f"The JWT expired at {int(claims['exp'])} (now {int(now)}).")
    if "nbf" in claims and now < claims["nbf"] - leeway:
        raise VerificationFailed(f"The JWT is not valid before {int(claims['nbf'])}.")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_header_jwk(header_jwk: object, key: SigningKey) -> None:
    """A ``jwk`` header must be the public half of the signing key, and only that."""
    if not isinstance(header_jwk, Mapping) or has_private_members(header_jwk):
        raise CryptoError("The jwk header must be a public JWK (no private members).")
    public = key.key.public_jwk()
    if any(header_jwk.get(name) != public[name] for name in PUBLIC_MEMBERS[key.key.algorithm]):
        raise CryptoError("The jwk header is not the public key of the signing key.")
