"""The background worker that sends queued messages, one per issuer process.

It claims due messages with ``shared.outbox`` (a conditional UPDATE with a lease, so two
workers, in one process or on two replicas, never hold one message at once), rebuilds each
message from its award and sealed secret, sends it, and marks it sent, or records the reason
in words and tries again later with exponential backoff, until ``mail_max_attempts`` are
spent. A message whose offer was used, withdrawn or expired meanwhile is not sent.

Start it with the app: ``background=[run_mail_worker]``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer.mail import repository
from issuer.mail.compose import email_message
from issuer.mail.repository import FAILED, OUTBOX, QUEUED, SENT, StoredMessage
from issuer.mail.service import letter_of, offer_still_live
from issuer.mail.transport import NotSent, Transport, transport_for
from issuer.settings import IssuerSettings
from shared.clock import utcnow
from shared.db import session_scope
from shared.errors import CryptoError
from shared.outbox import OutboxOptions, OutboxWorker, running
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClaimedMessage:
    stored: StoredMessage
    claim_token: str

    @property
    def attempt(self) -> int:
        return self.stored.message.attempts


def options_of(settings: IssuerSettings) -> OutboxOptions:
    return OutboxOptions(
        max_attempts=settings.mail_max_attempts,
        retry_base_seconds=settings.mail_retry_base_seconds,
        # A whole SMTP conversation, however slow the server, ends before the lease does.
        lease_seconds=4 * settings.smtp_timeout_seconds,
        poll_seconds=settings.mail_poll_seconds,
    )


class MailWorker(OutboxWorker[ClaimedMessage]):
    name = "mail worker"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: IssuerSettings,
        kek: bytes,
        *,
        transport: Transport | None = None,
        options: OutboxOptions | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(sessions, OUTBOX, options or options_of(settings), clock=clock)
        self._settings = settings
        self._kek = kek
        self._transport = transport or transport_for(settings)

    async def claimed(self, session: AsyncSession, token: str) -> list[ClaimedMessage]:
        return [ClaimedMessage(row, token) for row in await repository.claimed(session, token)]

    def label(self, claim: ClaimedMessage) -> str:
        return f"mail message {claim.stored.message.id}"

    async def deliver(self, claim: ClaimedMessage) -> None:
        error = await self._send(claim)
        message = claim.stored.message
        attempted_at = self._clock()
        if error is None:
            state, next_at = SENT, None
        elif claim.attempt >= self._options.max_attempts or not self._worth_retrying(claim):
            state, next_at = FAILED, None
        else:
            state, next_at = QUEUED, attempted_at + self._options.delay_after(claim.attempt)
        async with session_scope(self._sessions) as session:
            settled = await OUTBOX.settle(
                session,
                message.id,
                claim.claim_token,
                state=state,
                next_attempt_at=next_at,
                now=attempted_at,
                last_error=error,
                channel=self._transport.channel if error is None and self._transport else None,
            )
        if not settled:
            log.warning("mail message %s: lease lost to another worker", message.id)
        elif state == FAILED:
            log.warning("mail message %s failed for good: %s", message.id, error)

    async def _send(self, claim: ClaimedMessage) -> str | None:
        """None when the message went out, else why not, in words."""
        if claim.attempt > self._options.max_attempts:
            # Its last attempt was claimed by a worker that died before recording it.
            return f"Gave up after {self._options.max_attempts} attempts."
        if self._transport is None:
            return "E-mail is not set up on this issuer (no mail server in its settings)."
        if not offer_still_live(claim.stored):
            return (
                "Not sent: the offer was used, withdrawn or expired before the message went "
                "out (a newer offer replaces a withdrawn one)."
            )
        try:
            letter = letter_of(claim.stored, self._settings, self._kek)
        except CryptoError as exc:
            return exc.description
        sender_name = self._settings.mail_from_name or self._settings.display_name
        try:
            # Drawing the QR code takes a few milliseconds of CPU: off the event loop.
            message = await asyncio.to_thread(
                email_message,
                letter,
                sender_address=self._settings.mail_from_address,
                sender_name=sender_name,
            )
        except ValueError:  # the stdlib refuses a header it cannot write safely
            return (
                f"The address {letter.recipient[:100]!r} or the sender "
                f"{self._settings.mail_from_address!r} cannot be written in an e-mail."
            )
        try:
            await self._transport.send(message)
        except NotSent as exc:
            return exc.reason
        return None

    def _worth_retrying(self, claim: ClaimedMessage) -> bool:
        """Retry what the server or the network may fix; not a message that has nothing
        left to send."""
        return self._transport is not None and offer_still_live(claim.stored)


@asynccontextmanager
async def run_mail_worker(runtime: ServiceRuntime) -> AsyncIterator[MailWorker]:
    settings = runtime.settings
    assert isinstance(settings, IssuerSettings)
    async with running(MailWorker(runtime.sessions, settings, runtime.key_encryption_key)) as w:
        yield w
