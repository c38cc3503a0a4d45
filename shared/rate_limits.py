"""Rate limits held in the database, so that they hold across every replica of a service.

A limit allows ``requests`` per ``seconds`` for one key of one bucket ("token requests from
one client address", "token requests for one offer"). Counting is a fixed window: each
window of ``seconds`` (counted from the Unix epoch) starts again at zero, so a client can
at most double its rate across the edge of two windows; that is the price of counting with
one row per key and one statement per request.

- One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` counts a request and answers the new
  count, on SQLite and PostgreSQL alike: parallel requests on any replica each count, and
  no replica reads a count another is about to change.
- A request over the limit is refused (``RateLimited``: 429 and ``Retry-After``, the seconds
  until the window ends) and still counts: a client that ignores ``Retry-After`` gains
  nothing by asking again sooner.
- The count is committed in a unit of work of its own, before the request does its work, so
  a request that fails (a wrong PIN, a bad proof) still counts.
- Keys are stored as an HMAC under a key derived from the key-encryption key: the table
  never holds a client's IP address, and a dump of it does not say who came.
- Each service declares its own table with ``RateLimitCounterMixin`` and creates it with
  ``create_rate_limit_counters_table_v1`` in a migration.

Behind a reverse proxy every connection comes from the proxy: the client address is then
taken from ``X-Forwarded-For``, but only when the service's ``trusted_proxies`` setting says
how many proxies append to it (a client can write anything into that header itself).
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import sqlalchemy as sa
from fastapi import Request
from sqlalchemy import BigInteger, Integer, String, delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import insert_or_on_conflict, session_scope
from shared.errors import RetryLater, duration_in_words
from shared.rate_limit_settings import Limit
from shared.tokens import keyed_digest, purpose_key

_KEY_LABEL = b"credstack rate-limit key v1"

Clock = Callable[[], float]


class RateLimited(RetryLater):
    """Too many requests of one kind from one client (or for one offer) in a short time."""

    code = "rate_limited"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            "Too many requests in a short time; please wait "
            f"{duration_in_words(retry_after_seconds)} and try again.",
            retry_after_seconds,
        )


class RateLimitCounterMixin:
    """One row per (bucket, hashed key): the current window's number and its count."""

    bucket: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, index=True)
    hits: Mapped[int] = mapped_column(Integer)


RATE_LIMIT_COUNTERS_TABLE = "rate_limit_counters"


def create_rate_limit_counters_table_v1(op: Any) -> None:
    """The ``rate_limit_counters`` table as its first migration in each service created it.

    Frozen on purpose: later changes to the mixin get their own migration, never an edit here.
    """
    op.create_table(
        RATE_LIMIT_COUNTERS_TABLE,
        sa.Column("bucket", sa.String(40), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("window", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "key_hash", name=f"pk_{RATE_LIMIT_COUNTERS_TABLE}"),
    )
    op.create_index(f"ix_{RATE_LIMIT_COUNTERS_TABLE}_window", RATE_LIMIT_COUNTERS_TABLE, ["window"])


def drop_rate_limit_counters_table(op: Any) -> None:
    op.drop_index(f"ix_{RATE_LIMIT_COUNTERS_TABLE}_window", RATE_LIMIT_COUNTERS_TABLE)
    op.drop_table(RATE_LIMIT_COUNTERS_TABLE)


class RateLimiter:
    """Counts requests per (bucket, key) in ``table`` (a model made with the mixin)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        kek: bytes,
        table: type[RateLimitCounterMixin],
        clock: Clock = time.time,
    ) -> None:
        self._sessions = sessions
        self._key = purpose_key(kek, _KEY_LABEL)
        self._table: Any = table
        self._clock = clock

    async def hit(self, bucket: str, key: str, limit: Limit) -> None:
        """Count one request; ``RateLimited`` if it is over ``limit``."""
        now = self._clock()
        window = int(now // limit.seconds)
        key_hash = keyed_digest(self._key, f"{bucket}\n{key}").hex()
        async with session_scope(self._sessions) as session:
            hits = await self._count(session, bucket, key_hash, window)
        if hits == 1:
            # A window began for this key, a rare moment: tidy away the rows of keys quiet
            # for a whole window (any limit's windows are numbered alike, so "older than the
            # previous window" is safe for this bucket). In a unit of work of its own, after
            # the count: a transaction that held its own row while deleting others' could
            # deadlock with one doing the same the other way round.
            async with session_scope(self._sessions) as session:
                table = self._table
                await session.execute(
                    delete(table).where(table.bucket == bucket, table.window < window - 1)
                )
        if hits > limit.requests:
            ends_at = (window + 1) * limit.seconds
            raise RateLimited(max(1, math.ceil(ends_at - now)))

    async def _count(self, session: AsyncSession, bucket: str, key_hash: str, window: int) -> int:
        table = self._table
        insert = insert_or_on_conflict(session, table)
        # A row of an older window starts again at one; a row of a newer window (another
        # replica's clock a little ahead) keeps its window and counts this request in it.
        same_or_newer = table.window >= insert.excluded.window
        hits: int = await session.scalar(
            insert.values(bucket=bucket, key_hash=key_hash, window=window, hits=1)
            .on_conflict_do_update(
                index_elements=[table.bucket, table.key_hash],
                set_={
                    "hits": sa.case((same_or_newer, table.hits + 1), else_=1),
                    "window": sa.case((same_or_newer, table.window), else_=insert.excluded.window),
                },
            )
            .returning(table.hits)
        )
        return hits


# -- in FastAPI ------------------------------------------------------------------------------


class _RateLimitedSettings(Protocol):
    rate_limits_enabled: bool
    trusted_proxies: int


def client_address(request: Request, trusted_proxies: int) -> str:
    """The address of the client that sent ``request``.

    With ``trusted_proxies`` = n > 0, each of n proxies appended the address it received the
    request from to ``X-Forwarded-For``: the n-th entry from the right is the client as seen
    by the outermost trusted proxy; entries further left were written by the client.
    """
    if trusted_proxies > 0:
        entries = [
            entry.strip()
            for header in request.headers.getlist("x-forwarded-for")
            for entry in header.split(",")
            if entry.strip()
        ]
        if entries:
            return entries[-min(trusted_proxies, len(entries))]
    return request.client.host if request.client is not None else "unknown"


def rate_limit(
    table: type[RateLimitCounterMixin],
    bucket: str,
    limit_of: Callable[[Any], Limit],
    key_of: Callable[[Request], Awaitable[str | None]] | None = None,
) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency that counts the request in ``bucket`` under the client's address
    (or under ``await key_of(request)``; None counts nothing), with the limit
    ``limit_of(settings)``, unless the service's ``rate_limits_enabled`` is off.

    ``request.app.state`` holds ``settings`` and ``runtime`` (``shared.runtime``).
    """

    async def dependency(request: Request) -> None:
        settings: _RateLimitedSettings = request.app.state.settings
        if not settings.rate_limits_enabled:
            return
        if key_of is None:
            key: str | None = client_address(request, settings.trusted_proxies)
        else:
            key = await key_of(request)
        if key is None:
            return
        runtime = request.app.state.runtime
        limiter = RateLimiter(runtime.sessions, runtime.key_encryption_key, table)
        await limiter.hit(bucket, key, limit_of(settings))

    return dependency
