"""An issuer app on a fresh database, its HTTP client, and its admin token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.admin.tokens import DEV_TOKEN_FILE
from issuer.app import create_app
from issuer.oid4vci.codes import PreAuthorizedCodes
from issuer.settings import IssuerSettings
from shared.db import session_scope
from shared.runtime import ServiceRuntime
from tests.support.apps import serving

BASE_URL = "http://issuer.test"


@dataclass
class RunningIssuer:
    app: FastAPI
    client: httpx.AsyncClient
    settings: IssuerSettings
    admin_token: str

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    @property
    def codes(self) -> PreAuthorizedCodes:
        """The issuer's own pre-authorized codes, to read or mint one as the issuer would."""
        return PreAuthorizedCodes.of(self.settings, self.runtime.key_encryption_key)

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def session(self) -> AbstractAsyncContextManager[AsyncSession]:
        """``async with issuer.session() as session:`` one committed unit of work."""
        return session_scope(self.runtime.sessions)


@pytest.fixture
def issuer_settings_for(
    data_dir: Path,
) -> Callable[..., IssuerSettings]:
    def make(database_url: str, **overrides: Any) -> IssuerSettings:
        return IssuerSettings(
            data_dir=data_dir,
            database_url=database_url,
            public_base_url=BASE_URL,
            **overrides,
        )

    return make


@pytest.fixture
async def issuer(
    database_url_for: Callable[[str], Any],
    issuer_settings_for: Callable[..., IssuerSettings],
) -> AsyncIterator[RunningIssuer]:
    """A development issuer (seeded demo catalogue) served in-process at BASE_URL."""
    settings = issuer_settings_for(await database_url_for("issuer"))
    app = create_app(settings)
    async with serving(app, base_url=BASE_URL) as client:
        token = (settings.data_dir / DEV_TOKEN_FILE).read_text().strip()
        yield RunningIssuer(app, client, settings, token)
