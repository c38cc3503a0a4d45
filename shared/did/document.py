"""DID document shapes: writing verification methods and reading public keys back out.

The three methods build their documents from the same pieces, and the resolver reads every
verification-method type found in the wild (the did:key test vectors alone use three), so
both directions live here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import base58

from shared.crypto.keys import KeyAlgorithm
from shared.crypto.public_keys import (
    checked_public_jwk,
    public_jwk_from_bytes,
    public_key_algorithm,
)
from shared.did.errors import (
    INVALID_DOCUMENT,
    INVALID_PUBLIC_KEY_TYPE,
    public_key_errors,
    resolution_error,
)
from shared.did.multikey import decode_multikey, encode_multikey
from shared.errors import InvalidInput

DID_CONTEXT = "https://www.w3.org/ns/did/v1"

AUTHENTICATION = "authentication"
ASSERTION_METHOD = "assertionMethod"
CAPABILITY_INVOCATION = "capabilityInvocation"
CAPABILITY_DELEGATION = "capabilityDelegation"
KEY_AGREEMENT = "keyAgreement"
SIGNING_RELATIONSHIPS = (
    AUTHENTICATION,
    ASSERTION_METHOD,
    CAPABILITY_INVOCATION,
    CAPABILITY_DELEGATION,
)
RELATIONSHIPS = (*SIGNING_RELATIONSHIPS, KEY_AGREEMENT)


class VerificationMethodType(StrEnum):
    JSON_WEB_KEY_2020 = "JsonWebKey2020"
    MULTIKEY = "Multikey"
    ED25519_2020 = "Ed25519VerificationKey2020"
    ED25519_2018 = "Ed25519VerificationKey2018"  # read only: legacy, publicKeyBase58


CONTEXTS = {
    VerificationMethodType.JSON_WEB_KEY_2020: "https://w3id.org/security/suites/jws-2020/v1",
    VerificationMethodType.MULTIKEY: "https://w3id.org/security/multikey/v1",
    VerificationMethodType.ED25519_2020: "https://w3id.org/security/suites/ed25519-2020/v1",
    VerificationMethodType.ED25519_2018: "https://w3id.org/security/suites/ed25519-2018/v1",
}


def verification_method(
    vm_id: str, controller: str, public_jwk: Mapping[str, Any], vm_type: VerificationMethodType
) -> dict[str, Any]:
    """One verification method; the JWK is checked (public, supported, on the curve)."""
    method: dict[str, Any] = {"id": vm_id, "type": vm_type.value, "controller": controller}
    if vm_type is VerificationMethodType.JSON_WEB_KEY_2020:
        method["publicKeyJwk"] = checked_public_jwk(public_jwk)
    elif vm_type is VerificationMethodType.MULTIKEY or (
        vm_type is VerificationMethodType.ED25519_2020
        and public_key_algorithm(public_jwk) is KeyAlgorithm.ED25519
    ):
        method["publicKeyMultibase"] = encode_multikey(public_jwk)
    else:
        raise InvalidInput(
            f"{vm_type.value} cannot carry this key; use Multikey or JsonWebKey2020."
        )
    return method


def did_document(
    did: str, methods: Sequence[Mapping[str, Any]], relationships: Sequence[str]
) -> dict[str, Any]:
    """A document listing every method under each of ``relationships``, with its contexts."""
    contexts = [DID_CONTEXT]
    for method in methods:
        context = CONTEXTS[VerificationMethodType(method["type"])]
        if context not in contexts:
            contexts.append(context)
    document: dict[str, Any] = {
        "@context": contexts,
        "id": did,
        "verificationMethod": [dict(method) for method in methods],
    }
    for relationship in relationships:
        document[relationship] = [method["id"] for method in methods]
    return document


def absolute_did_url(reference: str, did: str) -> str:
    """``#key-1`` relative to ``did`` becomes ``did#key-1``; absolute URLs are kept."""
    return did + reference if reference.startswith("#") else reference


def find_verification_method(document: Mapping[str, Any], did_url: str) -> dict[str, Any] | None:
    """The method whose id is ``did_url`` (ids in the document may be relative).

    Methods embedded in a relationship instead of ``verificationMethod`` are found too.
    """
    did = str(document.get("id", ""))
    candidates = _methods(document.get("verificationMethod"))
    for name in RELATIONSHIPS:
        candidates.extend(_methods(document.get(name)))
    for method in candidates:
        if absolute_did_url(str(method.get("id", "")), did) == did_url:
            return dict(method)
    return None


def is_listed(document: Mapping[str, Any], did_url: str, relationship: str) -> bool:
    """Whether the method ``did_url`` may be used for ``relationship``.

    A credential key must be under ``assertionMethod``, a presentation or key-proof key
    under ``authentication``; entries are references or embedded methods.
    """
    did = str(document.get("id", ""))
    for entry in _entries(document.get(relationship)):
        reference = entry.get("id", "") if isinstance(entry, Mapping) else entry
        if isinstance(reference, str) and absolute_did_url(reference, did) == did_url:
            return True
    return False


def verification_method_jwk(method: Mapping[str, Any]) -> dict[str, str]:
    """The public JWK of a method, whatever member carries it; ``DIDResolutionError`` if none.

    ``publicKeyJwk`` (JsonWebKey2020), ``publicKeyMultibase`` (Multikey,
    Ed25519VerificationKey2020) and ``publicKeyBase58`` (Ed25519VerificationKey2018).
    """
    subject = f"Verification method {method.get('id')!r}"
    jwk, multibase, b58 = (
        method.get(member) for member in ("publicKeyJwk", "publicKeyMultibase", "publicKeyBase58")
    )
    with public_key_errors(subject):
        if isinstance(jwk, Mapping):
            return checked_public_jwk(jwk)
        if isinstance(multibase, str):
            return decode_multikey(multibase)
        if isinstance(b58, str) and method.get("type") == VerificationMethodType.ED25519_2018:
            try:
                raw = base58.b58decode(b58)
            except ValueError:
                raise resolution_error(INVALID_DOCUMENT, f"{subject}: bad base58") from None
            return public_jwk_from_bytes(KeyAlgorithm.ED25519, raw)
    raise resolution_error(
        INVALID_PUBLIC_KEY_TYPE,
        f"{subject} ({method.get('type')}) carries no public key credstack can read.",
    )


def _entries(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _methods(value: object) -> list[Mapping[str, Any]]:
    return [entry for entry in _entries(value) if isinstance(entry, Mapping)]
