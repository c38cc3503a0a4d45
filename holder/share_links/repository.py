"""The SQL of share links.

A link is opened by one conditional UPDATE that counts the view only while the link is
neither revoked nor expired, and returns the row it counted: the database, not the process,
decides whether a link still works, so a revocation is in force for every replica at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from holder.models import ShareLink


def add(session: AsyncSession, link: ShareLink) -> None:
    session.add(link)


async def of_credential(
    session: AsyncSession, learner_id: str, credential_id: str
) -> list[ShareLink]:
    rows = await session.scalars(
        select(ShareLink)
        .where(ShareLink.learner_id == learner_id, ShareLink.credential_id == credential_id)
        .order_by(ShareLink.created_at.desc())
    )
    return list(rows)


async def revoke(
    session: AsyncSession, learner_id: str, link_id: str, *, now: datetime
) -> ShareLink | None:
    """Revoke the learner's link (once: a revoked link keeps its first revocation time).
    None when the learner has no such link; another learner's link is "no such link"."""
    link = await session.scalar(
        select(ShareLink).where(ShareLink.id == link_id, ShareLink.learner_id == learner_id)
    )
    if link is None:
        return None
    await session.execute(
        update(ShareLink)
        .where(ShareLink.id == link.id, ShareLink.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await session.refresh(link)
    return link


async def count_view(session: AsyncSession, token_hash: str, *, now: datetime) -> ShareLink | None:
    """The link of ``token_hash`` with this view counted, or None when no working link has
    that token (unknown, revoked or expired: then nothing is counted)."""
    found = await session.execute(
        update(ShareLink)
        .where(
            ShareLink.token_hash == token_hash,
            ShareLink.revoked_at.is_(None),
            ShareLink.expires_at > now,
        )
        .values(views=ShareLink.views + 1, last_viewed_at=now)
        .returning(ShareLink.id)
        .execution_options(synchronize_session=False)
    )
    link_id = found.scalar_one_or_none()
    if link_id is None:
        return None
    return await session.get(ShareLink, link_id, populate_existing=True)


async def exists(session: AsyncSession, token_hash: str) -> bool:
    """Whether a link (working or not) was ever made with this token."""
    return (
        await session.scalar(select(ShareLink.id).where(ShareLink.token_hash == token_hash))
        is not None
    )
