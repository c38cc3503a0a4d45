"""Webhook endpoints and the delivery log, as the API reads and writes them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.clock import as_utc
from verifier.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="Where results are posted (https).")
    description: str | None = Field(default=None, max_length=200)
    enabled: bool = True


class EndpointChange(BaseModel):
    """Only the members given change."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    description: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None


class EndpointOut(BaseModel):
    id: str
    url: str
    description: str | None
    enabled: bool
    created_at: datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> EndpointOut:
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            description=endpoint.description,
            enabled=endpoint.enabled,
            created_at=as_utc(endpoint.created_at),
        )


class EndpointCreated(EndpointOut):
    secret: str = Field(
        description="The signing secret. Shown this once: store it where your receiver can "
        "read it; it cannot be shown again."
    )


class AttemptOut(BaseModel):
    at: datetime
    http_status: int | None
    error: str | None

    @classmethod
    def of(cls, attempt: WebhookAttempt) -> AttemptOut:
        return cls(
            at=as_utc(attempt.attempted_at), http_status=attempt.http_status, error=attempt.error
        )


class DeliveryOut(BaseModel):
    event_id: str
    endpoint_id: str
    url: str
    state: str  # pending | delivered | failed
    next_attempt_at: datetime | None
    attempts: list[AttemptOut]

    @classmethod
    def of(
        cls, delivery: WebhookDelivery, endpoint: WebhookEndpoint, attempts: list[WebhookAttempt]
    ) -> DeliveryOut:
        pending = delivery.state == "pending"
        return cls(
            event_id=delivery.event_id,
            endpoint_id=endpoint.id,
            url=endpoint.url,
            state=delivery.state,
            next_attempt_at=as_utc(delivery.next_attempt_at) if pending else None,
            attempts=[AttemptOut.of(attempt) for attempt in attempts],
        )
