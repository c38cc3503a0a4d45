"""The certificate's signed credential, kept on its award."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.models import Award
from shared.errors import NotFound


async def keep_credential(session: AsyncSession, award_id: str, signed: str) -> str:
    """Keep ``signed`` as the award's certificate credential unless one is kept already;
    the one kept. Two first readers may both sign: the database, not the process, decides
    whose copy stays, and both answer with that one."""
    kept = await session.scalar(
        update(Award)
        .where(Award.id == award_id, Award.certificate_credential.is_(None))
        .values(certificate_credential=signed)
        .returning(Award.certificate_credential)
        .execution_options(synchronize_session=False)
    )
    if kept is None:
        kept = await session.scalar(
            select(Award.certificate_credential)
            .where(Award.id == award_id)
            .execution_options(populate_existing=True)
        )
    if kept is None:  # the award went away between the read and the write
        raise NotFound("No such certificate.")
    return kept
