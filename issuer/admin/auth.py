"""Who is asking: a registrar or a script, by bearer token (API) or session cookie (pages)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.models import ApiToken
from shared.errors import Unauthorized
from shared.tokens import token_hash
from shared.web import presented_token as shared_presented_token

SESSION_COOKIE = "credstack_issuer_session"


@dataclass(frozen=True)
class Actor:
    """The name recorded in the audit log for everything this caller does."""

    name: str


def presented_token(request: Request) -> str | None:
    return shared_presented_token(request, SESSION_COOKIE)


async def actor_for_token(session: AsyncSession, token: str) -> Actor | None:
    row = await session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None)
        )
    )
    return Actor(f"token:{row.name}") if row else None


async def authenticate(session: AsyncSession, request: Request) -> Actor:
    token = presented_token(request)
    actor = await actor_for_token(session, token) if token else None
    if actor is None:
        raise Unauthorized(
            "Sign in with an issuer API token (Authorization: Bearer …); "
            "create one with `credstack issuer token create`."
        )
    return actor
