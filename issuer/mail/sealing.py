"""The one secret of a queued message (the offer link's token, or the PIN), sealed under the
key-encryption key and bound to its message and award."""

from __future__ import annotations

from shared.crypto.encryption import SealedText

_SECRET = SealedText(
    "credstack/mail-secret/v1",
    "The message's offer could not be decrypted: wrong key-encryption key, or it does not "
    "belong to this message.",
)


def seal_secret(secret: str, kek: bytes, *, message_id: str, award_id: str) -> bytes:
    return _SECRET.seal(secret, kek, message_id, award_id)


def open_secret(blob: bytes, kek: bytes, *, message_id: str, award_id: str) -> str:
    return _SECRET.open(blob, kek, message_id, award_id)
