"""A verifier app on a fresh database, its HTTP client, the demo employer's token, and a
wallet's side (holder and issuer did:keys, real signatures) to answer its requests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from shared.credentials.formats import credential_formats
from shared.credentials.microcredential.i18n import LocalizedText
from shared.crypto.jose import unverified_claims
from shared.crypto.keys import SigningKey
from shared.db import session_scope
from shared.did.resolver import DIDResolver
from shared.runtime import ServiceRuntime
from tests.holder.samples import micro_credential
from tests.shared.credentials.test_microcredential_samples import did_key_signer
from tests.support.apps import serving
from verifier.app import create_app
from verifier.employers.dev_token import DEV_TOKEN_FILE
from verifier.requests.engine import EngineCheckers
from verifier.settings import VerifierSettings
from verifier.trust.entries import TrustedIssuer

BASE_URL = "http://verifier.test"
# A loopback base URL: a development wallet accepts http only there.
LOCAL_BASE_URL = "http://localhost:8003"


@dataclass
class InMemoryTrust:
    """A trust list in memory (the stored one is verifier.trust's)."""

    issuers: dict[str, TrustedIssuer] = field(default_factory=dict)

    def add(self, did: str) -> None:
        self.issuers[did] = TrustedIssuer(
            did=did,
            name=LocalizedText.model_validate({"en": "University of Example"}),
            country="DE",
            accreditation="Akkreditierungsrat",
        )

    async def lookup(self, did: str) -> TrustedIssuer | None:
        return self.issuers.get(did)


@dataclass
class RunningVerifier:
    app: FastAPI
    client: httpx.AsyncClient
    settings: VerifierSettings
    token: str
    trust: InMemoryTrust

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def session(self) -> AbstractAsyncContextManager[AsyncSession]:
        """``async with verifier.session() as session:`` one committed unit of work."""
        return session_scope(self.runtime.sessions)

    async def create_request(self, **body: Any) -> dict[str, Any]:
        body = body or {"template": "microcredential"}
        created = await self.client.post("/api/v1/requests", json=body, headers=self.auth)
        assert created.status_code == 201, created.text
        result: dict[str, Any] = created.json()
        return result

    async def request_object(self, request: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The request object behind the request's link, and its (unverified) claims."""
        uri = urlsplit(request["request_object_uri"])
        fetched = await self.client.get(uri.path, params=parse_qs(uri.query))
        assert fetched.status_code == 200, fetched.text
        assert fetched.headers["content-type"].startswith("application/oauth-authz-req+jwt")
        return fetched.text, unverified_claims(fetched.text)

    async def get(self, request_id: str, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return await self.client.get(f"/api/v1/requests/{request_id}", headers=headers)


@pytest.fixture
def verifier_settings_for(data_dir: Path) -> Callable[..., VerifierSettings]:
    def make(database_url: str, **overrides: Any) -> VerifierSettings:
        values = {"data_dir": data_dir, "database_url": database_url, "public_base_url": BASE_URL}
        return VerifierSettings(**{**values, **overrides})

    return make


@asynccontextmanager
async def running_verifier(settings: VerifierSettings) -> AsyncIterator[RunningVerifier]:
    """A development verifier (seeded Demo Employer) served in-process at its base URL, whose
    checks engine reads an in-memory trust list."""
    trust = InMemoryTrust()
    app = create_app(settings, checker_factory=EngineCheckers(lambda _session: trust))
    async with serving(app, base_url=settings.base_url) as client:
        token = (settings.data_dir / DEV_TOKEN_FILE).read_text().strip()
        yield RunningVerifier(app, client, settings, token, trust)


@pytest.fixture
async def verifier(
    database_url_for: Callable[[str], Any],
    verifier_settings_for: Callable[..., VerifierSettings],
) -> AsyncIterator[RunningVerifier]:
    async with running_verifier(verifier_settings_for(await database_url_for("verifier"))) as v:
        yield v


@dataclass
class Wallet:
    """A learner's side: a holder did:key with micro-credentials from a did:key issuer,
    signed and presented with shared.credentials.formats (real signatures)."""

    holder: SigningKey
    issuer: SigningKey

    @property
    def formats(self) -> dict[str, Any]:
        return credential_formats(DIDResolver())

    async def credential(self, fmt: str, **changes: Any) -> dict[str, Any] | str:
        unsigned = micro_credential(self.holder.did, issuer_did=self.issuer.did, **changes)
        signed: dict[str, Any] | str = await self.formats[fmt].sign_credential(
            unsigned, self.issuer
        )
        return signed

    async def presentation(
        self, fmt: str, credential: dict[str, Any] | str, *, nonce: str, audience: str
    ) -> dict[str, Any] | str:
        presentation = {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiablePresentation"],
            "holder": self.holder.did,
            "verifiableCredential": [credential],
        }
        signed: dict[str, Any] | str = await self.formats[fmt].sign_presentation(
            presentation, self.holder, nonce=nonce, audience=audience
        )
        return signed


@pytest.fixture(scope="module")
def wallet() -> Wallet:
    return Wallet(holder=did_key_signer(), issuer=did_key_signer())


@pytest.fixture
async def local_verifier(
    database_url_for: Callable[[str], Any],
    verifier_settings_for: Callable[..., VerifierSettings],
) -> AsyncIterator[RunningVerifier]:
    """The same verifier at a loopback address, for our wallet to fetch from."""
    settings = verifier_settings_for(
        await database_url_for("verifier"), public_base_url=LOCAL_BASE_URL
    )
    async with running_verifier(settings) as verifier:
        yield verifier
