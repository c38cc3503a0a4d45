"""Login throttling: password guessing slowed down per login name, in the database.

- An attempt counts as failed from the moment it starts until its password proves right.
  It is counted in a unit of work of its own, committed before the password is checked:
  a failed login rolls its request back, and parallel guesses must each count, so that a
  burst of them gets no more tries than a sequence.
- The attempt that reaches ``login_max_failures`` locks the name for
  ``login_lockout_seconds``; each failure after that doubles the lock, up to
  ``login_lockout_max_seconds``. While the name is locked every attempt is refused (429 and
  ``Retry-After``) before any password is checked, the right one too.
- A success forgets the failures (in the request's own unit of work); so does a time
  without attempts of ``login_failures_kept_seconds``, after which the row is deleted.
- A name is stored as an HMAC of the normalised e-mail address under a key derived from the
  KEK, whether or not an account has that address: an unknown address is throttled exactly
  like a known one, and the table does not list the addresses people typed.

The state is in the database, so it holds across wallet processes and restarts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from holder.i18n import _, format_duration
from holder.models import LoginFailures
from holder.settings import HolderSettings
from shared.clock import as_utc, utcnow
from shared.db import insert_or_on_conflict, session_scope
from shared.errors import RetryLater
from shared.tokens import keyed_digest, purpose_key

Clock = Callable[[], datetime]

_NAME_KEY_LABEL = b"credstack/holder/login-name-key/v1"
# Beyond this many doublings every lock is at its maximum anyway (and timedelta would overflow).
_MAX_DOUBLINGS = 32


class TooManyAttempts(RetryLater):
    """The login name is locked after too many failed attempts."""

    code = "too_many_attempts"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            _(
                "Too many failed attempts; try again in %(duration)s.",
                duration=format_duration(retry_after_seconds),
            ),
            retry_after_seconds,
        )


class LoginThrottle:
    def __init__(
        self,
        session: AsyncSession,
        sessions: async_sessionmaker[AsyncSession],
        settings: HolderSettings,
        kek: bytes,
        clock: Clock = utcnow,
    ) -> None:
        self._session = session
        self._sessions = sessions
        self._settings = settings
        self._name_key = purpose_key(kek, _NAME_KEY_LABEL)
        self._clock = clock

    async def attempt(self, name: str) -> None:
        """Count an attempt to log in as ``name`` (normalised); TooManyAttempts while the
        name is locked, in which case the attempt is not counted and must not go on."""
        now = self._clock()
        async with session_scope(self._sessions) as session:
            locked_until = await self._count(session, self._hash(name), now)
        if locked_until is not None:
            raise TooManyAttempts(max(1, math.ceil((locked_until - now).total_seconds())))

    async def succeeded(self, name: str) -> None:
        """The password was right: forget the failures (with the request's unit of work)."""
        await self._session.execute(
            delete(LoginFailures).where(LoginFailures.name_hash == self._hash(name))
        )

    def _hash(self, name: str) -> str:
        return keyed_digest(self._name_key, name).hex()

    async def _count(self, session: AsyncSession, name_hash: str, now: datetime) -> datetime | None:
        """Add one failure unless the name is locked; returns the end of the lock if it is."""
        kept = timedelta(seconds=self._settings.login_failures_kept_seconds)
        await session.execute(
            delete(LoginFailures).where(LoginFailures.last_attempt_at < now - kept)
        )
        # One statement inserts or increments, so that parallel attempts each count.
        counted = await session.scalar(
            insert_or_on_conflict(session, LoginFailures)
            .values(name_hash=name_hash, failures=1, last_attempt_at=now)
            .on_conflict_do_update(
                index_elements=[LoginFailures.name_hash],
                set_={"failures": LoginFailures.failures + 1, "last_attempt_at": now},
                where=or_(LoginFailures.locked_until.is_(None), LoginFailures.locked_until <= now),
            )
            .returning(LoginFailures.failures)
        )
        if counted is None:
            locked_until = await session.scalar(
                select(LoginFailures.locked_until).where(LoginFailures.name_hash == name_hash)
            )
            # The upsert left the row locked to this transaction, so it is still there.
            return as_utc(locked_until) if locked_until is not None else now
        if counted >= self._settings.login_max_failures:
            await session.execute(
                update(LoginFailures)
                .where(LoginFailures.name_hash == name_hash)
                .values(locked_until=now + self._lock_for(counted))
            )
        return None

    def _lock_for(self, failures: int) -> timedelta:
        doublings = min(failures - self._settings.login_max_failures, _MAX_DOUBLINGS)
        seconds = self._settings.login_lockout_seconds * 2**doublings
        return timedelta(seconds=min(seconds, self._settings.login_lockout_max_seconds))
