"""A wallet app on a fresh database, and signed-in learners to drive it.

``wallet`` (a ``RunningWallet``) serves the holder in-process at ``BASE_URL``. Its helpers:

- ``await wallet.sign_up()`` → a ``SignedInLearner`` with two clients: ``api`` (bearer token,
  JSON) and ``browser`` (session cookie, asks for HTML), and ``post_form(path, data)`` that
  adds the CSRF token a page form carries.
- ``await wallet.store_credential(learner, document, ...)`` puts a credential straight into
  the learner's store (as receiving or importing would), returns its id.
- ``await wallet.private_key(learner)``: the learner's holder key, for leak scans.
- ``wallet.responses``: every response any of the wallet's test clients received, body
  read, in order: what tests/holder/test_key_never_leaves.py scans.

``two_learners`` (a ``TwoLearners``): learners A and B of one wallet, one credential each,
for the tests that A can neither read, present nor delete B's credentials.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from holder.accounts.login import Logins
from holder.accounts.service import Accounts, SignUp
from holder.app import create_app
from holder.deps import SESSION_COOKIE, logins
from holder.models import Learner
from holder.pages.common import CSRF_FIELD, csrf_token_for
from holder.settings import HolderSettings
from holder.wallet.store import CredentialStore
from holder.wallet.summary import summarize
from shared.credentials.formats.base import SignedDocument
from shared.crypto.keys import PrivateKey
from shared.db import session_scope
from shared.runtime import ServiceRuntime
from tests.holder.samples import micro_credential
from tests.support.apps import serving

BASE_URL = "http://wallet.test"
PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


@dataclass
class SignedInLearner:
    id: str
    email: str
    password: str
    did: str
    token: str
    csrf: str  # what every page form of this session carries as ``csrf_token``
    api: httpx.AsyncClient  # Authorization: Bearer <token>
    browser: httpx.AsyncClient  # the session cookie, Accept: text/html, no redirects followed

    async def post_form(
        self,
        path: str,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """A page form POST from the browser, with this session's CSRF token."""
        return await self.browser.post(
            path, data={**(data or {}), CSRF_FIELD: self.csrf}, files=files
        )


@dataclass
class RunningWallet:
    app: FastAPI
    client: httpx.AsyncClient  # anonymous, JSON
    settings: HolderSettings
    stack: AsyncExitStack
    responses: list[httpx.Response] = field(default_factory=list)

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    @property
    def kek(self) -> bytes:
        return self.runtime.key_encryption_key

    def session(self) -> AbstractAsyncContextManager[AsyncSession]:
        """``async with wallet.session() as session:`` one committed unit of work."""
        return session_scope(self.runtime.sessions)

    def accounts(self, session: AsyncSession) -> Accounts:
        return Accounts(session, self.kek, self.settings.session_ttl_seconds)

    def logins(self, session: AsyncSession) -> Logins:
        """Logging in as the pages and the API do: password checked, guessing throttled."""
        return logins(session, self.runtime, self.settings)

    async def new_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """Another client of this wallet; its responses are recorded like all others."""
        return await self.stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self.app),
                base_url=BASE_URL,
                event_hooks={"response": [self._record]},
                **kwargs,
            )
        )

    async def _record(self, response: httpx.Response) -> None:
        await response.aread()
        self.responses.append(response)

    async def sign_up(
        self,
        email: str | None = None,
        *,
        password: str = PASSWORD,
        display_name: str = "Test Learner",
        language: str = "en",
    ) -> SignedInLearner:
        """A new learner, signed up and logged in through the accounts service."""
        email = email or f"learner{next(_numbers)}@example.org"
        async with self.session() as session:
            accounts = self.accounts(session)
            learner = await accounts.sign_up(SignUp(email, password, display_name, language))
            token = await accounts.open_session(learner)
            learner_id, did = learner.id, learner.did
        return await self.signed_in(learner_id, email, password, did, token)

    async def log_in(self, email: str, password: str = PASSWORD) -> SignedInLearner:
        async with self.session() as session:
            learner, token = await self.logins(session).log_in(email, password)
            learner_id, did = learner.id, learner.did
        return await self.signed_in(learner_id, email, password, did, token)

    async def signed_in(
        self, learner_id: str, email: str, password: str, did: str, token: str
    ) -> SignedInLearner:
        api = await self.new_client(headers={"Authorization": f"Bearer {token}"})
        browser = await self.new_client(
            headers={"Accept": "text/html"}, cookies={SESSION_COOKIE: token}
        )
        return SignedInLearner(
            id=learner_id,
            email=email,
            password=password,
            did=did,
            token=token,
            csrf=csrf_token_for(token, self.kek),
            api=api,
            browser=browser,
        )

    async def learner(self, session: AsyncSession, learner: SignedInLearner) -> Learner:
        record = await session.get(Learner, learner.id)
        assert record is not None, f"learner {learner.email} does not exist"
        return record

    async def store_credential(
        self,
        learner: SignedInLearner,
        document: SignedDocument,
        *,
        format_name: str = "ldp_vc",
        summary: dict[str, Any] | None = None,
        source: str = "import",
        status: str = "unknown",
    ) -> str:
        """Store ``document`` for ``learner`` directly, as receiving would (but unverified);
        the summary is made by holder.wallet.summary unless given."""
        if summary is None:
            summary = summarize(document, format_name, holder_did=learner.did)
        async with self.session() as session:
            store = CredentialStore(session, await self.learner(session, learner), self.kek)
            record = await store.add(
                format_name=format_name,
                document=document,
                summary=summary,
                issuer_id=str(summary.get("issuer_id") or ""),
                source=source,
                status=status,
            )
            credential_id = record.id
        return credential_id

    async def private_key(self, learner: SignedInLearner) -> PrivateKey:
        async with self.session() as session:
            accounts = self.accounts(session)
            key = await accounts.holder_signing_key(await self.learner(session, learner))
        return key.key


@pytest.fixture
def wallet_settings_for(data_dir: Path) -> Callable[..., HolderSettings]:
    def make(database_url: str, **overrides: Any) -> HolderSettings:
        values = {"public_base_url": BASE_URL, "seed_demo": False, **overrides}
        return HolderSettings(data_dir=data_dir, database_url=database_url, **values)

    return make


@pytest.fixture
async def wallet(
    database_url_for: Callable[[str], Any],
    wallet_settings_for: Callable[..., HolderSettings],
) -> AsyncIterator[RunningWallet]:
    """A development wallet served in-process at BASE_URL, on an empty database."""
    settings = wallet_settings_for(await database_url_for("holder"))
    app = create_app(settings)
    async with serving(app, base_url=BASE_URL) as client, AsyncExitStack() as stack:
        running = RunningWallet(app, client, settings, stack)
        client.event_hooks["response"].append(running._record)
        yield running


@dataclass
class TwoLearners:
    """Two learners of one wallet, each holding one credential: for "A cannot touch B's"."""

    a: SignedInLearner
    b: SignedInLearner
    a_credential: str
    b_credential: str


@pytest.fixture
async def two_learners(wallet: RunningWallet) -> TwoLearners:
    a, b = await wallet.sign_up(), await wallet.sign_up()
    return TwoLearners(
        a=a,
        b=b,
        a_credential=await wallet.store_credential(a, micro_credential(a.did)),
        b_credential=await wallet.store_credential(b, micro_credential(b.did, ects=3)),
    )
