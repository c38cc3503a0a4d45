""" "Check status" when the learner asks: lists fetched anew, and when it was checked, shown."""

from __future__ import annotations

import html
from datetime import timedelta

from tests.holder.conftest import RunningWallet
from tests.holder.test_wallet_status import holding, issuer  # noqa: F401 (the fixture)
from tests.shared.test_http import Web
from tests.support.credentials import REVOCATION_LIST
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


async def test_many_learners_checking_at_once_fetch_each_list_once(
    wallet: RunningWallet,
    issuer: tuple[Issuer, Web],  # noqa: F811
) -> None:
    """Privacy still: a list fetched seconds ago serves the next learner who asks."""
    lists, web = issuer
    one, _, _ = await holding(wallet, lists)
    other, _, _ = await holding(wallet, lists)
    assert (await one.post_form("/credentials/status")).status_code == 303
    assert (await other.post_form("/credentials/status")).status_code == 303
    assert len(web.requests) == 2


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
