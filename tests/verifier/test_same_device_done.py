"""The page a same-device wallet sends the learner's browser back to: with the response
code it was given, the learner sees, without signing in, that the answer arrived and how
it went; without it (or with another, or with one already used), nothing but a refusal in
words. The code works once: it is traded for a cookie, so the learner's reload still
works while the link itself opens nothing again."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.verifier.conftest import BASE_URL, RunningVerifier, Wallet
from tests.verifier.test_responses import RESPONSE, answer

HTML = {"Accept": "text/html"}


async def same_device_request(verifier: RunningVerifier) -> tuple[dict[str, Any], str]:
    """A request whose object was fetched through the same-device link, and its state."""
    request = await verifier.create_request()
    link = parse_qs(urlsplit(request["same_device_link"]).query)
    uri = urlsplit(link["request_uri"][0])
    fetched = await verifier.client.get(uri.path, params=parse_qs(uri.query))
    assert fetched.status_code == 200, fetched.text
    return request, uri.path


def browser(verifier: RunningVerifier) -> httpx.AsyncClient:
    """A browser that never signed in: it keeps cookies and follows redirects."""
    return httpx.AsyncClient(
        transport=verifier.client._transport, base_url=BASE_URL, follow_redirects=True
    )


def link_back(posted: httpx.Response) -> str:
    """The path and query the wallet sends the learner's browser to."""
    assert posted.status_code == 200, posted.text
    back = urlsplit(posted.json()["redirect_uri"])
    assert f"{back.scheme}://{back.netloc}" == BASE_URL
    return f"{back.path}?{back.query}"


async def answered_by_trusted_wallet(verifier: RunningVerifier, wallet: Wallet) -> str:
    """A same-device request answered with a credential that verifies; the link back."""
    verifier.trust.add(wallet.issuer.did)
    request, _ = await same_device_request(verifier)
    posted = await verifier.client.post(RESPONSE, data=await answer(verifier, wallet, request))
    return link_back(posted)


async def back_in_browser(verifier: RunningVerifier, posted: httpx.Response) -> httpx.Response:
    async with browser(verifier) as learners:
        return await learners.get(link_back(posted), headers=HTML)


async def test_the_learners_browser_sees_its_answer_was_received_and_verified(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    verifier.trust.add(wallet.issuer.did)
    request, _ = await same_device_request(verifier)
    posted = await verifier.client.post(RESPONSE, data=await answer(verifier, wallet, request))
    page = await back_in_browser(verifier, posted)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "Your answer was received" in page.text
    assert "Demo Employer sees the result" in page.text
    assert "Verified" in page.text
    assert "Not verified" not in page.text


async def test_an_answer_that_fails_says_not_verified_without_the_details(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    request, _ = await same_device_request(verifier)  # the issuer is not on the trust list
    posted = await verifier.client.post(RESPONSE, data=await answer(verifier, wallet, request))
    page = await back_in_browser(verifier, posted)
    assert page.status_code == 200, page.text
    assert "Your answer was received" in page.text
    assert "Not verified" in page.text
    assert wallet.issuer.did not in page.text  # the report stays with the employer


async def test_a_wrong_or_missing_response_code_is_refused_in_words(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    verifier.trust.add(wallet.issuer.did)
    request, _ = await same_device_request(verifier)
    posted = await verifier.client.post(RESPONSE, data=await answer(verifier, wallet, request))
    path = urlsplit(posted.json()["redirect_uri"]).path
    for query in ("?response_code=guessed-code-0123456789", "", "?response_code=" + "x" * 500):
        refused = await verifier.client.get(path + query, headers=HTML)
        assert refused.status_code == 403, (query, refused.text)
        assert "not the one your wallet sent you back with" in refused.text
        assert "Verified" not in refused.text
    unknown = await verifier.client.get(
        "/requests/00000000-0000-0000-0000-000000000000/done?response_code=abc", headers=HTML
    )
    assert unknown.status_code == 403, unknown.text
    assert "not the one your wallet sent you back with" in unknown.text


async def test_the_link_works_once_and_the_learners_reload_still_shows_the_answer(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    link = await answered_by_trusted_wallet(verifier, wallet)
    async with browser(verifier) as learners, browser(verifier) as someone_else:
        first = await learners.get(link, headers=HTML)
        assert first.status_code == 200, first.text
        assert "Verified" in first.text
        # The code left the address bar: the page now stands at its own path.
        assert first.url.path == urlsplit(link).path
        assert "response_code" not in str(first.url)
        cookie = first.history[0].headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert f"path={urlsplit(link).path}" in cookie

        reloaded = await learners.get(str(first.url), headers=HTML)
        assert reloaded.status_code == 200, reloaded.text
        assert "Verified" in reloaded.text

        again = await someone_else.get(link, headers=HTML)  # the link from the history
        assert again.status_code == 403, again.text
        assert "opened already in another browser" in again.text
        assert "Verified" not in again.text


async def test_two_browsers_with_the_same_code_at_once_only_one_gets_in(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    link = await answered_by_trusted_wallet(verifier, wallet)
    browsers = [browser(verifier) for _ in range(6)]
    try:
        pages = await asyncio.gather(*(each.get(link, headers=HTML) for each in browsers))
    finally:
        for each in browsers:
            await each.aclose()
    assert sorted(page.status_code for page in pages) == [200, 403, 403, 403, 403, 403]
    assert sum("Verified" in page.text for page in pages) == 1
