"""The SQL of organisations, users and tokens."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from verifier.models import ApiToken, Organisation, User


async def organisation_by_slug(session: AsyncSession, slug: str) -> Organisation | None:
    return await session.scalar(select(Organisation).where(Organisation.slug == slug))


async def organisation_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Organisation)) or 0)


async def user_and_organisation_for_token(
    session: AsyncSession, token_hash: str
) -> tuple[User, Organisation] | None:
    """The live token's user and organisation, in one query."""
    row = (
        await session.execute(
            select(User, Organisation)
            .join(ApiToken, ApiToken.user_id == User.id)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def set_role(session: AsyncSession, user_id: str, role: str) -> None:
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(role=role)
        .execution_options(synchronize_session=False)
    )
