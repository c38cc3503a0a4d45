"""Webhook secrets at rest: sealed under the key-encryption key, bound to their endpoint.

The secret must be readable to sign each delivery, so a hash will not do. The AES-GCM
associated data names the endpoint and its organisation: a sealed secret copied onto another
endpoint does not open.
"""

from __future__ import annotations

from shared.crypto.encryption import binding_data, seal, unseal
from shared.errors import CryptoError

_LABEL = "credstack/webhook-secret/v1"


def seal_secret(secret: str, kek: bytes, *, endpoint_id: str, organisation_id: str) -> bytes:
    return seal(secret.encode(), kek, binding_data(_LABEL, endpoint_id, organisation_id))


def open_secret(blob: bytes, kek: bytes, *, endpoint_id: str, organisation_id: str) -> str:
    plaintext = unseal(blob, kek, binding_data(_LABEL, endpoint_id, organisation_id))
    if plaintext is None:
        raise CryptoError(
            "The endpoint's signing secret could not be decrypted: wrong key-encryption key, "
            "or the secret does not belong to this endpoint."
        )
    return plaintext.decode()
