"""The SQL of webhooks: endpoints, the outbox of deliveries, and the delivery log.

Deliveries are claimed, leased and settled by ``shared.outbox`` (``OUTBOX``); this module
says what a claimed delivery carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Exists, Table, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import insert_or_on_conflict
from shared.outbox import OutboxTable
from verifier.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"

_DELIVERIES: Table = WebhookDelivery.__table__  # type: ignore[assignment]
_ENDPOINTS: Table = WebhookEndpoint.__table__  # type: ignore[assignment]
OUTBOX = OutboxTable(_DELIVERIES, pending=PENDING)


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds until ``lease_expires_at``, with where it goes."""

    delivery_id: str
    event_id: str
    body: str
    attempt: int  # this attempt's number, 1 for the first
    claim_token: str
    endpoint_id: str
    organisation_id: str
    url: str
    secret_sealed: bytes
    endpoint_live: bool  # enabled and not removed


# -- endpoints -------------------------------------------------------------------------------


async def endpoints_of(session: AsyncSession, organisation_id: str) -> Sequence[WebhookEndpoint]:
    rows = await session.scalars(
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.organisation_id == organisation_id,
            WebhookEndpoint.removed_at.is_(None),
        )
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return rows.all()


async def endpoint_of(
    session: AsyncSession, organisation_id: str, endpoint_id: str
) -> WebhookEndpoint | None:
    endpoint: WebhookEndpoint | None = await session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.organisation_id == organisation_id,
            WebhookEndpoint.removed_at.is_(None),
        )
    )
    return endpoint


def has_enabled_endpoint(organisation_id: ColumnElement[str]) -> Exists:
    """SQL: the organisation ``organisation_id`` names has an endpoint results go to (what
    ``enabled_endpoints`` would return), for a query that asks it beside other things."""
    endpoints = _ENDPOINTS.c  # the table's columns: the query stays a Core one, no ORM
    return exists().where(
        endpoints.organisation_id == organisation_id,
        endpoints.removed_at.is_(None),
        endpoints.enabled.is_(True),
    )


async def enabled_endpoints(
    session: AsyncSession, organisation_id: str
) -> Sequence[WebhookEndpoint]:
    return [
        endpoint for endpoint in await endpoints_of(session, organisation_id) if endpoint.enabled
    ]


# -- the outbox ------------------------------------------------------------------------------


async def add_delivery(session: AsyncSession, values: dict[str, object]) -> None:
    """Insert one delivery unless this request already has one for this endpoint: a result
    announced twice is still delivered once."""
    await session.execute(
        insert_or_on_conflict(session, WebhookDelivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["request_id", "endpoint_id"])
    )


async def claimed(session: AsyncSession, token: str) -> list[Claimed]:
    rows = await session.execute(
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.claim_token == token, WebhookDelivery.state == PENDING)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    )
    return [
        Claimed(
            delivery_id=delivery.id,
            event_id=delivery.event_id,
            body=delivery.body,
            attempt=delivery.attempts,
            claim_token=token,
            endpoint_id=endpoint.id,
            organisation_id=endpoint.organisation_id,
            url=endpoint.url,
            secret_sealed=endpoint.secret_sealed,
            endpoint_live=endpoint.enabled and endpoint.removed_at is None,
        )
        for delivery, endpoint in rows.all()
    ]


async def record_attempt(
    session: AsyncSession,
    delivery_id: str,
    *,
    at: datetime,
    http_status: int | None,
    error: str | None,
) -> None:
    session.add(
        WebhookAttempt(
            delivery_id=delivery_id, attempted_at=at, http_status=http_status, error=error
        )
    )
    await session.flush()


# -- the log ---------------------------------------------------------------------------------


async def deliveries_for_request(
    session: AsyncSession, organisation_id: str, request_id: str
) -> list[tuple[WebhookDelivery, WebhookEndpoint, list[WebhookAttempt]]]:
    result = await session.execute(
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.request_id == request_id,
            WebhookEndpoint.organisation_id == organisation_id,
        )
        .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
    )
    rows = [(delivery, endpoint) for delivery, endpoint in result.all()]
    attempts = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_([delivery.id for delivery, _ in rows]))
        .order_by(WebhookAttempt.id)
    )
    by_delivery: dict[str, list[WebhookAttempt]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
    return [(delivery, endpoint, by_delivery.get(delivery.id, [])) for delivery, endpoint in rows]
