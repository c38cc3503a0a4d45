"""The holder's FastAPI app: built by `create_app`, nothing happens at import time."""

from pathlib import Path

from fastapi import FastAPI

from holder.settings import HolderSettings
from shared.runtime import new_service_app

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DESCRIPTION = (
    "The learner's wallet: receive micro-credentials over OpenID4VCI, keep and stack "
    "them, share them over OpenID4VP."
)


def create_app(settings: HolderSettings | None = None) -> FastAPI:
    settings = settings or HolderSettings()
    return new_service_app(
        settings,
        title="credstack wallet",
        description=DESCRIPTION,
        migrations_dir=MIGRATIONS_DIR,
    )
