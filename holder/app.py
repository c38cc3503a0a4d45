"""The holder's FastAPI app: built by `create_app`, nothing happens at import time."""

from pathlib import Path

from fastapi import FastAPI

from holder.accounts import endpoints as account_endpoints
from holder.accounts import pages as account_pages
from holder.accounts.seed import seed_demo_learner
from holder.deps import accounts
from holder.pages.common import install_page_handlers
from holder.receive import endpoints as receive_endpoints
from holder.receive import pages as receive_pages
from holder.settings import HolderSettings
from holder.share import endpoints as share_endpoints
from holder.share import pages as share_pages
from holder.share_links import endpoints as share_link_endpoints
from holder.share_links import pages as share_link_pages
from holder.wallet import endpoints as wallet_endpoints
from holder.wallet import pages as wallet_pages
from shared.db import session_scope
from shared.runtime import ServiceRuntime, new_service_app

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DESCRIPTION = (
    "The learner's wallet: receive micro-credentials over OpenID4VCI, keep and stack "
    "them, share them over OpenID4VP."
)


def create_app(settings: HolderSettings | None = None) -> FastAPI:
    settings = settings or HolderSettings()

    async def on_startup(runtime: ServiceRuntime) -> None:
        if settings.is_development and settings.seed_demo:
            async with session_scope(runtime.sessions) as session:
                data_dir = settings.ensure_data_dir()
                await seed_demo_learner(session, accounts(session, runtime, settings), data_dir)

    app = new_service_app(
        settings,
        title="credstack wallet",
        description=DESCRIPTION,
        migrations_dir=MIGRATIONS_DIR,
        on_startup=on_startup,
    )
    install_page_handlers(app)
    app.include_router(account_endpoints.router)
    app.include_router(account_pages.router)
    app.include_router(wallet_endpoints.router)
    app.include_router(wallet_pages.router)
    app.include_router(receive_endpoints.router)
    app.include_router(receive_pages.router)
    app.include_router(share_endpoints.router)
    app.include_router(share_pages.router)
    app.include_router(share_link_endpoints.router)
    app.include_router(share_link_pages.router)
    return app
