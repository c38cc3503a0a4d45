"""The issuer's migrations build the schema its models describe, and 0003 goes both ways
on a database in use."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select

from issuer.app import MIGRATIONS_DIR
from issuer.models import AccessToken, Base, CredentialOffer
from shared.db import downgrade_database, upgrade_database
from tests.issuer.conftest import RunningIssuer
from tests.issuer.test_oid4vci import Wallet, did_key_signer, make_offer
from tests.support.schema import differences_from_models


async def _migrate(issuer: RunningIssuer, revision: str) -> None:
    engine = issuer.runtime.engine
    if revision == "head":
        await upgrade_database(engine, MIGRATIONS_DIR)
    else:
        await downgrade_database(engine, MIGRATIONS_DIR, revision)


async def _offer_columns(issuer: RunningIssuer) -> dict[str, dict[str, Any]]:
    async with issuer.runtime.engine.connect() as connection:
        columns = await connection.run_sync(
            lambda c: inspect(c).get_columns(CredentialOffer.__tablename__)
        )
    return {column["name"]: column for column in columns}


async def test_0003_drops_the_code_hash_and_goes_back_and_forth_keeping_offers_and_tokens(
    issuer: RunningIssuer,
) -> None:
    wallet = Wallet(issuer.client, did_key_signer())
    redeemed, still_open = await make_offer(issuer), await make_offer(issuer)
    await wallet.access_token(await wallet.offer(redeemed, issuer))  # an access token row too
    assert "code_hash" not in await _offer_columns(issuer)

    await _migrate(issuer, "0002")
    assert (await _offer_columns(issuer))["code_hash"]["nullable"] is True
    await _migrate(issuer, "head")

    # Foreign keys included.
    assert await differences_from_models(issuer.runtime.engine, Base.metadata) == []
    async with issuer.session() as session:
        offers = set(await session.scalars(select(CredentialOffer.id)))
        tokens = list(await session.scalars(select(AccessToken.offer_id)))
    assert {redeemed.offer.id, still_open.offer.id} <= offers
    assert tokens == [redeemed.offer.id]
    # The open offer's link still gives a code that works.
    assert await wallet.access_token(await wallet.offer(still_open, issuer))
