""" "Check status" when the learner asks: lists fetched anew, and when it was checked, shown."""

from __future__ import annotations

import asyncio
import html
import time
from datetime import timedelta

import httpx

from holder.wallet.status import StatusListCache
from tests.holder.conftest import RunningWallet
from tests.holder.test_wallet_status import holding, issuer, refreshed  # noqa: F401 (fixture)
from tests.shared.test_http import Web
from tests.support.credentials import REVOCATION_LIST, asked_for
from tests.support.credentials import StatusLists as Issuer


async def test_a_revocation_shows_after_check_status_although_the_list_was_cached(
    wallet: RunningWallet,
    issuer: tuple[Issuer, Web],  # noqa: F811
) -> None:
    lists, web = issuer
    learner, _, entry = await holding(wallet, lists)
    first = await learner.post_form("/credentials/status")
    assert first.status_code == 303, first.text
    assert len(web.requests) == 2  # both lists, now cached (for five minutes by default)

    lists.bits[REVOCATION_LIST].set(entry.index, True)
    await lists.publish()
    # The learner checked a minute ago: the cached lists are a minute old.
    cache = wallet.app.state.status_list_cache
    for url in list(lists.served):
        cached = cache.entry(url)
        assert cached is not None
        cache.put(url, cached.document, fetched_at=cached.fetched_at - timedelta(minutes=1))

    again = await learner.post_form("/credentials/status")
    assert again.status_code == 303, again.text
    assert len(web.requests) == 4  # fetched anew because the learner asked
    page = await learner.browser.get("/")
    assert '<span class="badge badge-revoked">Revoked</span>' in page.text
    assert "status checked " in html.unescape(page.text)
    assert " UTC" in page.text


async def test_a_revocation_shows_when_the_learner_checks_again_within_a_second(
    wallet: RunningWallet,
    issuer: tuple[Issuer, Web],  # noqa: F811
) -> None:
    """No window in which a check answers from the cache: asking again at once fetches anew."""
    lists, web = issuer
    learner, credential_id, entry = await holding(wallet, lists)
    started = time.monotonic()
    assert await refreshed(learner, credential_id) == "valid"
    lists.bits[REVOCATION_LIST].set(entry.index, True)
    await lists.publish()
    assert await refreshed(learner, credential_id) == "revoked"
    assert time.monotonic() - started < 1.0
    assert len(web.requests) == 4


async def test_learners_checking_at_the_same_moment_share_one_fetch_of_each_list(
    wallet: RunningWallet,
    issuer: tuple[Issuer, Web],  # noqa: F811
) -> None:
    """Privacy: a fetch under way serves every learner who asks meanwhile, so the issuer
    cannot count the holders of its lists by the fetches."""
    lists, web = issuer
    one, _, _ = await holding(wallet, lists)
    other, _, _ = await holding(wallet, lists)
    cache = wallet.app.state.status_list_cache = StatusListCache()

    async def held_until_both_wait(request: httpx.Request) -> httpx.Response:
        # Each list is served only once the other learner's check waits for the same fetch.
        url = asked_for(request)
        for _ in range(400):
            if cache.waiting(url) >= 2:
                break
            await asyncio.sleep(0.005)
        return lists.handle(request)

    web._handler = held_until_both_wait  # the same "internet", its lists held back
    checks = await asyncio.gather(
        one.post_form("/credentials/status"), other.post_form("/credentials/status")
    )
    assert [check.status_code for check in checks] == [303, 303], checks[0].text
    assert sorted(asked_for(request) for request in web.requests) == sorted(lists.served)
    for learner in (one, other):
        statuses = [c["status"] for c in (await learner.api.get("/api/v1/credentials")).json()]
        assert statuses == ["valid"]


async def test_the_card_says_when_its_status_was_last_checked(
    wallet: RunningWallet,
    issuer: tuple[Issuer, Web],  # noqa: F811
) -> None:
    lists, _ = issuer
    learner, credential_id, _ = await holding(wallet, lists)
    before = await learner.browser.get("/")
    assert "status not checked yet" in before.text
    await learner.post_form(f"/credentials/{credential_id}/status")
    card = (await learner.api.get(f"/api/v1/credentials/{credential_id}")).json()
    page = html.unescape((await learner.browser.get(f"/credentials/{credential_id}")).text)
    checked_at = card["status_checked_at"]
    assert checked_at is not None
    hour_minute = checked_at[11:16]
    assert f"at {hour_minute} UTC" in page
