"""FastAPI dependencies: the unit of work, settings, runtime and the signed-in registrar."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.admin.auth import Actor, authenticate
from issuer.settings import IssuerSettings
from shared.db import session_scope
from shared.runtime import ServiceRuntime


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def get_settings(request: Request) -> IssuerSettings:
    settings: IssuerSettings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in session_scope(get_runtime(request).sessions):
        yield session


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
SettingsDep = Annotated[IssuerSettings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def require_admin(request: Request, session: SessionDep) -> Actor:
    return await authenticate(session, request)


AdminDep = Annotated[Actor, Depends(require_admin)]
