"""FastAPI dependencies: the unit of work, settings, runtime and the signed-in registrar."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from issuer.admin.auth import Actor, authenticate
from issuer.settings import IssuerSettings
from shared.runtime import RuntimeDep, SessionDep

__all__ = ["AdminDep", "RuntimeDep", "SessionDep", "SettingsDep"]


# async: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop per request.
async def get_settings(request: Request) -> IssuerSettings:
    settings: IssuerSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[IssuerSettings, Depends(get_settings)]


async def require_admin(request: Request, session: SessionDep) -> Actor:
    return await authenticate(session, request)


AdminDep = Annotated[Actor, Depends(require_admin)]
