"""Multikey values: multibase base58btc of a multicodec header and the raw public key.

did:key identifiers and ``publicKeyMultibase`` members (``Multikey`` and
``Ed25519VerificationKey2020`` verification methods) share this encoding, so it lives in
one place. Only Ed25519 and P-256 are supported; other codecs are named in the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import base58

from shared.crypto.keys import KeyAlgorithm
from shared.crypto.public_keys import public_jwk_from_bytes, public_key_algorithm, public_key_bytes
from shared.did.errors import (
    INVALID_DID,
    INVALID_PUBLIC_KEY_TYPE,
    public_key_errors,
    resolution_error,
)

BASE58BTC_PREFIX = "z"
_CODECS = {KeyAlgorithm.ED25519: 0xED, KeyAlgorithm.P256: 0x1200}
_ALGORITHMS = {code: algorithm for algorithm, code in _CODECS.items()}
_KNOWN_UNSUPPORTED = {0x1201: "P-384", 0x1202: "P-521", 0xE7: "secp256k1", 0xEC: "X25519"}


def encode_multikey(public_jwk: Mapping[str, Any]) -> str:
    """``z6Mk…`` for Ed25519, ``zDn…`` for P-256; the JWK is checked by shared.crypto."""
    header = _write_varint(_CODECS[public_key_algorithm(public_jwk)])
    return BASE58BTC_PREFIX + base58.b58encode(header + public_key_bytes(public_jwk)).decode()


def decode_multikey(value: str) -> dict[str, str]:
    """The public JWK of a Multikey value; ``DIDResolutionError`` when it is unusable.

    The key is checked by shared.crypto (length, then curve point); its error names
    (``invalidPublicKeyLength``, ``invalidPublicKey``) are kept in the message.
    """
    if not value.startswith(BASE58BTC_PREFIX):
        raise resolution_error(INVALID_DID, "A multibase key must be base58btc (start with 'z').")
    try:
        raw = base58.b58decode(value[1:])
    except ValueError:
        raise resolution_error(INVALID_DID, "The multibase key is not valid base58btc.") from None
    code, header_length = _read_varint(raw)
    algorithm = _ALGORITHMS.get(code)
    if algorithm is None:
        name = _KNOWN_UNSUPPORTED.get(code, "unknown")
        raise resolution_error(
            INVALID_PUBLIC_KEY_TYPE,
            f"Multicodec 0x{code:x} ({name}) is not supported: use Ed25519 or P-256.",
        )
    with public_key_errors(f"The {algorithm.value} multibase key"):
        return public_jwk_from_bytes(algorithm, raw[header_length:])


def _write_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(data: bytes) -> tuple[int, int]:
    """Unsigned LEB128 as multicodec uses it: (value, number of bytes read)."""
    value = 0
    for index, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value, index + 1
    raise resolution_error(INVALID_DID, "The multibase key has no valid multicodec header.")
