"""The issuer's FastAPI app: built by `create_app`, nothing happens at import time."""

from pathlib import Path

from fastapi import FastAPI

from issuer.admin.tokens import ensure_development_token
from issuer.organisations import endpoints as organisation_endpoints
from issuer.organisations.seed import seed_demo
from issuer.settings import IssuerSettings
from shared.db import session_scope
from shared.runtime import ServiceRuntime, new_service_app

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DESCRIPTION = (
    "A university's issuer node: micro-credential catalogue, awards, OpenID4VCI 1.0 "
    "issuance and status lists."
)


def create_app(settings: IssuerSettings | None = None) -> FastAPI:
    settings = settings or IssuerSettings()

    async def on_startup(runtime: ServiceRuntime) -> None:
        if not settings.is_development:
            return
        async for session in session_scope(runtime.sessions):
            await ensure_development_token(session, settings.ensure_data_dir())
            if settings.seed_demo:
                await seed_demo(session, settings, runtime.key_encryption_key)

    app = new_service_app(
        settings,
        title="credstack issuer",
        description=DESCRIPTION,
        migrations_dir=MIGRATIONS_DIR,
        on_startup=on_startup,
    )
    app.include_router(organisation_endpoints.router)
    return app
