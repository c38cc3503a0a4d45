"""DID Resolution error names (``invalidDid``, ``invalidPublicKeyLength``…) on our one error type.

The API code of every resolution failure stays ``did_resolution_failed``; the resolution
spec's own error name ends the message, where logs, tests and verifier reports can see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shared.crypto.public_keys import InvalidPublicKey
from shared.errors import DIDResolutionError

INVALID_DID = "invalidDid"
INVALID_DID_URL = "invalidDidUrl"
METHOD_NOT_SUPPORTED = "methodNotSupported"
NOT_FOUND = "notFound"
INVALID_DOCUMENT = "invalidDidDocument"
INVALID_PUBLIC_KEY_TYPE = "invalidPublicKeyType"


def resolution_error(error: str, message: str) -> DIDResolutionError:
    return DIDResolutionError(f"{message} ({error})")


@contextmanager
def public_key_errors(subject: str) -> Iterator[None]:
    """Report a key refused by shared.crypto as a resolution error about ``subject``."""
    try:
        yield
    except InvalidPublicKey as exc:
        raise resolution_error(exc.reason, f"{subject}: {exc.description}") from exc
