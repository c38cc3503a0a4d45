"""The verifier's FastAPI app: built by `create_app`, nothing happens at import time."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path

from fastapi import FastAPI

from shared.db import session_scope
from shared.runtime import ServiceRuntime, new_service_app
from verifier.pages import routes as pages
from verifier.pages.common import install_page_handlers
from verifier.requests import api as request_api
from verifier.requests import endpoints as oid4vp_endpoints
from verifier.requests.engine import CheckerFactory, EngineCheckers
from verifier.seed import seed_development
from verifier.settings import VerifierSettings
from verifier.trust import endpoints as trust_endpoints
from verifier.trust.startup import load_trust_list_at_start
from verifier.webhooks import endpoints as webhook_endpoints
from verifier.webhooks.worker import WebhookOptions, run_webhook_worker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DESCRIPTION = (
    "An employer's or admissions office's verifier: OpenID4VP requests, full checks, "
    "results by API and webhook."
)


def create_app(
    settings: VerifierSettings | None = None, *, checker_factory: CheckerFactory | None = None
) -> FastAPI:
    """``checker_factory`` makes the checks engine per unit of work (tests: an
    ``EngineCheckers`` with a trust list of their own); by default the engine reads the
    stored trust list."""
    settings = settings or VerifierSettings()

    async def on_startup(runtime: ServiceRuntime) -> None:
        if settings.is_development and settings.seed_demo:
            async with session_scope(runtime.sessions) as session:
                await seed_development(
                    session, settings.ensure_data_dir(), runtime.key_encryption_key
                )
        await load_trust_list_at_start(runtime, settings.trust_list_source)

    def webhook_worker(runtime: ServiceRuntime) -> AbstractAsyncContextManager[object]:
        options = WebhookOptions(
            max_attempts=settings.webhook_max_attempts,
            retry_base_seconds=settings.webhook_retry_base_seconds,
            retry_max_seconds=settings.webhook_retry_max_seconds,
            lease_seconds=settings.webhook_lease_seconds,
            poll_seconds=settings.webhook_poll_seconds,
        )
        return run_webhook_worker(runtime, options)

    app = new_service_app(
        settings,
        title="credstack verifier",
        description=DESCRIPTION,
        migrations_dir=MIGRATIONS_DIR,
        on_startup=on_startup,
        background=[webhook_worker],
    )
    app.state.checker_factory = checker_factory or EngineCheckers()
    app.include_router(oid4vp_endpoints.router)
    app.include_router(request_api.router)
    app.include_router(trust_endpoints.router)
    app.include_router(webhook_endpoints.router)
    app.include_router(pages.router)
    install_page_handlers(app)
    return app
