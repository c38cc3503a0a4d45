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

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import utcnow
from shared.db import session_scope
from shared.errors import CredstackError
from shared.runtime import ServiceRuntime
from shared.tokens import new_token
from verifier.webhooks import repository
from verifier.webhooks.repository import DELIVERED, FAILED, PENDING, Claimed
from verifier.webhooks.sealing import open_secret
from verifier.webhooks.signature import EVENT_ID_HEADER, SIGNATURE_HEADER, signature_header

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookOptions:
    max_attempts: int = 10
    retry_base_seconds: float = 30.0  # then 60, 120, ... (doubling)
    retry_max_seconds: float = 6 * 3600.0
    # Longer than a whole fetch (the guarded client gives up after 10 s; a batch is posted
    # at once): a live worker's lease never runs out while it is still posting.
    lease_seconds: float = 60.0
    poll_seconds: float = 2.0
    batch_size: int = 20

    def delay_after(self, attempt: int) -> timedelta:
        seconds = self.retry_base_seconds * 2 ** (attempt - 1)
        return timedelta(seconds=min(seconds, self.retry_max_seconds))


@dataclass(frozen=True)
class Outcome:
    http_status: int | None
    error: str | None  # None: the receiver accepted it

    @property
    def delivered(self) -> bool:
        return self.error is None


class WebhookWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        kek: bytes,
        options: WebhookOptions | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._http = http
        self._kek = kek
        self._options = options or WebhookOptions()
        self._clock = clock

    async def run_once(self) -> int:
        """Claim what is due and deliver it; the number of deliveries attempted."""
        claimed = await self.claim()
        # All at once, not one after another: the batch's leases run out together, and
        # twenty slow receivers in a row would outlast them.
        outcomes = await asyncio.gather(
            *(self.deliver(delivery) for delivery in claimed), return_exceptions=True
        )
        for delivery, outcome in zip(claimed, outcomes, strict=True):
            if isinstance(outcome, Exception):
                log.error(
                    "webhook delivery %s not recorded; it is tried again when its lease runs out",
                    delivery.delivery_id,
                    exc_info=outcome,
                )
        return len(claimed)

    async def claim(self) -> list[Claimed]:
        """Take up to ``batch_size`` due deliveries for this worker, under a fresh lease."""
        now = self._clock()
        # Read in one transaction and write in another: on SQLite a read transaction that
        # then writes fails at once when another connection wrote meanwhile.
        async with session_scope(self._sessions) as session:
            due = await repository.due_deliveries(session, now, self._options.batch_size)
        if not due:
            return []
        token = new_token(16)
        lease_until = now + timedelta(seconds=self._options.lease_seconds)
        async with session_scope(self._sessions) as session:
            for delivery_id in due:
                await repository.claim(
                    session, delivery_id, token=token, now=now, lease_until=lease_until
                )
            return await repository.claimed(session, token)

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
            settled = await repository.settle(
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

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; a round's unexpected error is logged, not fatal."""
        while not stop.is_set():
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("webhook worker round failed; trying again")
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._options.poll_seconds)


@asynccontextmanager
async def run_webhook_worker(
    runtime: ServiceRuntime, options: WebhookOptions | None = None
) -> AsyncIterator[WebhookWorker]:
    """Run a worker in the background for the duration of the block (the app's lifespan).

    On exit the worker stops; a delivery it was posting is abandoned and, once its lease
    runs out, taken up by another worker.
    """
    worker = WebhookWorker(runtime.sessions, runtime.http, runtime.key_encryption_key, options)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop), name="webhook worker")
    try:
        yield worker
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=5)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
