"""did:jwk: round trips, the #0 document, use-dependent relationships, private keys refused."""

from __future__ import annotations

import json

import pytest

from shared.crypto.b64url import b64url_encode
from shared.crypto.keys import KeyAlgorithm, generate_key
from shared.did.jwk import did_jwk_document, did_jwk_from_jwk, did_jwk_to_jwk
from shared.errors import CryptoError, DIDResolutionError


def did_jwk_of(value: object) -> str:
    return "did:jwk:" + b64url_encode(json.dumps(value).encode())


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_round_trip(algorithm: KeyAlgorithm) -> None:
    public = generate_key(algorithm).public_jwk()
    did = did_jwk_from_jwk(public)
    assert did.startswith("did:jwk:eyJ")
    assert did_jwk_to_jwk(did) == public
    assert did_jwk_from_jwk(dict(reversed(list(public.items())))) == did  # member order is fixed


def test_a_did_jwk_written_elsewhere_resolves_as_written() -> None:
    """Another wallet's member order and spacing are kept: the DID is never re-derived."""
    public = generate_key(KeyAlgorithm.P256).public_jwk()
    theirs = did_jwk_of({"y": public["y"], "x": public["x"], "kty": "EC", "crv": "P-256"})
    document = did_jwk_document(theirs)
    assert document["id"] == theirs
    assert document["verificationMethod"][0]["id"] == theirs + "#0"
    assert document["verificationMethod"][0]["publicKeyJwk"] == public


def test_document_shape() -> None:
    did = did_jwk_from_jwk({**generate_key().public_jwk(), "kid": "ignored"})
    document = did_jwk_document(did)
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/suites/jws-2020/v1",
    ]
    (method,) = document["verificationMethod"]
    assert method["id"] == f"{did}#0"
    assert method["type"] == "JsonWebKey2020"
    assert method["controller"] == did
    assert "kid" not in method["publicKeyJwk"]
    for relationship in (
        "assertionMethod",
        "authentication",
        "capabilityInvocation",
        "capabilityDelegation",
        "keyAgreement",
    ):
        assert document[relationship] == [f"{did}#0"]


def test_use_sig_omits_key_agreement() -> None:
    document = did_jwk_document(did_jwk_from_jwk({**generate_key().public_jwk(), "use": "sig"}))
    assert "keyAgreement" not in document
    assert "assertionMethod" in document


def test_use_enc_lists_only_key_agreement() -> None:
    public = {**generate_key(KeyAlgorithm.P256).public_jwk(), "use": "enc"}
    document = did_jwk_document(did_jwk_from_jwk(public))
    relationships = {"assertionMethod", "authentication", "keyAgreement"} & set(document)
    assert relationships == {"keyAgreement"}


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_private_jwk_is_refused_without_echoing_it(algorithm: KeyAlgorithm) -> None:
    private = json.loads(generate_key(algorithm).private_jwk_json())
    did = did_jwk_of(private)
    with pytest.raises(DIDResolutionError, match="public key, not a private one") as caught:
        did_jwk_document(did)
    assert private["d"] not in str(caught.value)
    assert did.removeprefix("did:jwk:") not in str(caught.value)
    with pytest.raises(CryptoError, match="private key material"):
        did_jwk_from_jwk(private)


@pytest.mark.parametrize(
    ("did", "reason"),
    [
        ("did:jwk:", "invalidDid"),
        ("did:jwk:not+base64", "invalidDid"),
        ("did:jwk:" + b64url_encode(b"[1, 2]"), "invalidDid"),
        ("did:jwk:" + b64url_encode(b"{"), "invalidDid"),
        (did_jwk_of({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}), "invalidPublicKeyType"),
        (did_jwk_of({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}), "invalidPublicKeyLength"),
        (did_jwk_of({"kty": "oct", "k": "c2VjcmV0"}), "invalidDid"),
    ],
)
def test_bad_did_jwks_are_refused(did: str, reason: str) -> None:
    with pytest.raises(DIDResolutionError, match=f"\\({reason}\\)"):
        did_jwk_document(did)
