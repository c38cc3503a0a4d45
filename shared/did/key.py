"""did:key (v0.7) for Ed25519 and P-256: the DID is the public key, resolution is local.

``did:key:`` + Multikey value. The document has one verification method whose fragment
repeats the multibase value (as every example in the spec does), listed under the four
signing relationships: Ed25519 as ``Ed25519VerificationKey2020``, P-256 as
``JsonWebKey2020``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.crypto.keys import KeyAlgorithm
from shared.crypto.public_keys import public_key_algorithm
from shared.did.document import (
    SIGNING_RELATIONSHIPS,
    VerificationMethodType,
    did_document,
    verification_method,
)
from shared.did.errors import INVALID_DID, resolution_error
from shared.did.multikey import decode_multikey, encode_multikey

PREFIX = "did:key:"
_SUPPORTED_VERSION = "1"
_METHOD_TYPES = {
    KeyAlgorithm.ED25519: VerificationMethodType.ED25519_2020,
    KeyAlgorithm.P256: VerificationMethodType.JSON_WEB_KEY_2020,
}


def did_key_from_jwk(public_jwk: Mapping[str, Any]) -> str:
    return PREFIX + encode_multikey(public_jwk)


def did_key_to_jwk(did: str) -> dict[str, str]:
    """The public JWK a did:key encodes, after checking its length and point."""
    return decode_multikey(_multibase_value(did))


def did_key_verification_method_id(did: str) -> str:
    return f"{did}#{_multibase_value(did)}"


def did_key_document(did: str) -> dict[str, Any]:
    public_jwk = did_key_to_jwk(did)
    vm_type = _METHOD_TYPES[public_key_algorithm(public_jwk)]
    method = verification_method(did_key_verification_method_id(did), did, public_jwk, vm_type)
    return did_document(did, [method], SIGNING_RELATIONSHIPS)


def _multibase_value(did: str) -> str:
    """``did:key:z…`` or, with the optional version segment, ``did:key:1:z…``."""
    if not did.startswith(PREFIX):
        raise resolution_error(INVALID_DID, f"{did!r} is not a did:key.")
    segments = did[len(PREFIX) :].split(":")
    if len(segments) == 2 and segments[0] == _SUPPORTED_VERSION:
        segments = segments[1:]
    if len(segments) != 1 or not segments[0]:
        raise resolution_error(INVALID_DID, f"{did!r} is not a did:key (did:key:<multibase>).")
    return segments[0]
