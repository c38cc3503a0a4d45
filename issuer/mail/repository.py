"""The SQL of the mail outbox: queueing messages, what a worker needs to send them, and the
messages shown per award and on the development outbox page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.models import AchievementVersion, Award, CredentialOffer, MailMessage, Organisation
from shared.outbox import OutboxTable

QUEUED = "queued"
SENT = "sent"
FAILED = "failed"

_TABLE: Table = MailMessage.__table__  # type: ignore[assignment]
OUTBOX = OutboxTable(_TABLE, pending=QUEUED)


@dataclass(frozen=True)
class StoredMessage:
    """A message with everything its text is made of."""

    message: MailMessage
    award: Award
    version: AchievementVersion
    organisation: Organisation
    offer: CredentialOffer


async def add_messages(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert queued messages in one statement (a cohort queues thousands)."""
    if rows:
        await session.execute(insert(_TABLE), list(rows))


def _stored() -> Any:
    return (
        select(MailMessage, Award, AchievementVersion, Organisation, CredentialOffer)
        .join(Award, Award.id == MailMessage.award_id)
        .join(AchievementVersion, AchievementVersion.id == Award.achievement_version_id)
        .join(Organisation, Organisation.id == Award.organisation_id)
        .join(CredentialOffer, CredentialOffer.id == MailMessage.offer_id)
    )


async def claimed(session: AsyncSession, token: str) -> list[StoredMessage]:
    rows = await session.execute(
        _stored()
        .where(MailMessage.claim_token == token, MailMessage.state == QUEUED)
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
    )
    return [StoredMessage(*row) for row in rows.all()]


async def stored(session: AsyncSession, message_id: str) -> StoredMessage | None:
    row = (await session.execute(_stored().where(MailMessage.id == message_id))).first()
    return StoredMessage(*row) if row is not None else None


async def for_award(session: AsyncSession, award_id: str) -> list[MailMessage]:
    """The award's messages, newest first."""
    rows = await session.scalars(
        select(MailMessage)
        .where(MailMessage.award_id == award_id)
        .order_by(MailMessage.created_at.desc(), MailMessage.kind)
    )
    return list(rows)


async def recent(
    session: AsyncSession, *, limit: int, offset: int
) -> tuple[list[tuple[MailMessage, str]], int]:
    """Messages newest first with their learner's name, and how many there are."""
    rows = await session.execute(
        select(MailMessage, Award.learner_name)
        .join(Award, Award.id == MailMessage.award_id)
        .order_by(MailMessage.created_at.desc(), MailMessage.id)
        .limit(limit)
        .offset(offset)
    )
    total = await session.scalar(select(func.count()).select_from(MailMessage))
    return [(message, name) for message, name in rows.all()], int(total or 0)
