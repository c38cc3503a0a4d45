"""Erasing an account removes every row of that learner (account, sessions, credentials,
pending offers and requests, history, key) and nothing of anyone else's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from holder.accounts.service import key_owner
from holder.models import (
    ActivityEvent,
    Learner,
    PendingOffer,
    PresentationRequest,
    StoredCredential,
    StoredKey,
    WalletSession,
)
from shared.clock import new_id, utcnow
from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.samples import micro_credential

OWNED = (WalletSession, StoredCredential, PendingOffer, PresentationRequest, ActivityEvent)


async def full_wallet(wallet: RunningWallet) -> SignedInLearner:
    """A learner with a row in every table a learner can own."""
    learner = await wallet.sign_up()
    await wallet.store_credential(learner, micro_credential(learner.did))
    async with wallet.session() as session:
        now = utcnow()
        session.add(
            PendingOffer(
                id=new_id(),
                learner_id=learner.id,
                sealed_offer=b"sealed",
                created_at=now,
                expires_at=now + timedelta(minutes=15),
            )
        )
        session.add(
            PresentationRequest(
                id=new_id(),
                learner_id=learner.id,
                client_id="redirect_uri:https://verifier.example/cb",
                request={"nonce": "n"},
                created_at=now,
            )
        )
    return learner


async def rows_of(wallet: RunningWallet, learner: SignedInLearner) -> dict[str, int]:
    async with wallet.session() as session:
        counts = {
            model.__tablename__: await session.scalar(
                select(func.count()).select_from(model).where(model.learner_id == learner.id)
            )
            for model in OWNED
        }
        counts["learners"] = await session.scalar(
            select(func.count()).select_from(Learner).where(Learner.id == learner.id)
        )
        counts["keys"] = await session.scalar(
            select(func.count())
            .select_from(StoredKey)
            .where(StoredKey.owner == key_owner(learner.id))
        )
    return {table: int(count or 0) for table, count in counts.items()}


async def test_erasing_over_the_api_removes_everything_of_the_learner_and_nothing_else(
    wallet: RunningWallet,
) -> None:
    leaving, staying = await full_wallet(wallet), await full_wallet(wallet)
    before = await rows_of(wallet, leaving)
    assert all(count >= 1 for count in before.values()), before
    staying_before = await rows_of(wallet, staying)

    erased = await leaving.api.delete("/api/v1/me")
    assert erased.status_code == 204

    assert await rows_of(wallet, leaving) == dict.fromkeys(before, 0)
    assert await rows_of(wallet, staying) == staying_before
    assert (await leaving.api.get("/api/v1/me")).status_code == 401
    assert (await staying.api.get("/api/v1/credentials")).json() != []
    # The address is free again: erasing leaves nothing that remembers the learner.
    assert (
        await wallet.client.post(
            "/api/v1/accounts", json={"email": leaving.email, "password": leaving.password}
        )
    ).status_code == 201


async def test_erasing_on_the_page_needs_the_learners_address_typed(
    wallet: RunningWallet,
) -> None:
    learner = await full_wallet(wallet)
    before = await rows_of(wallet, learner)
    page = await learner.browser.get("/account/erase")
    assert page.status_code == 200
    assert 'name="confirm_email"' in page.text

    mistyped = await learner.post_form("/account/erase", data={"confirm_email": "someone@else.org"})
    assert mistyped.status_code == 400
    assert "nothing was erased" in mistyped.text
    assert await rows_of(wallet, learner) == before

    erased = await learner.post_form(
        "/account/erase", data={"confirm_email": learner.email.upper()}
    )
    assert erased.status_code == 200
    assert "Your wallet is erased" in erased.text
    assert 'credstack_wallet_session=""' in erased.headers["set-cookie"]
    assert await rows_of(wallet, learner) == dict.fromkeys(before, 0)
    assert (await learner.browser.get("/account")).status_code == 303
