"""A form that fails is shown again with its reason, and nothing its action wrote is kept.

The services flush as they go (a row's id, a constraint checked early); when one raises
afterwards, the page that catches the error to show the form again must not let the
request's unit of work commit those rows with the re-rendered page.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from holder.models import ActivityEvent
from holder.receive.service import Receiving
from shared.errors import InvalidInput
from tests.holder.conftest import RunningWallet

PROBLEM = "The issuer's offer is not one this wallet can take."


async def activity_count(wallet: RunningWallet) -> int:
    async with wallet.session() as session:
        return int(await session.scalar(select(func.count()).select_from(ActivityEvent)) or 0)


async def test_a_failed_form_keeps_nothing_its_service_flushed(
    wallet: RunningWallet, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def writes_then_fails(self: Receiving, text: str) -> None:
        await self._store.log("offer.open", {"link": text})
        await self._session.flush()  # the row is in the transaction now
        raise InvalidInput(PROBLEM)

    monkeypatch.setattr(Receiving, "open_link", writes_then_fails)
    learner = await wallet.sign_up()
    before = await activity_count(wallet)

    response = await learner.post_form("/receive", {"link": "openid-credential-offer://?x=1"})

    assert response.status_code == 400, response.text
    assert PROBLEM.replace("'", "&#39;") in response.text  # the form again, with the reason
    assert "openid-credential-offer://?x=1" in response.text  # what was typed is kept
    assert await activity_count(wallet) == before, "the failed form's row was committed"
    # The learner is still signed in and the page still works after the rollback.
    again = await learner.browser.get("/receive")
    assert again.status_code == 200, again.text
