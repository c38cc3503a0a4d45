"""Accounts over the API and the pages: sign up, log in and out, the learner's own record,
and the session cookie's attributes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from holder.app import create_app
from holder.deps import SESSION_COOKIE
from holder.pages.common import CSRF_FIELD, PRESESSION_COOKIE, safe_next
from holder.settings import HolderSettings
from tests.holder.conftest import PASSWORD, RunningWallet
from tests.support.apps import serving

HTML = {"Accept": "text/html"}


def csrf_of(page: str) -> str:
    match = re.search(rf'name="{CSRF_FIELD}" value="([0-9a-f]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def sign_up_api(client: httpx.AsyncClient, email: str, **extra: Any) -> httpx.Response:
    body = {"email": email, "password": PASSWORD, "display_name": "Ada", **extra}
    return await client.post("/api/v1/accounts", json=body)


async def test_sign_up_makes_an_account_with_its_own_did_and_no_key_in_sight(
    wallet: RunningWallet,
) -> None:
    created = await sign_up_api(wallet.client, "Ada@Example.org", language="de-at")
    assert created.status_code == 201, created.text
    me = created.json()
    assert me == {
        "email": "ada@example.org",
        "display_name": "Ada",
        "language": "de-AT",
        "did": me["did"],
    }
    assert me["did"].startswith("did:key:z6Mk")
    other = await sign_up_api(wallet.client, "grace@example.org")
    assert other.json()["did"] != me["did"]


async def test_sign_up_refuses_a_taken_address_a_short_password_and_a_bad_address(
    wallet: RunningWallet,
) -> None:
    assert (await sign_up_api(wallet.client, "ada@example.org")).status_code == 201
    again = await sign_up_api(wallet.client, "ADA@example.org")
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"
    short = await sign_up_api(wallet.client, "b@example.org", password="short")
    assert short.status_code == 400
    assert "10 characters" in short.json()["error_description"]
    assert (await sign_up_api(wallet.client, "not-an-address")).status_code == 400
    assert (await sign_up_api(wallet.client, "c@example.org", language="xx_1")).status_code == 400


async def test_a_session_token_opens_the_account_until_it_is_closed(
    wallet: RunningWallet,
) -> None:
    await sign_up_api(wallet.client, "ada@example.org")
    wrong = await wallet.client.post(
        "/api/v1/sessions", json={"email": "ada@example.org", "password": "wrong password"}
    )
    assert wrong.status_code == 401
    unknown = await wallet.client.post(
        "/api/v1/sessions", json={"email": "nobody@example.org", "password": PASSWORD}
    )
    assert unknown.json()["error_description"] == wrong.json()["error_description"]

    opened = await wallet.client.post(
        "/api/v1/sessions", json={"email": "ada@example.org", "password": PASSWORD}
    )
    assert opened.status_code == 201, opened.text
    assert opened.headers["cache-control"] == "no-store"
    session = opened.json()
    assert session["token_type"] == "Bearer"
    assert session["expires_in"] == wallet.settings.session_ttl_seconds
    bearer = {"Authorization": f"Bearer {session['token']}"}

    me = await wallet.client.get("/api/v1/me", headers=bearer)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "ada@example.org"
    assert set(me.json()) == {"email", "display_name", "language", "did"}

    closed = await wallet.client.delete("/api/v1/sessions/current", headers=bearer)
    assert closed.status_code == 204
    assert (await wallet.client.get("/api/v1/me", headers=bearer)).status_code == 401
    assert (await wallet.client.get("/api/v1/me")).status_code == 401


async def test_signing_up_on_the_page_signs_in_with_a_safe_cookie(wallet: RunningWallet) -> None:
    form = await wallet.client.get("/signup", headers=HTML)
    assert form.status_code == 200
    assert PRESESSION_COOKIE in form.cookies
    assert "<script" not in form.text
    posted = await wallet.client.post(
        "/signup",
        headers=HTML,
        data={
            "email": "ada@example.org",
            "password": PASSWORD,
            "display_name": "Ada",
            "language": "fr",
            CSRF_FIELD: csrf_of(form.text),
        },
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == "/"
    cookie = posted.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert f"Max-Age={wallet.settings.session_ttl_seconds}" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # this wallet is published over http (a test host)

    home = await wallet.client.get("/", headers=HTML)
    assert "Your credentials" in home.text
    me = await wallet.client.get("/api/v1/me")
    assert me.json()["language"] == "fr"


async def test_the_cookie_is_secure_when_the_wallet_is_published_over_https(
    database_url_for: Callable[[str], Any],
    wallet_settings_for: Callable[..., HolderSettings],
) -> None:
    settings = wallet_settings_for(
        await database_url_for("holder"), public_base_url="https://wallet.example"
    )
    async with serving(create_app(settings), base_url="https://wallet.example") as client:
        await sign_up_api(client, "ada@example.org")
        form = await client.get("/login", headers=HTML)
        assert "Secure" in form.headers["set-cookie"]  # the pre-session cookie
        posted = await client.post(
            "/login",
            headers=HTML,
            data={"email": "ada@example.org", "password": PASSWORD, CSRF_FIELD: csrf_of(form.text)},
        )
        assert posted.status_code == 303, posted.text
        assert "Secure" in posted.headers["set-cookie"]


async def test_logging_in_on_the_page_returns_to_where_the_learner_was_going(
    wallet: RunningWallet,
) -> None:
    await sign_up_api(wallet.client, "ada@example.org")
    away = await wallet.client.get("/stack", headers=HTML)
    assert away.status_code == 303
    assert away.headers["location"] == "/login?next=%2Fstack"

    form = await wallet.client.get(away.headers["location"], headers=HTML)
    token = csrf_of(form.text)
    assert 'name="next" value="/stack"' in form.text
    wrong = await wallet.client.post(
        "/login",
        headers=HTML,
        data={
            "email": "ada@example.org",
            "password": "not it",
            "next": "/stack",
            CSRF_FIELD: token,
        },
    )
    assert wrong.status_code == 401
    assert "E-mail address or password is wrong." in wrong.text
    assert 'value="ada@example.org"' in wrong.text
    assert "not it" not in wrong.text

    right = await wallet.client.post(
        "/login",
        headers=HTML,
        data={
            "email": "ada@example.org",
            "password": PASSWORD,
            "next": "/stack",
            CSRF_FIELD: token,
        },
    )
    assert right.status_code == 303
    assert right.headers["location"] == "/stack"
    assert (await wallet.client.get("/stack", headers=HTML)).status_code == 200


@pytest.mark.parametrize(
    ("wanted", "goes_to"),
    [
        ("/credentials/abc?notice=x", "/credentials/abc?notice=x"),
        ("/stack", "/stack"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("/api/v1/me", "/"),
        ("", "/"),
    ],
)
def test_after_login_only_a_page_of_this_wallet_is_a_destination(wanted: str, goes_to: str) -> None:
    assert safe_next(wanted) == goes_to


async def test_a_login_form_pointing_elsewhere_lands_on_the_start_page(
    wallet: RunningWallet,
) -> None:
    await sign_up_api(wallet.client, "ada@example.org")
    form = await wallet.client.get("/login", headers=HTML)
    posted = await wallet.client.post(
        "/login",
        headers=HTML,
        data={
            "email": "ada@example.org",
            "password": PASSWORD,
            "next": "https://evil.example/",
            CSRF_FIELD: csrf_of(form.text),
        },
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == "/"


async def test_logging_out_ends_the_session_for_good(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    logged_out = await learner.post_form("/logout")
    assert logged_out.status_code == 303
    assert logged_out.headers["location"] == "/"
    assert f'{SESSION_COOKIE}=""' in logged_out.headers["set-cookie"]
    # The token itself is dead, not only the cookie: replaying it gets nowhere.
    assert (await learner.api.get("/api/v1/me")).status_code == 401
    again = await learner.browser.get("/account")
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login")


async def test_pages_for_learners_send_a_signed_out_visitor_to_log_in(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    credential = "00000000-0000-0000-0000-000000000000"
    for path in ("/stack", "/account", "/account/erase", f"/credentials/{credential}"):
        response = await wallet.client.get(path, headers=HTML)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")
    welcome = await wallet.client.get("/", headers=HTML)
    assert welcome.status_code == 200
    assert 'href="/signup"' in welcome.text
    # A bearer token is for the API; the pages go by the cookie alone.
    bearer_only = await wallet.client.get("/account", headers={**HTML, **learner.api.headers})
    assert bearer_only.status_code == 303
    assert (await wallet.client.get("/api/v1/me")).status_code == 401


async def test_the_account_page_shows_the_did_and_the_way_out(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up(display_name="Ada <b>Lovelace</b>")
    page = await learner.browser.get("/account")
    assert page.status_code == 200
    assert learner.did in page.text
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in page.text
    for action in ('href="/account/export"', 'action="/account/backup"', 'action="/logout"'):
        assert action in page.text
    assert 'href="/account/erase"' in page.text
