"""Public keys between JWKs and the raw bytes DID methods carry, and the checks guarding them."""

from __future__ import annotations

import json

import pytest

from shared.crypto.b64url import b64url_decode, b64url_encode
from shared.crypto.keys import KeyAlgorithm, generate_key
from shared.crypto.public_keys import (
    InvalidPublicKey,
    checked_public_jwk,
    public_jwk_from_bytes,
    public_key_bytes,
)

P256_VECTOR = {
    "kty": "EC",
    "crv": "P-256",
    "x": "igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns",
    "y": "efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM",
}


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_bytes_round_trip(algorithm: KeyAlgorithm) -> None:
    public = generate_key(algorithm).public_jwk()
    raw = public_key_bytes(public)
    assert len(raw) == {KeyAlgorithm.ED25519: 32, KeyAlgorithm.P256: 33}[algorithm]
    assert public_jwk_from_bytes(algorithm, raw) == public


def test_p256_compression_keeps_the_y_parity() -> None:
    raw = public_key_bytes(P256_VECTOR)
    assert raw[0] == 2 + (b64url_decode(P256_VECTOR["y"])[-1] & 1)
    assert raw[1:] == b64url_decode(P256_VECTOR["x"])


@pytest.mark.parametrize(
    ("algorithm", "data", "reason"),
    [
        (KeyAlgorithm.ED25519, b"\x01" * 31, "invalidPublicKeyLength"),
        (KeyAlgorithm.ED25519, b"\x01" * 33, "invalidPublicKeyLength"),
        # y = 2 has no x on edwards25519 (x² is not a square).
        (KeyAlgorithm.ED25519, (2).to_bytes(32, "little"), "invalidPublicKey"),
        # The identity, and a point of order 8: signatures would verify for any message.
        (KeyAlgorithm.ED25519, (1).to_bytes(32, "little"), "invalidPublicKey"),
        (
            KeyAlgorithm.ED25519,
            bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
            "invalidPublicKey",
        ),
        # y ≥ p is a non-canonical encoding.
        (KeyAlgorithm.ED25519, (2**255 - 1).to_bytes(32, "little"), "invalidPublicKey"),
        (KeyAlgorithm.P256, b"\x02" + b"\x01" * 31, "invalidPublicKeyLength"),
        (KeyAlgorithm.P256, b"\x04" + b"\x01" * 32, "invalidPublicKey"),
        # x = 1: x³ - 3x + b is not a square mod p, so no P-256 point has this x.
        (KeyAlgorithm.P256, b"\x02" + (1).to_bytes(32, "big"), "invalidPublicKey"),
    ],
)
def test_bad_key_bytes_are_refused(algorithm: KeyAlgorithm, data: bytes, reason: str) -> None:
    with pytest.raises(InvalidPublicKey) as caught:
        public_jwk_from_bytes(algorithm, data)
    assert caught.value.reason == reason


def test_p256_point_off_the_curve_is_refused() -> None:
    off_curve = dict(P256_VECTOR, y=b64url_encode(bytes(31) + b"\x07"))
    with pytest.raises(InvalidPublicKey, match="not on the curve"):
        checked_public_jwk(off_curve)


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_private_jwk_is_refused_without_echoing_it(algorithm: KeyAlgorithm) -> None:
    private = json.loads(generate_key(algorithm).private_jwk_json())
    with pytest.raises(InvalidPublicKey, match="private key material") as caught:
        checked_public_jwk(private)
    assert private["d"] not in str(caught.value)


@pytest.mark.parametrize(
    ("jwk", "reason"),
    [
        ({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}, "invalidPublicKeyType"),
        ({"kty": "oct", "k": "c2VjcmV0"}, "invalidPublicKey"),
        ({"kty": "OKP", "crv": "Ed25519"}, "invalidPublicKey"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "invalidPublicKeyLength"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "+/+/"}, "invalidPublicKey"),
    ],
)
def test_unusable_jwks_are_refused(jwk: dict[str, str], reason: str) -> None:
    with pytest.raises(InvalidPublicKey) as caught:
        checked_public_jwk(jwk)
    assert caught.value.reason == reason


def test_checked_public_jwk_keeps_only_public_members() -> None:
    assert checked_public_jwk({**P256_VECTOR, "kid": "k", "use": "sig"}) == P256_VECTOR


@pytest.mark.parametrize("text", ["ab=", "a+b", "a/b", "a b", "abcde"])
def test_b64url_decoding_is_strict(text: str) -> None:
    with pytest.raises(ValueError, match="base64url"):
        b64url_decode(text)
