"""The issuer's FastAPI app: built by `create_app`, nothing happens at import time."""

from pathlib import Path

from fastapi import FastAPI

from issuer.settings import IssuerSettings
from shared.runtime import new_service_app

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DESCRIPTION = (
    "A university's issuer node: micro-credential catalogue, awards, OpenID4VCI 1.0 "
    "issuance and status lists."
)


def create_app(settings: IssuerSettings | None = None) -> FastAPI:
    settings = settings or IssuerSettings()
    return new_service_app(
        settings,
        title="credstack issuer",
        description=DESCRIPTION,
        migrations_dir=MIGRATIONS_DIR,
    )
