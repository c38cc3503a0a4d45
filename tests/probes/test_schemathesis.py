"""Hardening: a bounded schemathesis run against the OpenAPI of each service, signed in as
their users (the issuer's development admin, a wallet learner, the verifier's development
employer), and not one server error for any request it makes up.

Each service is built in-process on the suite's database. The machine is offline for the
run: a generated URL a service is asked to fetch (an offer, a webhook) fails as an
unreachable host does, which the service must answer in words with a 4xx.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import shared.http
from holder.app import create_app as create_wallet
from holder.settings import HolderSettings
from issuer.admin.tokens import DEV_TOKEN_FILE as ISSUER_TOKEN_FILE
from issuer.app import create_app as create_issuer
from issuer.settings import IssuerSettings
from tests.probes.conftest import SUMMARIES
from tests.probes.schemathesis_run import Tally, client, load, probe, stop_apps
from verifier.app import create_app as create_verifier
from verifier.employers.dev_token import DEV_TOKEN_FILE as VERIFIER_TOKEN_FILE
from verifier.settings import VerifierSettings

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
TRUSTED = {
    "did": "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    "name": {"fr": "Université d'Exemple"},
    "country": "FR",
    "accreditation": {"name": "Hcéres"},
}
# Run last, each with a fresh session: they end the session or the account itself.
WALLET_LAST = ("DELETE /api/v1/sessions/current", "DELETE /api/v1/me")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No fetch leaves the machine: names do not resolve, connections are refused."""

    async def no_dns(host: str, port: int) -> list[str]:
        raise OSError(f"offline: {host} does not resolve")

    async def no_network(self: Any, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline", request=request)

    monkeypatch.setattr(shared.http, "_system_resolver", no_dns)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", no_network)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def checked(tally: Tally) -> None:
    SUMMARIES.append(tally.summary())
    # Signed in: the list and account operations answered, not just 401s and 404s.
    assert tally.successes >= 5, tally.summary()
    assert not tally.server_errors, "\n".join(map(str, tally.server_errors))


async def run(run_probe: Callable[[], Tally]) -> Tally:
    """The probe blocks on schemathesis's own event-loop thread; keep ours free meanwhile."""

    def probe_then_stop() -> Tally:
        try:
            return run_probe()
        finally:
            stop_apps()

    return await asyncio.to_thread(probe_then_stop)


def issuer_records(app: Any, admin: dict[str, str]) -> dict[str, str]:
    """Real ids for the issuer's path parameters: the demo catalogue's first organisation
    and micro-credential, and an award of it."""
    issuer = client(app)
    base_url = "http://issuer.test"
    organisations = issuer.get(f"{base_url}/api/v1/organisations", headers=admin)
    achievements = issuer.get(f"{base_url}/api/v1/achievements", headers=admin)
    assert achievements.status_code == 200, achievements.text
    achievement_id = achievements.json()[0]["id"]
    award = issuer.post(
        f"{base_url}/api/v1/awards",
        json={"achievement_id": achievement_id, "name": "Maria Muster", "email": "m@example.org"},
        headers=admin,
    )
    assert award.status_code == 201, award.text
    offer = parse_qs(urlsplit(award.json()["credential_offer_uri"]).query)
    [offer_uri] = offer["credential_offer_uri"]
    return {
        "uri_token": urlsplit(offer_uri).path.rsplit("/", 1)[-1],
        "slug": organisations.json()[0]["slug"],
        "achievement_id": achievement_id,
        "number": "1",
        "award_id": award.json()["award_id"],
    }


async def test_issuer_has_no_server_error(
    database_url_for: Callable[[str], Any], data_dir: Path
) -> None:
    base_url = "http://issuer.test"
    # One client address sends every case: rate limits would answer most of them 429 and
    # hide what the endpoints do behind the limit (tests/issuer/test_rate_limits.py tests those).
    settings = IssuerSettings(
        data_dir=data_dir,
        database_url=await database_url_for("issuer"),
        public_base_url=base_url,
        rate_limits_enabled=False,
    )
    app = create_issuer(settings)

    def run_probe() -> Tally:
        schema = load(app)  # starts the app: the development admin token now exists
        admin = bearer((data_dir / ISSUER_TOKEN_FILE).read_text().strip())
        return probe(
            schema,
            Tally("issuer"),
            base_url,
            lambda _label: admin,
            known=issuer_records(app, admin),
        )

    checked(await run(run_probe))


async def test_wallet_has_no_server_error(
    database_url_for: Callable[[str], Any], data_dir: Path
) -> None:
    base_url = "http://wallet.test"
    settings = HolderSettings(
        data_dir=data_dir,
        database_url=await database_url_for("holder"),
        public_base_url=base_url,
        seed_demo=False,
        rate_limits_enabled=False,
    )
    app = create_wallet(settings)
    email = "probe@example.org"

    def run_probe() -> Tally:
        schema = load(app)
        wallet = client(app)
        signed_up = wallet.post(
            f"{base_url}/api/v1/accounts",
            json={"email": email, "password": PASSWORD, "display_name": "Probe"},
        )
        assert signed_up.status_code == 201, signed_up.text

        def log_in() -> str:
            session = wallet.post(
                f"{base_url}/api/v1/sessions", json={"email": email, "password": PASSWORD}
            )
            assert session.status_code == 201, session.text
            token: str = session.json()["token"]
            return token

        token = log_in()

        def headers(label: str) -> dict[str, str]:
            return bearer(log_in() if label in WALLET_LAST else token)

        return probe(schema, Tally("wallet"), base_url, headers, last=WALLET_LAST)

    checked(await run(run_probe))


def verifier_records(app: Any, employer: dict[str, str]) -> dict[str, str]:
    """Real ids for the verifier's path parameters: a request, a trusted university, a
    webhook endpoint (never called: no result arrives during the run)."""
    verifier, base_url = client(app), "http://verifier.test"

    def made(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = verifier.post(f"{base_url}{path}", json=body, headers=employer)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    request = made("/api/v1/requests", {"template": "microcredential"})
    university = made("/api/v1/trust-list", TRUSTED)
    endpoint = made("/api/v1/webhooks", {"url": "https://receiver.example/results"})
    return {
        "request_id": request["request_id"],
        "did": university["did"],
        "endpoint_id": endpoint["id"],
    }


async def test_verifier_has_no_server_error(
    database_url_for: Callable[[str], Any], data_dir: Path
) -> None:
    base_url = "http://verifier.test"
    settings = VerifierSettings(
        data_dir=data_dir, database_url=await database_url_for("verifier"), public_base_url=base_url
    )
    app = create_verifier(settings)

    def run_probe() -> Tally:
        schema = load(app)
        employer = bearer((data_dir / VERIFIER_TOKEN_FILE).read_text().strip())
        known = verifier_records(app, employer)
        return probe(schema, Tally("verifier"), base_url, lambda _label: employer, known=known)

    checked(await run(run_probe))
