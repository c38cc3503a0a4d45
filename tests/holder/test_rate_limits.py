"""Sign-ups per client address are limited, on the API and on the page, across wallets on
one database, and the limit can be turned off."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx

from holder.app import create_app
from holder.pages.common import CSRF_FIELD
from holder.settings import HolderSettings
from tests.holder.conftest import BASE_URL, PASSWORD
from tests.holder.test_accounts import csrf_of, sign_up_api
from tests.support.apps import serving

SettingsFor = Callable[..., HolderSettings]
HTML = {"Accept": "text/html"}


@asynccontextmanager
async def wallet_app(
    settings: HolderSettings, *others_at: str
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """A wallet process with these settings: a client, and one connecting from each address
    of ``others_at``."""
    app = create_app(settings)
    async with serving(app, base_url=BASE_URL) as client, AsyncExitStack() as stack:
        others = [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app, client=(address, 50123)),
                    base_url=BASE_URL,
                )
            )
            for address in others_at
        ]
        yield [client, *others]


async def settings_with(
    database_url_for: Callable[[str], Any], settings_for: SettingsFor, **overrides: Any
) -> HolderSettings:
    return settings_for(await database_url_for("holder"), **overrides)


async def sign_up_page(client: httpx.AsyncClient, email: str) -> httpx.Response:
    form = await client.get("/signup", headers=HTML)
    assert form.status_code == 200, form.text
    data = {"email": email, "password": PASSWORD, "display_name": "Ada", "language": "en"}
    return await client.post("/signup", headers=HTML, data={**data, CSRF_FIELD: csrf_of(form.text)})


async def test_sign_ups_over_the_limit_get_429_with_retry_after(
    database_url_for: Callable[[str], Any], wallet_settings_for: SettingsFor
) -> None:
    settings = await settings_with(
        database_url_for, wallet_settings_for, rate_limit_signup_per_address="2/hour"
    )
    async with wallet_app(settings, "203.0.113.9") as (client, elsewhere):
        assert (await sign_up_api(client, "one@example.org")).status_code == 201
        assert (await sign_up_page(client, "two@example.org")).status_code == 303

        refused = await sign_up_api(client, "three@example.org")
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 3600
        assert "try again" in refused.json()["error_description"]

        page = await sign_up_page(client, "four@example.org")
        assert page.status_code == 429, page.text
        assert "text/html" in page.headers["content-type"]
        assert "try again" in page.text
        assert "Retry-After" in page.headers

        # No account was made for the refused ones.
        login = {"email": "three@example.org", "password": PASSWORD}
        assert (await client.post("/api/v1/sessions", json=login)).status_code == 401
        assert (await sign_up_api(elsewhere, "five@example.org")).status_code == 201


async def test_two_wallets_on_one_database_share_the_count(
    database_url_for: Callable[[str], Any], wallet_settings_for: SettingsFor
) -> None:
    settings = await settings_with(
        database_url_for, wallet_settings_for, rate_limit_signup_per_address="1/hour"
    )
    async with AsyncExitStack() as stack:
        [one] = await stack.enter_async_context(wallet_app(settings))
        [two] = await stack.enter_async_context(wallet_app(settings))
        assert (await sign_up_api(one, "one@example.org")).status_code == 201
        assert (await sign_up_api(two, "two@example.org")).status_code == 429


async def test_the_limit_can_be_turned_off(
    database_url_for: Callable[[str], Any], wallet_settings_for: SettingsFor
) -> None:
    settings = await settings_with(
        database_url_for,
        wallet_settings_for,
        rate_limit_signup_per_address="1/hour",
        rate_limits_enabled=False,
    )
    async with wallet_app(settings) as (client,):
        for number in range(3):
            response = await sign_up_api(client, f"learner{number}@example.org")
            assert response.status_code == 201, response.text
