"""The credential list a page at a time: newest first, each page after the last one shown,
and another learner's credential id as the cursor reveals nothing."""

from __future__ import annotations

from holder.wallet.store import PAGE_SIZE
from tests.holder.conftest import RunningWallet
from tests.holder.samples import micro_credential


async def test_the_api_lists_newest_first_a_page_at_a_time_and_links_the_next(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    stored = [
        await wallet.store_credential(learner, micro_credential(learner.did)) for _ in range(5)
    ]
    newest_first = stored[::-1]

    first = await learner.api.get("/api/v1/credentials", params={"limit": 2})
    assert first.status_code == 200, first.text
    assert [item["id"] for item in first.json()] == newest_first[:2]
    assert first.links["next"]["url"].endswith(f"limit=2&after={newest_first[1]}")

    seen = [item["id"] for item in first.json()]
    following = first
    while "next" in following.links:
        following = await learner.api.get(following.links["next"]["url"])
        assert following.status_code == 200, following.text
        seen += [item["id"] for item in following.json()]
    assert seen == newest_first

    everything = await learner.api.get("/api/v1/credentials")
    assert [item["id"] for item in everything.json()] == newest_first
    assert "link" not in everything.headers  # fewer than a page: nothing follows


async def test_a_page_of_cards_links_to_the_older_ones(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    stored = [
        await wallet.store_credential(learner, micro_credential(learner.did))
        for _ in range(PAGE_SIZE + 1)
    ]
    first = await learner.browser.get("/")
    assert first.status_code == 200, first.text
    assert first.text.count('class="card"') == PAGE_SIZE
    assert f'href="/credentials/{stored[0]}"' not in first.text
    assert f'href="/?after={stored[1]}"' in first.text

    older = await learner.browser.get("/", params={"after": stored[1]})
    assert older.status_code == 200, older.text
    assert older.text.count('class="card"') == 1
    assert f'href="/credentials/{stored[0]}"' in older.text
    assert "/?after=" not in older.text


async def test_another_learners_credential_as_the_cursor_lists_from_the_newest(
    wallet: RunningWallet,
) -> None:
    mine, theirs = await wallet.sign_up(), await wallet.sign_up()
    my_credential = await wallet.store_credential(mine, micro_credential(mine.did))
    their_credential = await wallet.store_credential(theirs, micro_credential(theirs.did))
    for cursor in (their_credential, "no-such-credential"):
        listed = await mine.api.get("/api/v1/credentials", params={"after": cursor})
        assert listed.status_code == 200, listed.text
        assert [item["id"] for item in listed.json()] == [my_credential]


async def test_a_page_size_out_of_bounds_is_refused_in_words(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    for limit in ("0", "201", "many"):
        refused = await learner.api.get("/api/v1/credentials", params={"limit": limit})
        assert refused.status_code == 400, refused.text
        assert refused.json()["error_description"].startswith("limit ")
