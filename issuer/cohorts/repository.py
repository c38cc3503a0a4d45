"""The cohorts' SQL: the record of an upload, its job's progress, its awards in bulk.

A cohort's job creates its awards in chunks. Each chunk's transaction starts by claiming the
cohort (a conditional UPDATE: it locks the row on PostgreSQL and takes the write lock on
SQLite), reads how many rows are done and commits its awards with the new count; so two
workers that both run one cohort (a job retried while its first worker was only slow) take
turns and never create a row twice, and the unique (cohort, line) of awards says so too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Table, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from issuer.mail.compose import OFFER
from issuer.mail.repository import FAILED
from issuer.models import Award, Cohort, CredentialOffer, MailMessage
from shared.clock import utcnow
from shared.db import insert_or_on_conflict


class CohortState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


UNFINISHED = (CohortState.QUEUED, CohortState.RUNNING)

# The table, for a chunk's awards as plain rows: SQLAlchemy's ORM bulk insert
# (``insert(Award)`` in a session) walks every row through the mapper first.
_AWARDS: Table = Award.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Claimed:
    done: int
    total: int


@dataclass(frozen=True)
class LinkRow:
    """What the links file needs of one award of a cohort."""

    award_id: str
    line: int | None
    name: str
    email: str | None
    student_id: str | None
    status: str
    tx_code: bool
    received: bool
    emailed: bool = False  # a live offer of the award went (or is going) to the learner by e-mail


async def insert_cohort(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Record an upload unless its key is taken; whether it was recorded. The unique key,
    not a read before the write, decides between two uploads of one file at once."""
    statement = (
        insert_or_on_conflict(session, Cohort)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["organisation_id", "idempotency_key"])
        .returning(Cohort.id)
    )
    return (await session.scalar(statement)) is not None


async def by_key(session: AsyncSession, organisation_id: str, key: str) -> Cohort | None:
    return await session.scalar(
        select(Cohort)
        .where(Cohort.organisation_id == organisation_id, Cohort.idempotency_key == key)
        .execution_options(populate_existing=True)
    )


async def fresh(session: AsyncSession, cohort_id: str) -> Cohort | None:
    """The cohort as the database has it now (another worker may have moved it on), without
    its file: every chunk of the job and every look of a waiting upload reads the cohort,
    and the file is up to 16 MiB (``file_of`` reads it)."""
    return await session.get(
        Cohort,
        cohort_id,
        populate_existing=True,
        options=[defer(Cohort.file_data, raiseload=True)],
    )


async def file_of(session: AsyncSession, cohort_id: str) -> bytes | None:
    """The uploaded file, until every award of the cohort exists (then None)."""
    return await session.scalar(select(Cohort.file_data).where(Cohort.id == cohort_id))


async def claim(session: AsyncSession, cohort_id: str) -> Claimed | None:
    """Mark the cohort running and hold it until commit; None unless it is unfinished."""
    row = (
        await session.execute(
            update(Cohort)
            .where(Cohort.id == cohort_id, Cohort.state.in_(UNFINISHED))
            .values(state=CohortState.RUNNING, updated_at=utcnow())
            .returning(Cohort.done, Cohort.row_count)
            .execution_options(synchronize_session=False)
        )
    ).first()
    return None if row is None else Claimed(row.done, row.row_count)


async def set_done(session: AsyncSession, cohort_id: str, done: int) -> None:
    await session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id)
        .values(done=done, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def finish(session: AsyncSession, cohort_id: str) -> None:
    """Every award exists: the file (personal data the awards now hold) is dropped."""
    now = utcnow()
    await session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id)
        .values(state=CohortState.DONE, file_data=None, updated_at=now, finished_at=now)
        .execution_options(synchronize_session=False)
    )


async def fail(session: AsyncSession, cohort_id: str, error: str) -> None:
    now = utcnow()
    await session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id, Cohort.state.in_(UNFINISHED))
        .values(state=CohortState.FAILED, error=error, updated_at=now, finished_at=now)
        .execution_options(synchronize_session=False)
    )


