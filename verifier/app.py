"""The verifier's FastAPI app: built by `create_app`, nothing happens at import time."""

from pathlib import Path

from fastapi import FastAPI

from shared.runtime import new_service_app
from verifier.settings import VerifierSettings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DESCRIPTION = (
    "An employer's or admissions office's verifier: OpenID4VP requests, full checks, "
    "results by API and webhook."
)


def create_app(settings: VerifierSettings | None = None) -> FastAPI:
    settings = settings or VerifierSettings()
    return new_service_app(
        settings,
        title="credstack verifier",
        description=DESCRIPTION,
        migrations_dir=MIGRATIONS_DIR,
    )
