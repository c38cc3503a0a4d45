"""Private JWKs sealed with AES-GCM: round trip, wrong KEK, and a ciphertext moved between rows."""

from __future__ import annotations

import json
import secrets

import pytest

from shared.crypto.encryption import (
    KeyBinding,
    decrypt_private_key,
    encrypt_private_key,
    kek_id,
)
from shared.crypto.keys import KeyAlgorithm, generate_key
from shared.errors import CryptoError


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_round_trip(kek: bytes, algorithm: KeyAlgorithm) -> None:
    key = generate_key(algorithm)
    binding = KeyBinding("org-1", "key-1", algorithm)
    blob = encrypt_private_key(key, kek, binding)
    assert decrypt_private_key(blob, kek, binding).private_jwk_json() == key.private_jwk_json()


def test_each_encryption_uses_a_fresh_nonce(kek: bytes) -> None:
    key = generate_key()
    binding = KeyBinding("org-1", "key-1", key.algorithm)
    assert encrypt_private_key(key, kek, binding) != encrypt_private_key(key, kek, binding)


def test_ciphertext_hides_the_private_member(kek: bytes) -> None:
    key = generate_key()
    blob = encrypt_private_key(key, kek, KeyBinding("o", "k", key.algorithm))
    d = json.loads(key.private_jwk_json())["d"]
    assert d.encode() not in blob
    assert b'"d"' not in blob


def test_wrong_kek_fails_without_leaking(kek: bytes) -> None:
    key = generate_key()
    binding = KeyBinding("org-1", "key-1", key.algorithm)
    blob = encrypt_private_key(key, kek, binding)
    with pytest.raises(CryptoError, match="could not be decrypted") as caught:
        decrypt_private_key(blob, secrets.token_bytes(32), binding)
    d = json.loads(key.private_jwk_json())["d"]
    assert d not in str(caught.value)
    assert kek.hex() not in str(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    "moved_to",
    [
        KeyBinding("org-2", "key-1", KeyAlgorithm.ED25519),
        KeyBinding("org-1", "key-2", KeyAlgorithm.ED25519),
        KeyBinding("org-1", "key-1", KeyAlgorithm.P256),
    ],
    ids=["other-owner", "other-key-id", "other-algorithm"],
)
def test_ciphertext_moved_to_another_record_fails(kek: bytes, moved_to: KeyBinding) -> None:
    key = generate_key(KeyAlgorithm.ED25519)
    blob = encrypt_private_key(key, kek, KeyBinding("org-1", "key-1", KeyAlgorithm.ED25519))
    with pytest.raises(CryptoError, match="could not be decrypted"):
        decrypt_private_key(blob, kek, moved_to)


def test_ambiguous_fields_do_not_collide(kek: bytes) -> None:
    """("a:b", "c") and ("a", "b:c") are different records."""
    key = generate_key()
    blob = encrypt_private_key(key, kek, KeyBinding("a:b", "c", key.algorithm))
    with pytest.raises(CryptoError):
        decrypt_private_key(blob, kek, KeyBinding("a", "b:c", key.algorithm))


@pytest.mark.parametrize("mangle", [lambda b: b[:-1], lambda b: b[:5], lambda b: b"\x02" + b[1:]])
def test_truncated_or_unknown_blobs_fail(kek: bytes, mangle: object) -> None:
    key = generate_key()
    binding = KeyBinding("o", "k", key.algorithm)
    blob = encrypt_private_key(key, kek, binding)
    assert callable(mangle)
    with pytest.raises(CryptoError, match="could not be decrypted"):
        decrypt_private_key(mangle(blob), kek, binding)


def test_kek_must_be_32_bytes() -> None:
    key = generate_key()
    with pytest.raises(CryptoError, match="32 bytes, not 16"):
        encrypt_private_key(key, bytes(16), KeyBinding("o", "k", key.algorithm))


def test_kek_id_is_short_stable_and_reveals_nothing(kek: bytes) -> None:
    assert kek_id(kek) == kek_id(kek)
    assert len(kek_id(kek)) == 16
    assert kek_id(kek) != kek_id(secrets.token_bytes(32))
    assert kek_id(kek) not in kek.hex()
