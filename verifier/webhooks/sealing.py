"""Webhook secrets at rest: sealed under the key-encryption key, bound to their endpoint.

The secret must be readable to sign each delivery, so a hash will not do. The AES-GCM
associated data names the endpoint and its organisation: a sealed secret copied onto another
endpoint does not open.
"""

from __future__ import annotations

from shared.crypto.encryption import SealedText

_SECRET = SealedText(
    "credstack/webhook-secret/v1",
    "The endpoint's signing secret could not be decrypted: wrong key-encryption key, or the "
    "secret does not belong to this endpoint.",
)


def seal_secret(secret: str, kek: bytes, *, endpoint_id: str, organisation_id: str) -> bytes:
    return _SECRET.seal(secret, kek, endpoint_id, organisation_id)


def open_secret(blob: bytes, kek: bytes, *, endpoint_id: str, organisation_id: str) -> str:
    return _SECRET.open(blob, kek, endpoint_id, organisation_id)
