"""A durable outbox: rows written in the caller's transaction, sent later by a worker that
claims each one under a lease, retries with exponential backoff and gives up after a while.

Used by the verifier's webhooks and the issuer's e-mail. The table needs the columns
``id``, ``state``, ``attempts``, ``next_attempt_at``, ``lease_expires_at``, ``claim_token``
and ``finished_at``; what a row carries and how it is sent belong to the service.

A row is claimed by one conditional UPDATE whose WHERE clause says "still pending, due, and
nobody's lease running"; only the worker whose UPDATE changed the row sends it. The database
decides between workers, on SQLite (one writer at a time) as on PostgreSQL (row locks, WHERE
re-checked under READ COMMITTED), in one process or across replicas. A worker that dies
mid-send leaves a lease that runs out; another worker then claims the row again, so sending
is at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import utcnow
from shared.db import session_scope
from shared.tokens import new_token

log = logging.getLogger(__name__)

Claim = TypeVar("Claim")


@dataclass(frozen=True)
class OutboxOptions:
    max_attempts: int = 10
    retry_base_seconds: float = 30.0  # then twice as long after each failure
    retry_max_seconds: float = 6 * 3600.0
    # Longer than a whole send: a live worker's lease never runs out while it is sending.
    lease_seconds: float = 60.0
    poll_seconds: float = 2.0
    batch_size: int = 20

    def delay_after(self, attempt: int) -> timedelta:
        seconds = self.retry_base_seconds * 2 ** (attempt - 1)
        return timedelta(seconds=min(seconds, self.retry_max_seconds))


class OutboxTable:
    """The claim, lease and settle SQL of one outbox table, whose pending state is
    ``pending`` (the state a row waits in until it is sent or given up)."""

    def __init__(self, table: Table, *, pending: str) -> None:
        self.table = table
        self.pending = pending

    def _due(self, now: datetime) -> tuple[ColumnElement[bool], ...]:
        c = self.table.c
        return (
            c.state == self.pending,
            c.next_attempt_at <= now,
            or_(c.lease_expires_at.is_(None), c.lease_expires_at <= now),
        )

    async def due(self, session: AsyncSession, now: datetime, limit: int) -> list[str]:
        """Ids of rows due now; reading them claims nothing (see ``claim``)."""
        c = self.table.c
        rows = await session.scalars(
            select(c.id).where(*self._due(now)).order_by(c.next_attempt_at, c.id).limit(limit)
        )
        return [str(row) for row in rows]

    async def claim(
        self,
        session: AsyncSession,
        row_id: str,
        *,
        token: str,
        now: datetime,
        lease_until: datetime,
    ) -> bool:
        """Take the row for this worker until ``lease_until``; True for one worker only."""
        c = self.table.c
        result = await session.execute(
            update(self.table)
            .where(c.id == row_id, *self._due(now))
            .values(lease_expires_at=lease_until, claim_token=token, attempts=c.attempts + 1)
            .returning(c.id)
        )
        return result.scalar_one_or_none() is not None

    async def settle(
        self,
        session: AsyncSession,
        row_id: str,
        token: str,
        *,
        state: str,
        next_attempt_at: datetime | None,
        now: datetime,
        **values: object,
    ) -> bool:
        """End this worker's claim: done, failed for good, or pending again until
        ``next_attempt_at`` (``values``: the service's own columns, such as the last error).
        False when the claim was lost (the lease ran out and another worker took the row):
        that worker decides, not this one."""
        c = self.table.c
        changes: dict[str, object] = {
            **values,
            "state": state,
            "lease_expires_at": None,
            "claim_token": None,
        }
        if state == self.pending:
            changes["next_attempt_at"] = next_attempt_at
        else:
            changes["finished_at"] = now
        result = await session.execute(
            update(self.table)
            .where(c.id == row_id, c.claim_token == token, c.state == self.pending)
            .values(**changes)
            .returning(c.id)
        )
        return result.scalar_one_or_none() is not None


class OutboxWorker(ABC, Generic[Claim]):
    """Claims due rows in batches and sends them; subclasses say what a claimed row is
    (``claimed``) and how it is sent and recorded (``deliver``)."""

    name = "outbox worker"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: OutboxTable,
        options: OutboxOptions,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._options = options
        self._clock = clock

    @abstractmethod
    async def claimed(self, session: AsyncSession, token: str) -> Sequence[Claim]:
        """The rows this worker holds under ``token``, with what sending them needs."""

    @abstractmethod
    async def deliver(self, claim: Claim) -> None:
        """Send one claimed row and settle it (``OutboxTable.settle``)."""

    def label(self, claim: Claim) -> str:
        """How the logs name a claimed row: its id, never what it carries."""
        return "a row"

    async def run_once(self) -> int:
        """Claim what is due and send it; the number of rows attempted."""
        claimed = await self.claim()
        # All at once, not one after another: the batch's leases run out together, and
        # twenty slow receivers in a row would outlast them.
        outcomes = await asyncio.gather(
            *(self.deliver(claim) for claim in claimed), return_exceptions=True
        )
        for claim, outcome in zip(claimed, outcomes, strict=True):
            if isinstance(outcome, Exception):
                log.error(
                    "%s: %s not recorded; it is tried again when its lease runs out",
                    self.name,
                    self.label(claim),
                    exc_info=outcome,
                )
        return len(claimed)

    async def claim(self) -> list[Claim]:
        """Take up to ``batch_size`` due rows for this worker, under a fresh lease."""
        now = self._clock()
        # Read in one transaction and write in another: on SQLite a read transaction that
        # then writes fails at once when another connection wrote meanwhile.
        async with session_scope(self._sessions) as session:
            due = await self._outbox.due(session, now, self._options.batch_size)
        if not due:
            return []
        token = new_token(16)
        lease_until = now + timedelta(seconds=self._options.lease_seconds)
        async with session_scope(self._sessions) as session:
            for row_id in due:
                await self._outbox.claim(
                    session, row_id, token=token, now=now, lease_until=lease_until
                )
            return list(await self.claimed(session, token))

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set; a round's unexpected error is logged, not fatal."""
        while not stop.is_set():
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("%s: round failed; trying again", self.name)
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._options.poll_seconds)


W = TypeVar("W", bound=OutboxWorker[Any])


@asynccontextmanager
async def running(worker: W) -> AsyncIterator[W]:
    """Run ``worker`` in the background for the duration of the block (an app's lifespan).

    On exit the worker stops; a row it was sending is abandoned and, once its lease runs
    out, taken up by another worker.
    """
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop), name=worker.name)
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
