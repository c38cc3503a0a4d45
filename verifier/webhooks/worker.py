"""The background worker that posts queued deliveries, one per verifier process.

Each round it claims due deliveries (a conditional UPDATE with a lease, so two workers,
in one process or on two replicas, never hold one delivery at once), posts each through
the guarded client, logs the attempt, and either marks the delivery done or schedules the
next try with exponential backoff, until ``max_attempts`` are spent. A worker that dies
mid-delivery leaves a lease that runs out; another worker then claims the delivery again.
Delivery is therefore at least once: a worker that posted but died before recording it
causes one repeat, which receivers drop by ``Credstack-Event-Id``.

Start and stop it with the app: ``async with run_webhook_worker(runtime): ...``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import utcnow
from shared.db import session_scope
from shared.errors import CredstackError
from shared.outbox import OutboxOptions, OutboxWorker, running
from shared.runtime import ServiceRuntime
from verifier.webhooks import repository
from verifier.webhooks.repository import DELIVERED, FAILED, PENDING, Claimed
from verifier.webhooks.sealing import open_secret
from verifier.webhooks.signature import EVENT_ID_HEADER, SIGNATURE_HEADER, signature_header

log = logging.getLogger(__name__)


# The outbox's options: attempts, backoff (30 s, then 60, 120, ...), lease, poll, batch.
WebhookOptions = OutboxOptions


@dataclass(frozen=True)
class Outcome:
    http_status: int | None
    error: str | None  # None: the receiver accepted it

    @property
    def delivered(self) -> bool:
        return self.error is None


class WebhookWorker(OutboxWorker[Claimed]):
    name = "webhook worker"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        kek: bytes,
        options: WebhookOptions | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(sessions, repository.OUTBOX, options or WebhookOptions(), clock=clock)
        self._http = http
        self._kek = kek

    async def claimed(self, session: AsyncSession, token: str) -> list[Claimed]:
        return await repository.claimed(session, token)

    def label(self, claim: Claimed) -> str:
        return f"webhook delivery {claim.delivery_id}"

    async def deliver(self, delivery: Claimed) -> None:
        attempted_at = self._clock()
        if delivery.attempt > self._options.max_attempts:
            # Its last attempt was claimed by a worker that died before recording it.
            outcome = Outcome(None, f"Gave up after {self._options.max_attempts} attempts.")
        elif not delivery.endpoint_live:
            outcome = Outcome(None, "Not sent: the endpoint was disabled or removed.")
        else:
            outcome = await self._post(delivery)
        await self._record(delivery, attempted_at, outcome)

    async def _post(self, delivery: Claimed) -> Outcome:
        try:
            secret = open_secret(
                delivery.secret_sealed,
                self._kek,
                endpoint_id=delivery.endpoint_id,
                organisation_id=delivery.organisation_id,
            )
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: signature_header(secret, delivery.body, int(time.time())),
                EVENT_ID_HEADER: delivery.event_id,
            }
            # No redirects: a webhook is posted where the employer said, nowhere else.
            response = await self._http.post(
                delivery.url,
                content=delivery.body.encode(),
                headers=headers,
                follow_redirects=False,
            )
            await response.aclose()
        except CredstackError as exc:  # refused by the guard, or the fetch failed: in words
            return Outcome(None, exc.description)
        if 200 <= response.status_code < 300:
            return Outcome(response.status_code, None)
        reason = f" {response.reason_phrase}" if response.reason_phrase else ""
        return Outcome(
            response.status_code, f"The receiver answered {response.status_code}{reason}."
        )

    async def _record(self, delivery: Claimed, attempted_at: datetime, outcome: Outcome) -> None:
        if outcome.delivered:
            state, next_at = DELIVERED, None
        elif delivery.attempt >= self._options.max_attempts or not delivery.endpoint_live:
            state, next_at = FAILED, None
        else:
            state, next_at = PENDING, attempted_at + self._options.delay_after(delivery.attempt)
        async with session_scope(self._sessions) as session:
            await repository.record_attempt(
                session,
                delivery.delivery_id,
                at=attempted_at,
                http_status=outcome.http_status,
                error=outcome.error,
            )
            settled = await repository.OUTBOX.settle(
                session,
                delivery.delivery_id,
                delivery.claim_token,
                state=state,
                next_attempt_at=next_at,
                now=self._clock(),
            )
        if not settled:
            log.warning("webhook delivery %s: lease lost to another worker", delivery.delivery_id)
        elif state == FAILED:
            log.warning(
                "webhook delivery %s failed for good: %s", delivery.delivery_id, outcome.error
            )


@asynccontextmanager
async def run_webhook_worker(
    runtime: ServiceRuntime, options: WebhookOptions | None = None
) -> AsyncIterator[WebhookWorker]:
    """Run a worker in the background for the duration of the block (the app's lifespan).

    On exit the worker stops; a delivery it was posting is abandoned and, once its lease
    runs out, taken up by another worker.
    """
    worker = WebhookWorker(runtime.sessions, runtime.http, runtime.key_encryption_key, options)
    async with running(worker):
        yield worker
