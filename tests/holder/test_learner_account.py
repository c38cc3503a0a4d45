"""The learner's account: back to the link after signing up, password change, stated limits."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import httpx

from holder.deps import SESSION_COOKIE
from holder.pages.common import CSRF_FIELD
from tests.holder.conftest import PASSWORD, RunningWallet
from tests.holder.test_accounts import HTML, csrf_of

OFFER_LINK = "/receive?credential_offer_uri=" + quote(
    "https://issuer.example/credential-offer/abc", safe=""
)


def _hidden(page: str, name: str) -> str | None:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', page)
    return html.unescape(match.group(1)) if match else None


async def _sign_up_from(
    client: httpx.AsyncClient, signup_path: str, email: str, **fields: str
) -> httpx.Response:
    form = await client.get(signup_path, headers=HTML)
    assert form.status_code == 200, form.text
    data = {
        "email": email,
        "password": PASSWORD,
        "display_name": "Ada",
        CSRF_FIELD: csrf_of(form.text),
    }
    next_value = _hidden(form.text, "next")
    if next_value is not None:
        data["next"] = next_value
    return await client.post("/signup", headers=HTML, data={**data, **fields})


async def test_signing_up_from_a_wallet_link_comes_back_to_it(wallet: RunningWallet) -> None:
    browser = await wallet.new_client()
    to_login = await browser.get(OFFER_LINK, headers=HTML)
    assert to_login.status_code == 303
    login_page = await browser.get(to_login.headers["location"], headers=HTML)
    signup_path = html.unescape(re.search(r'href="(/signup[^"]*)"', login_page.text).group(1))  # type: ignore[union-attr]
    assert signup_path != "/signup"  # the link carries where the learner was going
    signed_up = await _sign_up_from(browser, signup_path, "ada.link@example.org")
    assert signed_up.status_code == 303, signed_up.text
    assert signed_up.headers["location"] == OFFER_LINK


async def test_only_a_page_of_the_wallet_is_a_place_to_come_back_to(
    wallet: RunningWallet,
) -> None:
    for number, elsewhere in enumerate(
        ("https://evil.example/", "//evil.example/x", "/\\evil.example", "/api/v1/me")
    ):
        browser = await wallet.new_client()
        path = "/signup?next=" + quote(elsewhere, safe="")
        signed_up = await _sign_up_from(browser, path, f"ada{number}@example.org")
        assert signed_up.status_code == 303, signed_up.text
        assert signed_up.headers["location"] == "/", elsewhere


async def test_the_password_is_changed_with_the_current_one_and_other_sessions_end(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    other_device = await wallet.log_in(learner.email)
    new_password = "a new and longer passphrase"

    wrong = await learner.post_form(
        "/account/password",
        {"current_password": "not my password", "new_password": new_password},
    )
    assert wrong.status_code == 401, wrong.text
    assert "current password is not right" in html.unescape(wrong.text)

    short = await learner.post_form(
        "/account/password", {"current_password": PASSWORD, "new_password": "short"}
    )
    assert short.status_code == 400, short.text
    assert "at least 10 characters" in short.text

    changed = await learner.post_form(
        "/account/password", {"current_password": PASSWORD, "new_password": new_password}
    )
    assert changed.status_code == 303, changed.text
    assert changed.headers["location"] == "/account?notice=password"
    assert changed.headers["set-cookie"].startswith(f"{SESSION_COOKIE}=")

    assert (await other_device.api.get("/api/v1/me")).status_code == 401
    assert (await learner.api.get("/api/v1/me")).status_code == 401  # the old session too
    relogged = await wallet.log_in(learner.email, new_password)
    assert (await relogged.api.get("/api/v1/me")).status_code == 200
    async with wallet.session() as session:
        assert (
            await wallet.accounts(session).learner_with_password(learner.email, PASSWORD)
        ) is None


async def test_the_name_states_its_limit_and_a_longer_one_is_refused_in_words(
    wallet: RunningWallet,
) -> None:
    browser = await wallet.new_client()
    form = await browser.get("/signup", headers=HTML)
    assert "at most 100 characters" in form.text
    assert 'maxlength="100"' in form.text
    refused = await _sign_up_from(browser, "/signup", "long@example.org", display_name="A" * 101)
    assert refused.status_code == 400, refused.text
    assert "Your name can have at most 100 characters." in html.unescape(refused.text)
    huge = await _sign_up_from(browser, "/signup", "huge@example.org", display_name="A" * 10_000)
    assert huge.status_code in (400, 413, 422), huge.text
    assert "A" * 200 not in huge.text