async def links_made(session: AsyncSession, cohort_id: str) -> None:
    await session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id)
        .values(links_made_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def requeue(session: AsyncSession, cohort_id: str) -> None:
    """A failed cohort uploaded again goes on from where it stopped."""
    await session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id, Cohort.state == CohortState.FAILED)
        .values(state=CohortState.QUEUED, error=None, finished_at=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def unfinished(session: AsyncSession, *, idle_since: datetime | None = None) -> list[str]:
    """Cohorts queued or running (that made no progress since ``idle_since``), oldest first."""
    query = select(Cohort.id).where(Cohort.state.in_(UNFINISHED))
    if idle_since is not None:
        query = query.where(Cohort.updated_at < idle_since)
    return list(await session.scalars(query.order_by(Cohort.created_at)))


async def insert_awards(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """One INSERT for a chunk's awards (ORM objects would cost a statement each on SQLite)."""
    await session.execute(insert(_AWARDS), list(rows))


async def link_rows(session: AsyncSession, cohort_id: str) -> list[LinkRow]:
    """Every award of the cohort in file order, with whether a wallet already redeemed one
    of its offers."""
    received = exists().where(
        CredentialOffer.award_id == Award.id, CredentialOffer.redeemed_at.is_not(None)
    )
    result = await session.execute(
        select(
            Award.id,
            Award.cohort_line,
            Award.learner_name,
            Award.learner_email,
            Award.learner_student_id,
            Award.status,
            Award.cohort_tx_code,
            received.label("received"),
            _emailed_live_offer().label("emailed"),
        )
        .where(Award.cohort_id == cohort_id)
        .order_by(Award.cohort_line, Award.awarded_at, Award.id)
    )
    return [
        LinkRow(
            award_id=row.id,
            line=row.cohort_line,
            name=row.learner_name,
            email=row.learner_email,
            student_id=row.learner_student_id,
            status=row.status,
            tx_code=bool(row.cohort_tx_code),
            received=bool(row.received),
            emailed=bool(row.emailed),
        )
        for row in result
    ]


def _emailed_live_offer() -> Any:
    """Whether an offer of the award that is still live was e-mailed to the learner (its
    message queued or sent, not failed): the links file leaves such an award alone."""
    return exists().where(
        MailMessage.award_id == Award.id,
        MailMessage.kind == OFFER,
        MailMessage.state != FAILED,
        CredentialOffer.id == MailMessage.offer_id,
        CredentialOffer.redeemed_at.is_(None),
        CredentialOffer.invalidated_at.is_(None),
        CredentialOffer.expires_at > utcnow(),
    )


async def awards_of(session: AsyncSession, award_ids: Sequence[str]) -> list[Award]:
    rows = await session.scalars(select(Award).where(Award.id.in_(award_ids)))
    by_id = {award.id: award for award in rows}
    return [by_id[award_id] for award_id in award_ids if award_id in by_id]


async def deliveries(session: AsyncSession, cohort_id: str) -> dict[str, int]:
    """How many offer messages of the cohort are in each state (queued, sent, failed)."""
    result = await session.execute(
        select(MailMessage.state, func.count())
        .join(Award, Award.id == MailMessage.award_id)
        .where(Award.cohort_id == cohort_id, MailMessage.kind == OFFER)
        .group_by(MailMessage.state)
    )
    return {str(state): int(count) for state, count in result.all()}


async def without_email(session: AsyncSession, cohort_id: str) -> int:
    """The cohort's learners whose line gave no e-mail address."""
    count = await session.scalar(
        select(func.count())
        .select_from(Award)
        .where(
            Award.cohort_id == cohort_id,
            (Award.learner_email.is_(None)) | (Award.learner_email == ""),
        )
    )
    return int(count or 0)
