"""The holder's FastAPI app: built by `create_app`, nothing happens at import time."""

from pathlib import Path

from fastapi import FastAPI

from holder.accounts import endpoints as account_endpoints
from holder.accounts import pages as account_pages
from holder.pages.common import install_page_handlers, static_router
from holder.receive import endpoints as receive_endpoints
from holder.receive import pages as receive_pages
from holder.settings import HolderSettings
from holder.share import endpoints as share_endpoints
from holder.share import pages as share_pages
from holder.wallet import endpoints as wallet_endpoints
from holder.wallet import pages as wallet_pages
from shared.runtime import new_service_app

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DESCRIPTION = (
    "The learner's wallet: receive micro-credentials over OpenID4VCI, keep and stack "
    "them, share them over OpenID4VP."
)


def create_app(settings: HolderSettings | None = None) -> FastAPI:
    settings = settings or HolderSettings()
    app = new_service_app(
        settings,
        title="credstack wallet",
        description=DESCRIPTION,
        migrations_dir=MIGRATIONS_DIR,
    )
    install_page_handlers(app)
    app.include_router(static_router)
    app.include_router(account_endpoints.router)
    app.include_router(account_pages.router)
    app.include_router(wallet_endpoints.router)
    app.include_router(wallet_pages.router)
    app.include_router(receive_endpoints.router)
    app.include_router(receive_pages.router)
    app.include_router(share_endpoints.router)
    app.include_router(share_pages.router)
    return app
