"""FastAPI dependencies: the unit of work, settings, runtime and the signed-in learner."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from holder.accounts.login import Logins
from holder.accounts.service import Accounts
from holder.accounts.throttle import LoginThrottle
from holder.i18n import _
from holder.models import Learner
from holder.settings import HolderSettings
from shared.errors import Unauthorized
from shared.runtime import RuntimeDep, ServiceRuntime, SessionDep

__all__ = ["LearnerDep", "RuntimeDep", "SessionDep", "SettingsDep"]

SESSION_COOKIE = "credstack_wallet_session"


def get_settings(request: Request) -> HolderSettings:
    settings: HolderSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[HolderSettings, Depends(get_settings)]


def accounts(session: AsyncSession, runtime: ServiceRuntime, settings: HolderSettings) -> Accounts:
    return Accounts(session, runtime.key_encryption_key, settings.session_ttl_seconds)


def logins(session: AsyncSession, runtime: ServiceRuntime, settings: HolderSettings) -> Logins:
    throttle = LoginThrottle(session, runtime.sessions, settings, runtime.key_encryption_key)
    return Logins(accounts(session, runtime, settings), throttle)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def presented_session_token(request: Request) -> str | None:
    """A bearer token (API clients) or the session cookie (pages).

    The cookie is not accepted for changes through ``/api/``: those forms carry no CSRF
    token, and SameSite=Lax does not stop a POST from a sibling subdomain. API clients that
    change things present their token as a bearer token.
    """
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if request.url.path.startswith("/api/") and request.method not in SAFE_METHODS:
        return None
    return request.cookies.get(SESSION_COOKIE)


async def current_learner(
    request: Request, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> Learner:
    token = presented_session_token(request)
    learner = await accounts(session, runtime, settings).learner_for_token(token) if token else None
    if learner is None:
        raise Unauthorized(_("Please sign in to your wallet."))
    return learner


LearnerDep = Annotated[Learner, Depends(current_learner)]
