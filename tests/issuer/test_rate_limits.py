"""Rate limits of the token, nonce and credential endpoints, held in the database.

- Over a limit: 429, ``Retry-After`` (seconds), ``rate_limited`` and a sentence in words;
  under it, the endpoint answers as ever; another address has its own count.
- The token endpoint also counts per offer, whichever address the requests come from; a
  forged code counts against no offer.
- Two issuers on one database share each count; the limits can be turned off.
- ``X-Forwarded-For`` names the client only when a trusted proxy is configured, and then
  only the entry the proxy wrote.
- The table keeps a keyed hash of each address, never the address.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from issuer.admin.tokens import DEV_TOKEN_FILE
from issuer.app import create_app
from issuer.models import RateLimitCounter
from issuer.settings import IssuerSettings
from shared.rate_limit_settings import Limit
from shared.rate_limits import RateLimited, RateLimiter
from tests.issuer.conftest import BASE_URL, RunningIssuer
from tests.issuer.test_oid4vci import Wallet, did_key_signer, error_of, make_offer
from tests.support.apps import serving

SettingsFor = Callable[..., IssuerSettings]
FORGED_CODE = {"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code"}


@asynccontextmanager
async def running(settings: IssuerSettings) -> AsyncIterator[RunningIssuer]:
    """An issuer process with these settings (another one on the same database shares it)."""
    app = create_app(settings)
    async with serving(app, base_url=BASE_URL) as client:
        token = (settings.data_dir / DEV_TOKEN_FILE).read_text().strip()
        yield RunningIssuer(app, client, settings, token)


@asynccontextmanager
async def issuer_with(
    database_url_for: Callable[[str], Any], settings_for: SettingsFor, **overrides: Any
) -> AsyncIterator[RunningIssuer]:
    async with running(settings_for(await database_url_for("issuer"), **overrides)) as issuer:
        yield issuer


@asynccontextmanager
async def client_at(issuer: RunningIssuer, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client connecting from ``address``."""
    transport = httpx.ASGITransport(app=issuer.app, client=(address, 50123))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


