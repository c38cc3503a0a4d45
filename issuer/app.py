"""The issuer's FastAPI app: built by `create_app`, nothing happens at import time."""

from pathlib import Path

from fastapi import FastAPI

from issuer.admin.tokens import ensure_development_token
from issuer.awards import endpoints as award_endpoints
from issuer.catalogue import endpoints as catalogue_endpoints
from issuer.certificates import endpoints as certificate_endpoints
from issuer.cohorts import endpoints as cohort_endpoints
from issuer.cohorts import pages as cohort_pages
from issuer.cohorts.queue import CohortWorker
from issuer.mail import endpoints as mail_endpoints
from issuer.mail.worker import run_mail_worker
from issuer.oid4vci import endpoints as oid4vci_endpoints
from issuer.organisations import api as organisation_api
from issuer.organisations import endpoints as organisation_endpoints
from issuer.organisations.seed import seed_demo
from issuer.pages import outbox as outbox_pages
from issuer.pages import routes as admin_pages
from issuer.pages.common import install_page_handlers
from issuer.settings import IssuerSettings
from issuer.status import endpoints as status_endpoints
from issuer.status import pages as status_pages
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
        async with session_scope(runtime.sessions) as session:
            await ensure_development_token(session, settings.ensure_data_dir())
            if settings.seed_demo:
                await seed_demo(session, settings, runtime.key_encryption_key)

    cohort_worker = CohortWorker(settings)
    app = new_service_app(
        settings,
        title="credstack issuer",
        description=DESCRIPTION,
        migrations_dir=MIGRATIONS_DIR,
        on_startup=on_startup,
        background=[run_mail_worker, cohort_worker.running],
    )
    app.state.cohort_worker = cohort_worker
    app.include_router(organisation_endpoints.router)
    app.include_router(status_endpoints.router)
    app.include_router(status_pages.router)
    app.include_router(certificate_endpoints.router)
    app.include_router(oid4vci_endpoints.router)
    app.include_router(organisation_api.router)
    app.include_router(catalogue_endpoints.router)
    app.include_router(award_endpoints.router)
    app.include_router(award_endpoints.qr_router)
    app.include_router(mail_endpoints.router)
    app.include_router(admin_pages.router)
    app.include_router(outbox_pages.router)
    install_page_handlers(app)
    app.include_router(cohort_endpoints.router)
    app.include_router(cohort_pages.router)
    return app
