"""Secrets at rest (private JWKs, wallet contents): AES-256-GCM under the service's
key-encryption key (KEK).

Each ciphertext is bound to its row through the associated data (owner, key id,
algorithm): a ciphertext copied into another row, or onto another owner, no longer
decrypts, so write access to the table cannot reassign a key. Blob layout:
``version (1 byte) ‖ nonce (12 bytes, random) ‖ ciphertext ‖ tag (16 bytes)``.

``kek_id`` names a KEK without revealing it, so each row records which KEK sealed it and
a wrong or rotated KEK is reported as such rather than as corruption.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.crypto.keys import KeyAlgorithm, PrivateKey, private_key_from_jwk
from shared.errors import CryptoError
from shared.settings import KEK_BYTES

NONCE_BYTES = 12
_VERSION = b"\x01"
_AD_LABEL = "credstack/private-jwk/v1"
_KEK_ID_LABEL = b"credstack/kek-id/v1\x00"


@dataclass(frozen=True)
class KeyBinding:
    """The row a ciphertext belongs to; it goes into the AES-GCM associated data."""

    owner: str
    key_id: str
    algorithm: KeyAlgorithm

    def associated_data(self) -> bytes:
        return binding_data(_AD_LABEL, self.owner, self.key_id, self.algorithm.value)


def kek_id(kek: bytes) -> str:
    """16 hex characters of a domain-separated SHA-256 of the KEK: safe to store and log."""
    _check_kek(kek)
    return hashlib.sha256(_KEK_ID_LABEL + kek).hexdigest()[:16]


def seal(plaintext: bytes, kek: bytes, associated_data: bytes) -> bytes:
    """AES-256-GCM under the KEK: ``version ‖ nonce ‖ ciphertext ‖ tag``.

    ``associated_data`` binds the ciphertext to where it is stored (build it with
    ``binding_data``), so it cannot be moved to another record or owner.
    """
    _check_kek(kek)
    nonce = secrets.token_bytes(NONCE_BYTES)
    return _VERSION + nonce + AESGCM(kek).encrypt(nonce, plaintext, associated_data)


def unseal(blob: bytes, kek: bytes, associated_data: bytes) -> bytes | None:
    """The plaintext of ``seal``, or None when the KEK or the binding does not match."""
    _check_kek(kek)
    if not blob.startswith(_VERSION) or len(blob) <= len(_VERSION) + NONCE_BYTES:
        return None
    nonce = blob[len(_VERSION) : len(_VERSION) + NONCE_BYTES]
    try:
        return AESGCM(kek).decrypt(nonce, blob[len(_VERSION) + NONCE_BYTES :], associated_data)
    except InvalidTag:
        return None


def binding_data(*fields: str) -> bytes:
    """Associated data from labelled fields; a JSON array is unambiguous where plain
    concatenation is not ("a|b" + "c")."""
    return json.dumps(list(fields), separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class SealedText:
    """A kind of short secret kept at rest (a webhook's signing secret, an e-mailed offer's
    token): sealed under the KEK with ``label`` and the fields naming its record as the
    associated data, so a sealed value copied onto another record does not open."""

    label: str
    failure: str  # the CryptoError's words when a value does not open

    def seal(self, text: str, kek: bytes, *fields: str) -> bytes:
        return seal(text.encode(), kek, binding_data(self.label, *fields))

    def open(self, blob: bytes, kek: bytes, *fields: str) -> str:
        plaintext = unseal(blob, kek, binding_data(self.label, *fields))
        if plaintext is None:
            raise CryptoError(self.failure)
        return plaintext.decode()


def encrypt_private_key(key: PrivateKey, kek: bytes, binding: KeyBinding) -> bytes:
    if key.algorithm is not binding.algorithm:
        raise CryptoError(
            f"The key is {key.algorithm.value} but its record says {binding.algorithm.value}."
        )
    return seal(key.private_jwk_json().encode("utf-8"), kek, binding.associated_data())


def decrypt_private_key(blob: bytes, kek: bytes, binding: KeyBinding) -> PrivateKey:
    """The key sealed in ``blob``; ``CryptoError`` naming only the key id if it fails."""
    failure = CryptoError(
        f"Stored key {binding.key_id} could not be decrypted: wrong key-encryption key, "
        "or the ciphertext does not belong to this record."
    )
    plaintext = unseal(blob, kek, binding.associated_data())
    if plaintext is None:
        raise failure
    try:
        key = private_key_from_jwk(plaintext.decode("utf-8"))
    except (CryptoError, UnicodeDecodeError):
        raise failure from None
    if key.algorithm is not binding.algorithm:
        raise failure
    return key


def _check_kek(kek: bytes) -> None:
    if len(kek) != KEK_BYTES:
        raise CryptoError(f"The key-encryption key must be {KEK_BYTES} bytes, not {len(kek)}.")
