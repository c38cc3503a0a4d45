"""What the OpenID4VCI endpoints read and write.

Requests are read leniently where the specs say to ignore what one does not know (unknown
members, the ``resource`` parameter wallets send to the token endpoint); responses carry
draft-13 members only when the request was in draft-13 style.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

SignedCredential = dict[str, Any] | str


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a scheme)
    expires_in: int
    # Draft 13 wallets take their first nonce from here; 1.0 wallets ignore both members.
    c_nonce: str
    c_nonce_expires_in: int


class NonceResponse(BaseModel):
    c_nonce: str


class ProofObject(BaseModel):
    """Draft 13's single ``proof`` member."""

    model_config = ConfigDict(extra="allow")

    proof_type: str
    jwt: Any = None


class CredentialRequestBody(BaseModel):
    """A credential request in 1.0 (``credential_configuration_id`` + ``proofs``) or draft-13
    (``format`` + ``credential_definition`` + ``proof``) style; unknown members are ignored."""

    model_config = ConfigDict(extra="allow")

    credential_configuration_id: str | None = None
    credential_identifier: str | None = None
    format: str | None = None
    credential_definition: dict[str, Any] | None = None
    proof: ProofObject | None = None
    proofs: dict[str, list[Any]] | None = None
    credential_response_encryption: dict[str, Any] | None = None


class IssuedCredentialItem(BaseModel):
    credential: SignedCredential


class CredentialResponse(BaseModel):
    """OpenID4VCI 1.0 §8.3."""

    credentials: list[IssuedCredentialItem]
    notification_id: str


class Draft13CredentialResponse(BaseModel):
    """Draft 13 §7.3: one credential, and the nonce for the next request."""

    credential: SignedCredential
    c_nonce: str
    c_nonce_expires_in: int
    notification_id: str


NotificationEvent = Literal["credential_accepted", "credential_failure", "credential_deleted"]


class NotificationRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    notification_id: str
    event: NotificationEvent
    event_description: str | None = None
