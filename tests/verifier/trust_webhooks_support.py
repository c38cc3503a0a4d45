"""What the trust list and webhook tests share: a migrated verifier database with an
organisation and a presentation request in it, and a verifier app serving the trust list and
webhook APIs with a signed-in employer."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.clock import new_id, utcnow
from shared.db import create_engine, session_factory, session_scope, upgrade_database
from shared.runtime import ServiceRuntime
from tests.support.apps import serving
from verifier.app import MIGRATIONS_DIR, create_app
from verifier.employers.service import MEMBER, Employers
from verifier.models import Organisation, PresentationRequest
from verifier.settings import VerifierSettings
from verifier.trust import endpoints as trust_endpoints
from verifier.webhooks import endpoints as webhook_endpoints

BASE_URL = "http://verifier.test"

# A trust list as docs/verifier-trust-list.md describes it.
EXAMPLE: dict[str, Any] = {
    "universities": [
        {
            "did": "did:web:uni.example",
            "name": {"en": "University of Example", "de": "Universität Beispiel"},
            "country": "DE",
            "accreditation": {
                "name": "Agency for Quality Assurance (AQAS)",
                "url": "https://www.eqar.eu/register/agencies/aqas/",
            },
            "notes": {"en": "Institutional accreditation until 2031."},
        },
        {
            "did": "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
            "name": {"fr": "Université d'Exemple"},
            "country": "FR",
            "accreditation": {"name": "Hcéres"},
        },
    ]
}


@dataclass
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    kek: bytes

    async def organisation(self, slug: str = "acme") -> str:
        async with session_scope(self.sessions) as session:
            organisation = Organisation(id=new_id(), slug=slug, name=slug, created_at=utcnow())
            session.add(organisation)
        return organisation.id

    async def request(self, organisation_id: str) -> str:
        async with session_scope(self.sessions) as session:
            return await add_request(session, organisation_id)


async def add_request(session: AsyncSession, organisation_id: str) -> str:
    """A pending presentation request, as the requests capability would have stored it."""
    now = utcnow()
    request = PresentationRequest(
        id=new_id(),
        organisation_id=organisation_id,
        created_by="user:test",
        title="A data-literacy micro-credential",
        constraints={},
        era="1.0",
        client_id_scheme="redirect_uri",
        client_id="redirect_uri:http://verifier.test/response",
        nonce=secrets.token_urlsafe(16),
        state=secrets.token_urlsafe(16),
        created_at=now,
        expires_at=now + timedelta(minutes=10),
        same_device=False,
        status="pending",
    )
    session.add(request)
    await session.flush()
    return request.id


@asynccontextmanager
async def migrated_database(url: str) -> AsyncIterator[Database]:
    engine = create_engine(url)
    try:
        await upgrade_database(engine, MIGRATIONS_DIR)
        yield Database(engine, session_factory(engine), secrets.token_bytes(32))
    finally:
        await engine.dispose()


@dataclass
class RunningVerifier:
    app: FastAPI
    client: httpx.AsyncClient
    settings: VerifierSettings

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    async def employer_token(self, slug: str, *, role: str = MEMBER) -> dict[str, str]:
        """The Authorization header of a user (a member, unless ``role`` says operator) of a
        new organisation ``slug``."""
        async with session_scope(self.runtime.sessions) as session:
            employers = Employers(session)
            organisation = await employers.create_organisation(slug, slug.title())
            user = await employers.add_user(organisation, f"{slug} recruiter", role=role)
            token = await employers.create_token(user, "tests")
        return {"Authorization": f"Bearer {token}"}


def with_trust_and_webhook_apis(app: FastAPI) -> FastAPI:
    """Include the routers unless the app already does (the lead wires them into create_app)."""
    paths = {getattr(route, "path", None) for route in app.routes}
    for router in (trust_endpoints.router, webhook_endpoints.router):
        if router.prefix not in paths:
            app.include_router(router)
    return app


@asynccontextmanager
async def running_verifier(
    data_dir: Path, database_url: str, **overrides: Any
) -> AsyncIterator[RunningVerifier]:
    settings = VerifierSettings(
        data_dir=data_dir,
        database_url=database_url,
        public_base_url=BASE_URL,
        seed_demo=False,
        **overrides,
    )
    app = with_trust_and_webhook_apis(create_app(settings))
    async with serving(app, base_url=BASE_URL) as client:
        yield RunningVerifier(app, client, settings)
