"""Public keys as JWKs and as the bytes DID methods carry, checked before anyone trusts them.

did:key and Multikey carry raw bytes (Ed25519: 32 bytes; P-256: 33-byte compressed SEC1);
JOSE and did:jwk carry JWKs. Converting between the two needs point arithmetic, which lives
here so that shared.did never imports a crypto library. Every conversion checks the key:
a JWK with private members, a wrong length or a point off the curve is refused with
``InvalidPublicKey``, whose ``reason`` uses the DID Resolution error names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from shared.crypto.b64url import b64url_decode, b64url_encode
from shared.crypto.keys import PUBLIC_MEMBERS, KeyAlgorithm
from shared.errors import CryptoError

# Private members of every JWK key type (RFC 7518 §6): EC/OKP ``d``, RSA ``d``…``oth``,
# symmetric ``k``. A JWK carrying any of them must never be published or trusted as public.
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

ED25519_KEY_BYTES = 32
P256_COMPRESSED_BYTES = 33
P256_COORDINATE_BYTES = 32

INVALID_KEY = "invalidPublicKey"
INVALID_LENGTH = "invalidPublicKeyLength"
INVALID_TYPE = "invalidPublicKeyType"


class InvalidPublicKey(CryptoError):
    """A public key that cannot be used: bad bytes, bad point, private members, wrong type.

    ``reason`` is the DID Resolution error name, so shared.did can report it unchanged.
    Messages describe the problem, never the key material.
    """

    code = "invalid_public_key"
    status_code = 400

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason


def has_private_members(jwk: Mapping[str, Any]) -> bool:
    return not PRIVATE_JWK_MEMBERS.isdisjoint(jwk)


def checked_public_jwk(jwk: Mapping[str, Any]) -> dict[str, str]:
    """The public members of a supported JWK, after checking it is a usable public key.

    Extra members (``kid``, ``use``, ``alg``) are dropped: what remains is exactly what
    a thumbprint and a did:key are computed from.
    """
    public_key_bytes(jwk)  # refuses private members, unsupported types, bad points
    return {name: str(jwk[name]) for name in PUBLIC_MEMBERS[public_key_algorithm(jwk)]}


def public_key_algorithm(public_jwk: Mapping[str, Any]) -> KeyAlgorithm:
    """The algorithm of a public JWK; private members or an unsupported type are refused."""
    if has_private_members(public_jwk):
        raise InvalidPublicKey(INVALID_KEY, "The JWK contains private key material.")
    try:
        return KeyAlgorithm.from_jwk(dict(public_jwk))
    except CryptoError as exc:
        raise InvalidPublicKey(INVALID_TYPE, exc.description) from exc


def public_key_bytes(public_jwk: Mapping[str, Any]) -> bytes:
    """Ed25519: the 32 raw bytes; P-256: the 33-byte compressed SEC1 point."""
    algorithm = public_key_algorithm(public_jwk)
    if algorithm is KeyAlgorithm.ED25519:
        raw = _coordinate(public_jwk, "x", ED25519_KEY_BYTES)
        _check_ed25519_point(raw)
        return raw
    x = _coordinate(public_jwk, "x", P256_COORDINATE_BYTES)
    y = _coordinate(public_jwk, "y", P256_COORDINATE_BYTES)
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
    )
    try:
        point = numbers.public_key()
    except ValueError as exc:
        raise InvalidPublicKey(INVALID_KEY, "The P-256 point is not on the curve.") from exc
    return point.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def public_jwk_from_bytes(algorithm: KeyAlgorithm, data: bytes) -> dict[str, str]:
    """The public JWK for raw Ed25519 bytes or a compressed P-256 point."""
    if algorithm is KeyAlgorithm.ED25519:
        _check_length(algorithm, data, ED25519_KEY_BYTES)
        _check_ed25519_point(data)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(data)}
    _check_length(algorithm, data, P256_COMPRESSED_BYTES)
    if data[0] not in (2, 3):
        raise InvalidPublicKey(INVALID_KEY, "A compressed P-256 point starts with 0x02 or 0x03.")
    try:
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data)
    except ValueError as exc:
        raise InvalidPublicKey(INVALID_KEY, "The P-256 point is not on the curve.") from exc
    numbers = point.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(P256_COORDINATE_BYTES, "big")),
        "y": b64url_encode(numbers.y.to_bytes(P256_COORDINATE_BYTES, "big")),
    }


def _coordinate(jwk: Mapping[str, Any], name: str, size: int) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidPublicKey(INVALID_KEY, f"The JWK member {name!r} is missing.")
    try:
        raw = b64url_decode(value)
    except ValueError as exc:
        raise InvalidPublicKey(INVALID_KEY, f"The JWK member {name!r} is not base64url.") from exc
    if len(raw) != size:
        raise InvalidPublicKey(
            INVALID_LENGTH, f"The JWK member {name!r} must be {size} bytes, not {len(raw)}."
        )
    return raw


def _check_length(algorithm: KeyAlgorithm, data: bytes, size: int) -> None:
    if len(data) != size:
        raise InvalidPublicKey(
            INVALID_LENGTH, f"An {algorithm.value} public key is {size} bytes, not {len(data)}."
        )


# Edwards25519 (RFC 8032 §5.1.3). OpenSSL loads any 32 bytes as an Ed25519 public key and
# only fails later, at verification; decoding the point here gives a clear answer up front.
_ED_P = 2**255 - 19
_ED_D = (-121665 * pow(121666, -1, _ED_P)) % _ED_P
# The y of the eight small-order points (orders 1, 2, 4, 8; libsodium's blocklist). With
# such a "public key" a signature verifies for any message, so no one controls it.
_ED_Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022
_ED_SMALL_ORDER_Y = frozenset({1, _ED_P - 1, 0, _ED_Y8, _ED_P - _ED_Y8})


def _check_ed25519_point(raw: bytes) -> None:
    encoded = int.from_bytes(raw, "little")
    y, x_is_odd = encoded & ((1 << 255) - 1), encoded >> 255
    if y >= _ED_P:
        raise InvalidPublicKey(INVALID_KEY, "The Ed25519 point is not canonically encoded.")
    if y in _ED_SMALL_ORDER_Y:
        raise InvalidPublicKey(INVALID_KEY, "The Ed25519 public key is a small-order point.")
    y2 = y * y % _ED_P
    x2 = (y2 - 1) * pow(_ED_D * y2 + 1, -1, _ED_P) % _ED_P
    is_square = x2 == 0 or pow(x2, (_ED_P - 1) // 2, _ED_P) == 1
    if not is_square or (x2 == 0 and x_is_odd):
        raise InvalidPublicKey(INVALID_KEY, "The Ed25519 public key is not a curve point.")
