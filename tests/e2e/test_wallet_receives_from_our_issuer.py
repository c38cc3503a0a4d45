"""The wallet receives from our issuer, both real processes talking over real HTTP.

``credstack serve issuer`` and ``credstack serve holder`` run side by side in development
mode (separate data directories, free ports). A registrar awards a micro-credential through
the issuer's admin API; the learner opens the offer in the wallet's API, sees who offers
what, accepts (with the PIN when the offer has one), and the credential the wallet stored
verifies and is bound to the learner's DID. Neither process imports the other.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from shared.credentials.formats import get_format
from shared.did.resolver import DIDResolver
from tests.support.processes import clean_environment, credstack_command, free_port

pytestmark = pytest.mark.slow

START_TIMEOUT = 90
PASSWORD = "a long enough password"


@dataclass
class Service:
    base_url: str
    data_dir: Path
    log: Path


def _wait_until_healthy(process: subprocess.Popen[bytes], service: Service) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"it exited with {process.returncode}:\n{service.log.read_text()}")
        try:
            if httpx.get(f"{service.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not healthy after {START_TIMEOUT}s:\n{service.log.read_text()}")


@contextmanager
def serving(name: str, tmp_path: Path, port: int, **env: str) -> Iterator[Service]:
    service = Service(f"http://127.0.0.1:{port}", tmp_path / name, tmp_path / f"{name}.log")
    service.data_dir.mkdir()
    with service.log.open("wb") as log:
        process = subprocess.Popen(
            credstack_command("serve", name, "--port", str(port)),
            env=clean_environment(service.data_dir, CREDSTACK_ENV="development", **env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(process, service)
        yield service
    finally:
        process.terminate()
        process.wait(timeout=30)
        # Shown by pytest when the test fails.
        print(f"--- {name} log ---\n{service.log.read_text()}")


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[Service, Service]]:
    holder_port = free_port()
    with (
        serving("holder", tmp_path, holder_port) as holder,
        serving(
            "issuer",
            tmp_path,
            free_port(),
            # The issuer's "open in wallet" links point at this wallet.
            ISSUER_WALLET_URL=f"http://127.0.0.1:{holder_port}",
        ) as issuer,
    ):
        yield issuer, holder


async def award(issuer: Service, *, tx_code: bool) -> dict[str, Any]:
    """What a registrar does: pick a micro-credential, award it, get the offer."""
    token = (issuer.data_dir / "issuer-admin-token").read_text().strip()
    admin = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=issuer.base_url, headers=admin, timeout=30) as client:
        achievements = await client.get("/api/v1/achievements")
        assert achievements.status_code == 200, achievements.text
        created = await client.post(
            "/api/v1/awards",
            json={
                "achievement_id": achievements.json()[0]["id"],
                "name": "Maria Muster",
                "email": "maria@example.org",
                "tx_code": tx_code,
            },
        )
    assert created.status_code == 201, created.text
    offer: dict[str, Any] = created.json()
    return offer


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
    # The offer was single-use: the issuer no longer serves it.
    assert again.status_code == 502, again.text


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
