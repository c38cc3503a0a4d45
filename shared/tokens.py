"""Random secrets and how they are stored: codes, nonces and tokens are kept only as hashes.

A SHA-256 of a 256-bit random value is safe to store and to look up by; a database dump then
holds nothing a thief could present. Low-entropy values (PINs) are not: a million SHA-256s
undo any 6-digit PIN, so they are stored as ``keyed_digest`` under a ``purpose_key`` of the
KEK, compared in constant time, and protected by attempt limits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32


def new_token(nbytes: int = TOKEN_BYTES) -> str:
    """A URL-safe random token (``[A-Za-z0-9_-]``, as OpenID4VP nonces require)."""
    return secrets.token_urlsafe(nbytes)


def new_pin(length: int = 6) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def same_secret(given: str, expected_hash: str) -> bool:
    return hmac.compare_digest(token_hash(given), expected_hash)


def purpose_key(kek: bytes, label: bytes) -> bytes:
    """A key for one purpose, derived from the key-encryption key (HMAC-SHA256 of the
    purpose's label): a MAC made for one purpose never checks for another, and the KEK
    itself never keys a MAC."""
    return hmac.new(kek, label, hashlib.sha256).digest()


def keyed_digest(key: bytes, value: str) -> bytes:
    """HMAC-SHA256 of ``value`` under ``key`` (one made by ``purpose_key``)."""
    return hmac.new(key, value.encode(), hashlib.sha256).digest()
