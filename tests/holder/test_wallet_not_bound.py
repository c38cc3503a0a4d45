"""A credential bound to another identity (imported from the learner's previous wallet) is
kept and shown, says so on its card, its detail page and in the API, and is never offered
to, nor sent to, a verifier."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.test_import import signed, upload
from tests.holder.test_share_verifier_double import VerifierDouble, dcql_for
from tests.holder.test_wallet import text_of
from tests.shared.credentials.test_microcredential_samples import did_key_signer

WARNING = "Imported; bound to another identity — it cannot be shared as yours."


@pytest.fixture
async def verifier() -> AsyncIterator[VerifierDouble]:
    async with VerifierDouble().running() as double:
        yield double


async def import_file(learner: SignedInLearner, holder_did: str, **changes: Any) -> str:
    """Import a signed ldp_vc bound to ``holder_did`` through the API; its wallet id."""
    document = await signed(holder_did, "ldp_vc", **changes)
    imported = await upload(learner, json.dumps(document).encode())
    assert imported.status_code == 201, imported.text
    credential_id: str = imported.json()["id"]
    return credential_id


async def mine_and_not_mine(wallet: RunningWallet) -> tuple[SignedInLearner, str, str, str]:
    """A learner with one imported credential bound to them and one bound to the DID of
    their old wallet: (learner, mine, not mine, the old DID)."""
    learner = await wallet.sign_up()
    old_did = did_key_signer().did
    mine = await import_file(learner, learner.did)
    not_mine = await import_file(learner, old_did, title={"en": "Old Wallet Course"})
    return learner, mine, not_mine, old_did


async def test_the_api_says_whom_each_credential_is_bound_to(wallet: RunningWallet) -> None:
    learner, mine, not_mine, old_did = await mine_and_not_mine(wallet)
    listed = {item["id"]: item for item in (await learner.api.get("/api/v1/credentials")).json()}
    assert (listed[mine]["subject_id"], listed[mine]["bound_to_me"]) == (learner.did, True)
    assert (listed[not_mine]["subject_id"], listed[not_mine]["bound_to_me"]) == (old_did, False)
    one = (await learner.api.get(f"/api/v1/credentials/{not_mine}")).json()
    assert (one["subject_id"], one["bound_to_me"]) == (old_did, False)


async def test_the_card_and_the_detail_page_warn_on_a_credential_bound_to_another_identity(
    wallet: RunningWallet,
) -> None:
    learner, mine, not_mine, old_did = await mine_and_not_mine(wallet)

    cards = (await learner.browser.get("/")).text
    # One warning, and it sits in the card of the credential that is not the learner's.
    assert cards.count(WARNING) == 1
    not_mine_card = cards[cards.index(f'href="/credentials/{not_mine}"') :]
    assert not_mine_card.index(WARNING) < not_mine_card.index("</a>")
    assert "Old Wallet Course" in text_of(not_mine_card[: not_mine_card.index("</a>")])

    detail = (await learner.browser.get(f"/credentials/{not_mine}")).text
    assert WARNING in detail
    assert old_did in text_of(detail)
    assert WARNING not in (await learner.browser.get(f"/credentials/{mine}")).text


async def test_a_credential_bound_to_another_identity_is_neither_offered_nor_sent(
    wallet: RunningWallet, verifier: VerifierDouble
) -> None:
    learner, mine, not_mine, _ = await mine_and_not_mine(wallet)
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    opened = await learner.api.post("/api/v1/presentation-requests", json={"link": published.link})
    assert opened.status_code == 201, opened.text
    [query] = opened.json()["queries"]
    assert [match["id"] for match in query["matches"]] == [mine]

    shared = await learner.api.post(
        f"/api/v1/presentation-requests/{opened.json()['id']}/share",
        json={"selections": {"q_ldp_vc": not_mine}},
    )
    assert shared.status_code == 400, shared.text
    assert published.responses == []
