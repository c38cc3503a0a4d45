"""What a running service holds: settings, database, key-encryption key, outbound client.

``new_service_app`` builds the FastAPI app every service starts from, with one lifespan that
opens and closes all of it. Nothing happens at import time; tests build apps with their own
settings.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi_offline import FastAPIOffline
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.db import create_engine, session_factory, session_scope, upgrade_database
from shared.http import safe_client
from shared.settings import ServiceSettings
from shared.web import (
    health_router,
    install_access_log,
    install_error_handlers,
    install_response_headers,
)


@dataclass
class ServiceRuntime:
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    key_encryption_key: bytes


# Swagger UI's and ReDoc's scripts and styles, served by the service itself from the
# fastapi-offline package: FastAPI's own /docs loads them from a CDN, which an offline
# node (or a network that blocks CDNs) cannot reach, and a production node should not
# have its operators' browsers run third-party code next to their tokens.
DOCS_ASSETS_URL = "/docs-assets"

StartupHook = Callable[[ServiceRuntime], Awaitable[None]]
# Work that runs beside the requests for as long as the app lives (a webhook worker): entered
# after the start-up hook, left before the runtime closes, so it never outlives the database.
BackgroundWork = Callable[[ServiceRuntime], AbstractAsyncContextManager[object]]


def request_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: committed when the endpoint returns, rolled back when it
    raises, and closed at once either way."""
    async with session_scope(request_runtime(request).sessions) as session:
        yield session


# scope="function": commit before the response is sent, so that a client acting on the
# response at once (a wallet posting the token it was given, a browser following a
# redirect after a POST) never arrives before the data, and a failed commit is never
# preceded by a success the client already has.
SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]


async def _runtime_dependency(request: Request) -> ServiceRuntime:
    # async: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop per request.
    return request_runtime(request)


RuntimeDep = Annotated[ServiceRuntime, Depends(_runtime_dependency)]


@asynccontextmanager
async def open_runtime(
    settings: ServiceSettings, migrations_dir: Path
) -> AsyncIterator[ServiceRuntime]:
    """Open everything a service needs; in development, migrate its database first (unless
    the process that started this worker has done so already, see ``prepare_service``)."""
    kek = settings.load_key_encryption_key()
    settings.check_can_start()
    if settings.database_url is None:
        settings.ensure_data_dir()
    engine = create_engine(settings.resolved_database_url)
    try:
        if settings.is_development and not settings.startup_done:
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


async def prepare_service(app: FastAPI) -> None:
    """Migrate (in development) and run the start-up hook once, in the process that then
    starts several workers with ``startup_done`` set: N workers migrating one database at
    once would race on Alembic's version table, and N seeding the demo data would race on
    its unique names. Background work is not started here; every worker runs its own, and
    each claims its work in the database."""
    prepare: Callable[[], Awaitable[None]] = app.state.prepare
    await prepare()


def new_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    migrations_dir: Path,
    on_startup: StartupHook | None = None,
    background: Sequence[BackgroundWork] = (),
) -> FastAPI:
    async def prepare() -> None:
        async with open_runtime(settings, migrations_dir) as runtime:
            if on_startup is not None:
                await on_startup(runtime)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings, migrations_dir) as runtime, AsyncExitStack() as stack:
            app.state.runtime = runtime
            if on_startup is not None and not settings.startup_done:
                await on_startup(runtime)
            for work in background:
                await stack.enter_async_context(work(runtime))
            yield

    quiet_url_logging()
    app = FastAPIOffline(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        static_url=DOCS_ASSETS_URL,
    )
    app.state.settings = settings
    app.state.prepare = prepare
    install_error_handlers(app)
    install_access_log(app)
    install_response_headers(app)
    app.include_router(health_router(settings.service_name))
    return app
