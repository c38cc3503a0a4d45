"""The error codes of OAuth 2.0 (RFC 6749 §5.2, RFC 6750 §3.1) and OpenID4VCI 1.0 (§8.3.1.2,
§11.3) that the issuer answers with, and the draft-13 habit of handing out a nonce with them.
"""

from __future__ import annotations

from typing import Any

from shared.errors import ProtocolError

# Token endpoint
INVALID_REQUEST = "invalid_request"
INVALID_GRANT = "invalid_grant"
UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
# Protected resources (credential and notification endpoints)
INVALID_TOKEN = "invalid_token"  # noqa: S105 (an error code)
# Credential endpoint
INVALID_CREDENTIAL_REQUEST = "invalid_credential_request"
UNKNOWN_CREDENTIAL_CONFIGURATION = "unknown_credential_configuration"
UNKNOWN_CREDENTIAL_IDENTIFIER = "unknown_credential_identifier"
INVALID_PROOF = "invalid_proof"
INVALID_NONCE = "invalid_nonce"
INVALID_ENCRYPTION_PARAMETERS = "invalid_encryption_parameters"
CREDENTIAL_REQUEST_DENIED = "credential_request_denied"
# Draft 13 names for what 1.0 calls unknown_credential_configuration
UNSUPPORTED_CREDENTIAL_FORMAT = "unsupported_credential_format"
UNSUPPORTED_CREDENTIAL_TYPE = "unsupported_credential_type"
# Notification endpoint
INVALID_NOTIFICATION_ID = "invalid_notification_id"
INVALID_NOTIFICATION_REQUEST = "invalid_notification_request"


def invalid_token(description: str) -> ProtocolError:
    """401 with ``WWW-Authenticate: Bearer error="invalid_token"`` (added by shared.web)."""
    return ProtocolError(description, code=INVALID_TOKEN, status_code=401)


class ErrorWithNonce(ProtocolError):
    """A credential error that also hands out a fresh ``c_nonce`` (draft 13 §7.3.2), so that a
    draft-13 wallet, which has no nonce endpoint to call, can sign a new proof and retry."""

    def __init__(self, error: ProtocolError, c_nonce: str, expires_in: int) -> None:
        super().__init__(error.description, code=error.code, status_code=error.status_code)
        self.c_nonce = c_nonce
        self.expires_in = expires_in

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "c_nonce": self.c_nonce, "c_nonce_expires_in": self.expires_in}
