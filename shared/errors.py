"""One error hierarchy for every service.

Each error carries a stable ``code`` (the spec's error code where a spec defines one),
an HTTP status and a message a person understands. The web layer (shared.web) turns them
into JSON or HTML; nothing here knows about FastAPI.
"""

from __future__ import annotations

import math


class CredstackError(Exception):
    """Base of every error credstack raises on purpose."""

    code: str = "server_error"
    status_code: int = 500

    def __init__(
        self, description: str, *, code: str | None = None, status_code: int | None = None
    ):
        super().__init__(description)
        self.description = description
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code

    def to_dict(self) -> dict[str, str]:
        return {"error": self.code, "error_description": self.description}

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer must carry (``Retry-After``, say); the web layer adds them."""
        return {}


class RetryLater(CredstackError):
    """Refused for now (429, too many requests or attempts); ``Retry-After`` says in how
    many seconds to try again."""

    status_code = 429

    def __init__(self, description: str, retry_after_seconds: int) -> None:
        super().__init__(description)
        self.retry_after_seconds = retry_after_seconds

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


def duration_in_words(seconds: int) -> str:
    """``"40 seconds"``, ``"2 minutes"``, ``"1 hour"``: a wait, rounded up, for a sentence."""
    for unit, length in (("hour", 3600), ("minute", 60)):
        if seconds >= length:
            count = math.ceil(seconds / length)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


class ConfigurationError(CredstackError):
    """The service cannot start as configured (for example, no key-encryption key in production)."""

    code = "configuration_error"


class InvalidInput(CredstackError):
    code = "invalid_request"
    status_code = 400


class NotFound(CredstackError):
    code = "not_found"
    status_code = 404


class Unauthorized(CredstackError):
    code = "unauthorized"
    status_code = 401


class Forbidden(CredstackError):
    code = "forbidden"
    status_code = 403


class Conflict(CredstackError):
    code = "conflict"
    status_code = 409


class ProtocolError(CredstackError):
    """An error whose ``code`` is defined by a protocol spec (OAuth, OpenID4VCI, OpenID4VP)."""

    status_code = 400


class CryptoError(CredstackError):
    """A key could not be generated, decrypted or used."""

    code = "crypto_error"


class VerificationFailed(CredstackError):
    """A signature, proof or binding did not verify."""

    code = "verification_failed"
    status_code = 400


class DIDResolutionError(CredstackError):
    code = "did_resolution_failed"
    status_code = 400


class UnsafeURL(CredstackError):
    """An outbound URL was refused by the private-network guard or the transport limits."""

    code = "unsafe_url"
    status_code = 400


class FetchFailed(CredstackError):
    """An outbound fetch failed (timeout, too large, too many redirects, bad status)."""

    code = "fetch_failed"
    status_code = 502
