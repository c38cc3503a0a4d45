"""Admin API tokens: created by the operator, shown once, stored as a hash."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.admin.audit import record
from issuer.admin.dev_token import DEV_TOKEN_FILE
from issuer.models import ApiToken
from shared.clock import new_id, utcnow
from shared.private_files import write_private_file
from shared.tokens import new_token, token_hash

DEV_TOKEN_NAME = "development admin"  # noqa: S105 (a label)


async def create_token(session: AsyncSession, name: str, *, actor: str) -> str:
    """Create a token and return it in clear: the only time anyone sees it."""
    token = new_token()
    session.add(ApiToken(id=new_id(), name=name, token_hash=token_hash(token), created_at=utcnow()))
    await record(session, actor, "token.create", target=f"token:{name}")
    return token


async def ensure_development_token(session: AsyncSession, data_dir: Path) -> None:
    """Give a laptop node an admin token in the data directory, so the CLI works at once."""
    path = data_dir / DEV_TOKEN_FILE
    if path.exists():
        existing = path.read_text().strip()
        count = await session.scalar(
            select(func.count())
            .select_from(ApiToken)
            .where(ApiToken.token_hash == token_hash(existing))
        )
        if count:
            return
    token = await create_token(session, DEV_TOKEN_NAME, actor="system")
    write_private_file(path, token)
