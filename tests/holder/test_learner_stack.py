"""The stack counts each achievement once, and leaves out what is bound to someone else."""

from __future__ import annotations

import html
from decimal import Decimal

from tests.holder.conftest import RunningWallet
from tests.holder.samples import micro_credential

SOMEONE_ELSE = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def _ects(document: dict[str, object]) -> Decimal:
    achievement = document["credentialSubject"]["achievement"]  # type: ignore[index]
    return Decimal(str(achievement["ectsCredits"]))


async def test_an_achievement_received_twice_counts_once(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    document = micro_credential(learner.did)
    first = await wallet.store_credential(learner, document, source="oid4vci")
    again = await wallet.store_credential(learner, micro_credential(learner.did))
    stack = (await learner.api.get("/api/v1/stack")).json()
    assert stack["total"]["credentials"] == 1
    assert Decimal(str(stack["total"]["ects"])) == _ects(document)
    assert stack["repeated"] == [again] or stack["repeated"] == [first]
    page = html.unescape((await learner.browser.get("/stack")).text)
    assert "Counted once" in page


async def test_a_credential_bound_to_another_identity_is_shown_apart_not_added(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    mine = micro_credential(learner.did)
    await wallet.store_credential(learner, mine)
    theirs = micro_credential(SOMEONE_ELSE, title={"en": "Someone else's course"}, ects=7)
    imported = await wallet.store_credential(learner, theirs, source="import")
    stack = (await learner.api.get("/api/v1/stack")).json()
    assert stack["total"]["credentials"] == 1
    assert Decimal(str(stack["total"]["ects"])) == _ects(mine)
    assert stack["other_identity"] == [imported]
    page = html.unescape((await learner.browser.get("/stack")).text)
    apart = page.split('id="other-identity"', 1)[1]
    assert "Someone else's course" in apart
    assert "7 ECTS" in apart
