"""did:key for Ed25519 and P-256: spec vectors, round trips, documents and refusals."""

from __future__ import annotations

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from shared.crypto.didkit_bridge import key_to_did_key
from shared.crypto.keys import KeyAlgorithm, generate_key
from shared.crypto.public_keys import public_jwk_from_bytes
from shared.did.key import (
    did_key_document,
    did_key_from_jwk,
    did_key_to_jwk,
    did_key_verification_method_id,
)
from shared.errors import CryptoError, DIDResolutionError

ZERO_SEED_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
P256_DID = "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv"
P256_X = "igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns"


def test_ed25519_vector_from_a_zero_seed() -> None:
    """Spec vector: the Ed25519 key of 32 zero bytes of seed."""
    seed_key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(32))
    public = public_jwk_from_bytes(KeyAlgorithm.ED25519, seed_key.public_key().public_bytes_raw())
    assert did_key_from_jwk(public) == ZERO_SEED_DID
    assert did_key_to_jwk(ZERO_SEED_DID) == public


def test_p256_vector() -> None:
    public = did_key_to_jwk(P256_DID)
    assert public["kty"] == "EC"
    assert public["crv"] == "P-256"
    assert public["x"] == P256_X
    assert did_key_from_jwk(public) == P256_DID


@pytest.mark.parametrize(
    ("algorithm", "prefix"),
    [(KeyAlgorithm.ED25519, "did:key:z6Mk"), (KeyAlgorithm.P256, "did:key:zDn")],
)
def test_round_trip(algorithm: KeyAlgorithm, prefix: str) -> None:
    public = generate_key(algorithm).public_jwk()
    did = did_key_from_jwk(public)
    assert did.startswith(prefix)
    assert did_key_to_jwk(did) == public


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_didkit_derives_the_same_did(algorithm: KeyAlgorithm) -> None:
    """Interop: didkit (spruceid/ssi) computes the same did:key for the same key."""
    key = generate_key(algorithm)
    assert did_key_from_jwk(key.public_jwk()) == key_to_did_key(key)


def test_ed25519_document() -> None:
    document = did_key_document(ZERO_SEED_DID)
    vm_id = f"{ZERO_SEED_DID}#{ZERO_SEED_DID.removeprefix('did:key:')}"
    assert document["id"] == ZERO_SEED_DID
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",
    ]
    assert document["verificationMethod"] == [
        {
            "id": vm_id,
            "type": "Ed25519VerificationKey2020",
            "controller": ZERO_SEED_DID,
            "publicKeyMultibase": ZERO_SEED_DID.removeprefix("did:key:"),
        }
    ]
    for relationship in (
        "authentication",
        "assertionMethod",
        "capabilityInvocation",
        "capabilityDelegation",
    ):
        assert document[relationship] == [vm_id]
    assert "keyAgreement" not in document


def test_p256_document_uses_json_web_key_2020() -> None:
    document = did_key_document(P256_DID)
    (method,) = document["verificationMethod"]
    assert method["id"] == did_key_verification_method_id(P256_DID)
    assert method["id"] == f"{P256_DID}#{P256_DID.removeprefix('did:key:')}"
    assert method["type"] == "JsonWebKey2020"
    assert method["publicKeyJwk"] == did_key_to_jwk(P256_DID)
    assert "https://w3id.org/security/suites/jws-2020/v1" in document["@context"]


def test_version_segment_is_accepted() -> None:
    assert did_key_to_jwk("did:key:1:" + P256_DID.removeprefix("did:key:")) == did_key_to_jwk(
        P256_DID
    )


def multibase(data: bytes) -> str:
    return "did:key:z" + base58.b58encode(data).decode()


@pytest.mark.parametrize(
    ("did", "reason"),
    [
        ("did:web:example.com", "invalidDid"),
        ("did:key:", "invalidDid"),
        ("did:key:2:" + P256_DID.removeprefix("did:key:"), "invalidDid"),
        ("did:key:" + "f" + P256_DID.removeprefix("did:key:z"), "invalidDid"),
        ("did:key:z0OIl", "invalidDid"),
        (multibase(b"\xed\x01" + bytes(range(1, 32))), "invalidPublicKeyLength"),
        (multibase(b"\xed\x01" + bytes(range(1, 34))), "invalidPublicKeyLength"),
        (multibase(b"\x80\x24" + b"\x02" + bytes(range(1, 32))), "invalidPublicKeyLength"),
        (multibase(b"\x80\x24" + b"\x02" + (1).to_bytes(32, "big")), "invalidPublicKey"),
        (multibase(b"\x80\x24" + b"\x05" + bytes(range(1, 33))), "invalidPublicKey"),
        (multibase(b"\xed\x01" + (2).to_bytes(32, "little")), "invalidPublicKey"),
        (multibase(b"\x81\x24" + bytes(49)), "invalidPublicKeyType"),
        (multibase(b"\xe7\x01" + bytes(33)), "invalidPublicKeyType"),
        (multibase(b"\xff\xff"), "invalidDid"),
    ],
)
def test_bad_did_keys_are_refused_with_the_resolution_error(did: str, reason: str) -> None:
    with pytest.raises(DIDResolutionError, match=f"\\({reason}\\)"):
        did_key_document(did)


def test_encoding_refuses_a_private_jwk() -> None:
    with pytest.raises(CryptoError, match="private key material"):
        did_key_from_jwk({**generate_key().public_jwk(), "d": "secret"})
