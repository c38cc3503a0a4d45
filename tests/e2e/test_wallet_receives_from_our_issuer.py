"""The wallet receives from our issuer, both real processes talking over real HTTP.

``credstack serve issuer`` and ``credstack serve holder`` run side by side in development
mode (separate data directories, free ports). A registrar awards a micro-credential through
the issuer's admin API; the learner opens the offer in the wallet's API, sees who offers
what, accepts (with the PIN when the offer has one), and the credential the wallet stored
verifies and is bound to the learner's DID. Neither process imports the other.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from shared.credentials.formats import get_format
from shared.did.resolver import DIDResolver
from tests.support.processes import Service, award, issuer_and_wallet

pytestmark = pytest.mark.slow

PASSWORD = "a long enough password"


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[Service, Service]]:
    with issuer_and_wallet(tmp_path) as both:
        yield both


@asynccontextmanager
async def learner(holder: Service, email: str) -> AsyncIterator[httpx.AsyncClient]:
    """A new learner's API client, signed in with a bearer token."""
    async with httpx.AsyncClient(base_url=holder.base_url, timeout=60) as client:
        signed_up = await client.post(
            "/api/v1/accounts",
            json={"email": email, "password": PASSWORD, "display_name": "Maria"},
        )
        assert signed_up.status_code == 201, signed_up.text
        session = await client.post("/api/v1/sessions", json={"email": email, "password": PASSWORD})
        assert session.status_code == 201, session.text
        client.headers["Authorization"] = f"Bearer {session.json()['token']}"
        yield client


async def assert_stored_and_verifies(
    wallet: httpx.AsyncClient, credential_id: str
) -> dict[str, Any]:
    me = (await wallet.get("/api/v1/me")).json()
    stored = await wallet.get(f"/api/v1/credentials/{credential_id}")
    assert stored.status_code == 200, stored.text
    body: dict[str, Any] = stored.json()
    result = await get_format(body["format"], DIDResolver()).verify_credential(body["document"])
    assert result.verified, result.problems
    assert result.document["credentialSubject"]["id"] == me["did"]
    return body


async def test_the_wallet_receives_an_offer_from_our_issuer(
    services: tuple[Service, Service],
) -> None:
    issuer, holder = services
    offer = await award(issuer, tx_code=False)
    async with learner(holder, "maria@example.org") as wallet:
        opened = await wallet.post(
            "/api/v1/offers", json={"offer_uri": offer["credential_offer_uri"]}
        )
        assert opened.status_code == 201, opened.text
        pending = opened.json()
        # The issuer's identifier is its public base URL (http://localhost:<port> here).
        assert pending["issuer"]["host"] == f"localhost:{urlsplit(issuer.base_url).port}"
        assert pending["issuer"]["name"]  # the issuer's display name, in the learner's language
        assert pending["protocol_version"] == "1.0"
        assert pending["receiving"]["format"] == "ldp_vc"
        assert pending["tx_code_required"] is False
        accepted = await wallet.post(f"/api/v1/offers/{pending['id']}/accept", json={})
        assert accepted.status_code == 201, accepted.text
        body = await assert_stored_and_verifies(wallet, accepted.json()["id"])
        again = await wallet.post(
            "/api/v1/offers", json={"offer_uri": offer["credential_offer_uri"]}
        )
    assert body["source"] == "oid4vci"
    assert body["ects"] == 5.0
    assert body["eqf_level"] == 6
    # The offer was single-use: the issuer no longer serves it, and the learner is told so.
    assert again.status_code == 404, again.text
    assert again.json()["error"] == "invalid_credential_offer"
    assert "accepted already" in again.json()["error_description"]


async def test_the_wallet_receives_an_offer_with_a_pin_from_our_issuer(
    services: tuple[Service, Service],
) -> None:
    issuer, holder = services
    offer = await award(issuer, tx_code=True)
    async with learner(holder, "pin@example.org") as wallet:
        opened = await wallet.post(
            "/api/v1/offers", json={"offer_uri": offer["credential_offer_uri"]}
        )
        assert opened.status_code == 201, opened.text
        pending = opened.json()
        assert pending["tx_code_required"] is True
        assert pending["tx_code"]["length"] == len(offer["tx_code"])
        accept = f"/api/v1/offers/{pending['id']}/accept"
        pin = offer["tx_code"]
        wrong_pin = "".join(str((int(digit) + 1) % 10) for digit in pin)
        refused = await wallet.post(accept, json={"tx_code": wrong_pin})
        accepted = await wallet.post(accept, json={"tx_code": offer["tx_code"]})
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "invalid_grant"
        assert accepted.status_code == 201, accepted.text
        await assert_stored_and_verifies(wallet, accepted.json()["id"])


async def test_the_issuers_open_in_wallet_link_leads_to_our_wallet(
    services: tuple[Service, Service],
) -> None:
    issuer, holder = services
    offer = await award(issuer, tx_code=False)
    link = urlsplit(offer["wallet_link"])
    assert f"{link.scheme}://{link.netloc}" == holder.base_url
    async with httpx.AsyncClient(
        base_url=holder.base_url, headers={"Accept": "text/html"}
    ) as browser:
        page = await browser.get(f"{link.path}?{link.query}")
    # Not signed in: log in first, then come back to the same link.
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=%2Freceive%3F")


async def test_an_offer_by_reference_is_fetched_again_when_its_code_has_expired(
    tmp_path: Path,
) -> None:
    """The learner reads the offer for longer than the issuer's codes live: accepting fetches
    the offer link again for a fresh code. An offer passed by value has no such link, so its
    expired code is refused with the issuer's invalid_grant."""
    with issuer_and_wallet(tmp_path, ISSUER_PRE_AUTHORIZED_CODE_TTL_SECONDS="1") as (
        issuer,
        holder,
    ):
        by_reference = (await award(issuer, tx_code=False))["credential_offer_uri"]
        offer_uri = (await award(issuer, tx_code=False))["credential_offer_uri"]
        async with httpx.AsyncClient() as client:
            offer_object = (await client.get(parse_offer_uri(offer_uri))).json()
        by_value = "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer_object))
        async with learner(holder, "slow@example.org") as wallet:
            pending = [
                (await wallet.post("/api/v1/offers", json={"offer_uri": link})).json()
                for link in (by_reference, by_value)
            ]
            await asyncio.sleep(3)  # both codes are now older than their one second
            accepted, refused = [
                await wallet.post(f"/api/v1/offers/{offer['id']}/accept", json={})
                for offer in pending
            ]
            assert accepted.status_code == 201, accepted.text
            await assert_stored_and_verifies(wallet, accepted.json()["id"])
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_grant"
    assert "expired" in refused.json()["error_description"]


def parse_offer_uri(link: str) -> str:
    """The ``credential_offer_uri`` parameter of an ``openid-credential-offer://`` link."""
    (value,) = parse_qs(urlsplit(link).query)["credential_offer_uri"]
    return value
