"""Random secrets and how they are stored: codes, nonces and tokens are kept only as hashes.

A SHA-256 of a 256-bit random value is safe to store and to look up by; a database dump then
holds nothing a thief could present. Low-entropy values (PINs) are compared in constant time
and protected by attempt limits, not by the hash.
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