def assert_rate_limited(response: httpx.Response, *, within: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "rate_limited"
    assert "try again" in response.json()["error_description"]
    assert 1 <= int(response.headers["Retry-After"]) <= within
    assert response.headers["Cache-Control"] == "no-store"


async def test_nonce_requests_over_the_limit_get_429_with_retry_after_per_address(
    database_url_for: Callable[[str], Any], issuer_settings_for: SettingsFor
) -> None:
    async with (
        issuer_with(
            database_url_for, issuer_settings_for, rate_limit_nonce_per_address="3/minute"
        ) as issuer,
        client_at(issuer, "203.0.113.5") as first,
        client_at(issuer, "198.51.100.7") as second,
    ):
        for _ in range(3):
            response = await first.post("/nonce")
            assert response.status_code == 200, response.text
        assert_rate_limited(await first.post("/nonce"), within=60)
        assert_rate_limited(await first.post("/nonce"), within=60)  # still refused
        assert (await second.post("/nonce")).status_code == 200  # its own count


async def test_token_requests_are_limited_per_address(
    database_url_for: Callable[[str], Any], issuer_settings_for: SettingsFor
) -> None:
    async with issuer_with(
        database_url_for, issuer_settings_for, rate_limit_token_per_address="2/minute"
    ) as issuer:
        forged = {**FORGED_CODE, "pre-authorized_code": "not.a.code"}
        assert error_of(await issuer.client.post("/token", data=forged)) == "invalid_grant"
        assert error_of(await issuer.client.post("/token", data=forged)) == "invalid_grant"
        assert_rate_limited(await issuer.client.post("/token", data=forged), within=60)
        # Refused before the code is looked at: a right one fares no better.
        offer = await Wallet(issuer.client, did_key_signer()).offer(
            await make_offer(issuer), issuer
        )
        assert_rate_limited(await Wallet(issuer.client, did_key_signer()).token(offer), within=60)


async def test_token_requests_for_one_offer_are_limited_whatever_their_address(
    database_url_for: Callable[[str], Any], issuer_settings_for: SettingsFor
) -> None:
    async with issuer_with(
        database_url_for,
        issuer_settings_for,
        rate_limit_token_per_offer="2/minute",
        rate_limit_token_per_address="100/minute",
        tx_code_max_failures=10,
    ) as issuer:
        attacked, other = await make_offer(issuer, with_tx_code=True), await make_offer(issuer)
        assert attacked.tx_code is not None
        wrong = "000000" if attacked.tx_code != "000000" else "111111"
        answers = []
        for number in range(3):
            async with client_at(issuer, f"203.0.113.{number + 1}") as client:
                wallet = Wallet(client, did_key_signer())
                offer = await wallet.offer(attacked, issuer)  # a fresh code each time
                answers.append(await wallet.token(offer, tx_code=wrong))
        assert [error_of(answer) for answer in answers[:2]] == ["invalid_grant"] * 2
        assert_rate_limited(answers[2], within=60)

        async with client_at(issuer, "198.51.100.9") as client:
            wallet = Wallet(client, did_key_signer())
            # Forged codes name no offer, so they use up none ...
            forged = {**FORGED_CODE, "pre-authorized_code": "b2ZmZXI.AAAAAAAAAAA.c2FsdA.bWFj"}
            for _ in range(3):
                assert error_of(await client.post("/token", data=forged)) == "invalid_grant"
            # ... and another offer has a count of its own.
            response = await wallet.token(await wallet.offer(other, issuer))
            assert response.status_code == 200, response.text


async def test_credential_requests_are_limited_per_address_before_the_token_is_read(
    database_url_for: Callable[[str], Any], issuer_settings_for: SettingsFor
) -> None:
    async with issuer_with(
        database_url_for, issuer_settings_for, rate_limit_credential_per_address="1/minute"
    ) as issuer:
        assert (await issuer.client.post("/credential", json={})).status_code == 401
        assert_rate_limited(await issuer.client.post("/credential", json={}), within=60)


async def test_two_issuers_on_one_database_share_the_count(
    database_url_for: Callable[[str], Any], issuer_settings_for: SettingsFor
) -> None:
    settings = issuer_settings_for(
        await database_url_for("issuer"), rate_limit_nonce_per_address="2/minute"
    )
    async with running(settings) as one, running(settings) as two:
        assert (await one.client.post("/nonce")).status_code == 200
        assert (await two.client.post("/nonce")).status_code == 200
        assert_rate_limited(await one.client.post("/nonce"), within=60)
        assert_rate_limited(await two.client.post("/nonce"), within=60)


async def test_parallel_requests_on_two_issuers_each_count(
    database_url_for: Callable[[str], Any], issuer_settings_for: SettingsFor
) -> None:
    settings = issuer_settings_for(
        await database_url_for("issuer"), rate_limit_nonce_per_address="5/minute"
    )
    async with running(settings) as one, running(settings) as two:
        clients = [one.client, two.client]
        answers = await asyncio.gather(*(clients[i % 2].post("/nonce") for i in range(12)))
    assert sorted(answer.status_code for answer in answers) == [200] * 5 + [429] * 7


async def test_limits_can_be_turned_off(
    database_url_for: Callable[[str], Any], issuer_settings_for: SettingsFor
) -> None:
    async with issuer_with(
        database_url_for,
        issuer_settings_for,
        rate_limits_enabled=False,
        rate_limit_nonce_per_address="1/minute",
        rate_limit_token_per_address="1/minute",
    ) as issuer:
        for _ in range(3):
            assert (await issuer.client.post("/nonce")).status_code == 200
            forged = {**FORGED_CODE, "pre-authorized_code": "x"}
            assert error_of(await issuer.client.post("/token", data=forged)) == "invalid_grant"
        async with issuer.session() as session:
            assert list(await session.scalars(select(RateLimitCounter))) == []


async def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(
    database_url_for: Callable[[str], Any], issuer_settings_for: SettingsFor
) -> None:
    def forwarded(value: str) -> dict[str, str]:
        return {"X-Forwarded-For": value}

    async with issuer_with(
        database_url_for, issuer_settings_for, rate_limit_nonce_per_address="1/minute"
    ) as direct:
        # No proxy configured: anyone can write the header, so it changes nothing.
        assert (await direct.client.post("/nonce", headers=forwarded("192.0.2.1"))).is_success
        refused = await direct.client.post("/nonce", headers=forwarded("192.0.2.2"))
        assert_rate_limited(refused, within=60)

    async with issuer_with(
        database_url_for,
        issuer_settings_for,
        rate_limit_nonce_per_address="1/minute",
        trusted_proxies=1,
    ) as proxied:
        post = proxied.client.post
        assert (await post("/nonce", headers=forwarded("192.0.2.1"))).is_success
        assert (await post("/nonce", headers=forwarded("192.0.2.2"))).is_success
        # The client wrote the first entry itself; the proxy appended the one that counts.
        assert_rate_limited(
            await post("/nonce", headers=forwarded("198.51.100.50, 192.0.2.1")), within=60
        )


async def test_the_table_keeps_no_client_address(
    database_url_for: Callable[[str], Any], issuer_settings_for: SettingsFor
) -> None:
    async with (
        issuer_with(database_url_for, issuer_settings_for) as issuer,
        client_at(issuer, "203.0.113.77") as client,
    ):
        assert (await client.post("/nonce")).status_code == 200
        async with issuer.session() as session:
            rows = list(await session.scalars(select(RateLimitCounter)))
    assert [(row.bucket, row.hits) for row in rows] == [("nonce/address", 1)]
    assert len(rows[0].key_hash) == 64
    assert "203.0.113.77" not in rows[0].key_hash


async def test_a_window_ends_and_counting_starts_again(issuer: RunningIssuer) -> None:
    now = 60.0 * 29_000_000 + 20  # 20 seconds into a minute-long window

    limiter = RateLimiter(
        issuer.runtime.sessions,
        issuer.runtime.key_encryption_key,
        RateLimitCounter,
        clock=lambda: now,
    )
    limit = Limit(2, 60)
    await limiter.hit("test", "a", limit)
    await limiter.hit("test", "a", limit)
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("test", "a", limit)
    assert refused.value.retry_after_seconds == 40
    assert refused.value.headers == {"Retry-After": "40"}
    assert "40 seconds" in refused.value.description

    now += 40
    await limiter.hit("test", "a", limit)  # a new window

    # A key quiet for a whole window is tidied away when another key's window begins.
    now += 180
    await limiter.hit("test", "b", limit)
    async with issuer.session() as session:
        rows = list(await session.scalars(select(RateLimitCounter)))
    assert [(row.bucket, row.hits) for row in rows] == [("test", 1)]


def test_limits_are_read_from_words_in_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISSUER_RATE_LIMIT_NONCE_PER_ADDRESS", "5/10 seconds")
    monkeypatch.setenv("ISSUER_RATE_LIMIT_TOKEN_PER_OFFER", "3/hour")
    monkeypatch.setenv("CREDSTACK_TRUSTED_PROXIES", "2")
    settings = IssuerSettings()
    assert settings.rate_limit_nonce_per_address == Limit(5, 10)
    assert settings.rate_limit_token_per_offer == Limit(3, 3600)
    assert settings.rate_limit_token_per_address == Limit(30, 60)
    assert settings.trusted_proxies == 2
    assert settings.rate_limits_enabled
    with pytest.raises(ValueError, match="30/minute"):
        IssuerSettings(rate_limit_nonce_per_address="lots")
