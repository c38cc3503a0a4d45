"""FastAPI dependencies: the unit of work, settings, runtime and the signed-in learner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from holder.accounts.service import Accounts
from holder.models import Learner
from holder.settings import HolderSettings
from shared.db import session_scope
from shared.errors import Unauthorized
from shared.runtime import ServiceRuntime

SESSION_COOKIE = "credstack_wallet_session"


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def get_settings(request: Request) -> HolderSettings:
    settings: HolderSettings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in session_scope(get_runtime(request).sessions):
        yield session


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
SettingsDep = Annotated[HolderSettings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]


def accounts(session: AsyncSession, runtime: ServiceRuntime, settings: HolderSettings) -> Accounts:
    return Accounts(session, runtime.key_encryption_key, settings.session_ttl_seconds)


def presented_session_token(request: Request) -> str | None:
    """A bearer token (API clients) or the session cookie (pages)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


async def current_learner(
    request: Request, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> Learner:
    token = presented_session_token(request)
    learner = await accounts(session, runtime, settings).learner_for_token(token) if token else None
    if learner is None:
        raise Unauthorized("Please sign in to your wallet.")
    return learner


LearnerDep = Annotated[Learner, Depends(current_learner)]
