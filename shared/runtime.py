"""What a running service holds: settings, database, key-encryption key, outbound client.

``new_service_app`` builds the FastAPI app every service starts from, with one lifespan that
opens and closes all of it. Nothing happens at import time; tests build apps with their own
settings.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.db import create_engine, session_factory, session_scope, upgrade_database
from shared.http import safe_client
from shared.settings import ServiceSettings
from shared.web import health_router, install_access_log, install_error_handlers


@dataclass
class ServiceRuntime:
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    key_encryption_key: bytes


StartupHook = Callable[[ServiceRuntime], Awaitable[None]]


def request_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: committed when the endpoint returns, rolled back when it
    raises, and closed at once either way (a generator left to the garbage collector would
    close its connection late, sometimes after the event loop is gone)."""
    async with aclosing(session_scope(request_runtime(request).sessions)) as scope:
        async for session in scope:
            yield session


# scope="function": commit before the response is sent, so that a client acting on the
# response at once (a wallet posting the token it was given, a browser following a
# redirect after a POST) never arrives before the data, and a failed commit is never
# preceded by a success the client already has.
SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
RuntimeDep = Annotated[ServiceRuntime, Depends(request_runtime)]


@asynccontextmanager
async def open_runtime(
    settings: ServiceSettings, migrations_dir: Path
) -> AsyncIterator[ServiceRuntime]:
    """Open everything a service needs; in development, migrate its database first."""
    kek = settings.load_key_encryption_key()
    if settings.database_url is None:
        settings.ensure_data_dir()
    engine = create_engine(settings.resolved_database_url)
    try:
        if settings.is_development:
            await upgrade_database(engine, migrations_dir)
        async with safe_client(allow_loopback=settings.is_development) as http:
            yield ServiceRuntime(settings, engine, session_factory(engine), http, kek)
    finally:
        await engine.dispose()


def quiet_url_logging() -> None:
    """httpx logs every request's full URL at INFO, query string included, and query strings
    carry pre-authorized codes and request ids: keep those out of the logs."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def new_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    migrations_dir: Path,
    on_startup: StartupHook | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings, migrations_dir) as runtime:
            app.state.runtime = runtime
            if on_startup is not None:
                await on_startup(runtime)
            yield

    quiet_url_logging()
    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    install_access_log(app)
    app.include_router(health_router(settings.service_name))
    return app
