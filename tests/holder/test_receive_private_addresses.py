"""An offer pointing at a private address is refused in production, and works in development.

Production (``HolderSettings(environment="production", …)``) runs the wallet's outbound
client without loopback: an offer URI on a private network, or an issuer on 127.0.0.1, is
refused before any connection is made. Development allows loopback, so laptops can run an
issuer beside the wallet.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import quote

import pytest

from holder.app import MIGRATIONS_DIR, create_app
from holder.settings import HolderSettings
from shared.db import create_engine, upgrade_database
from shared.settings import new_kek_text
from tests.holder.conftest import BASE_URL, RunningWallet
from tests.holder.test_receive_issuer_double import IssuerDouble
from tests.support.apps import serving


@pytest.fixture
async def production_wallet(
    database_url_for: Callable[[str], Any],
    wallet_settings_for: Callable[..., HolderSettings],
) -> AsyncIterator[RunningWallet]:
    settings = wallet_settings_for(
        await database_url_for("holder"),
        environment="production",
        key_encryption_key=new_kek_text(),
        tls_terminated_by_proxy=True,  # BASE_URL is http; TLS would end at a proxy
    )
    # Production does not migrate on start-up; the operator runs `credstack migrate`.
    engine = create_engine(settings.resolved_database_url)
    try:
        await upgrade_database(engine, MIGRATIONS_DIR)
    finally:
        await engine.dispose()
    app = create_app(settings)
    async with serving(app, base_url=BASE_URL) as client, AsyncExitStack() as stack:
        yield RunningWallet(app, client, settings, stack)


@pytest.mark.parametrize(
    "offer_uri",
    [
        "https://10.0.0.1/offer",
        "https://192.168.1.20/credential-offer/abc",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/offer",
        "https://[fd00::1]/offer",
    ],
)
async def test_production_refuses_an_offer_uri_on_a_private_address(
    production_wallet: RunningWallet, offer_uri: str
) -> None:
    learner = await production_wallet.sign_up()
    link = "openid-credential-offer://?credential_offer_uri=" + quote(offer_uri, safe="")
    opened = await learner.api.post("/api/v1/offers", json={"offer_uri": link})
    assert opened.status_code == 400, opened.text
    assert opened.json()["error"] == "unsafe_url"
    assert "Refused to fetch" in opened.json()["error_description"]


async def test_production_refuses_an_issuer_on_loopback_and_never_contacts_it(
    production_wallet: RunningWallet,
) -> None:
    learner = await production_wallet.sign_up()
    async with IssuerDouble().running() as issuer:
        by_reference = await learner.api.post(
            "/api/v1/offers", json={"offer_uri": issuer.offer_link()}
        )
        offer = json.dumps(issuer.offer())
        by_value = await learner.api.post(
            "/api/v1/offers",
            json={"offer_uri": "openid-credential-offer://?credential_offer=" + quote(offer)},
        )
    for refused in (by_reference, by_value):
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "unsafe_url"
        assert "loopback" in refused.json()["error_description"]
    assert issuer.requests == []


async def test_development_reaches_an_issuer_on_loopback(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble(host="localhost").running() as issuer:
        opened = await learner.api.post("/api/v1/offers", json={"offer_uri": issuer.offer_link()})
    assert opened.status_code == 201, opened.text
    assert opened.json()["issuer"]["host"].startswith("localhost:")
