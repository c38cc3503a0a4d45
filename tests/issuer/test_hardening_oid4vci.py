"""Limits that must hold under concurrency, on one issuer and across two replicas of it.

- A burst of token requests with wrong tx_codes gets no more comparisons than the attempt
  limit, whichever code of the offer each carries; the right PIN after the limit fails.
- One access token yields at most the credentials its offer offered (one per configuration),
  whatever the number of concurrent requests and proof keys.
- The tx_code is stored under a keyed hash, not a bare SHA-256 a dump could be searched with.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.app import create_app
from issuer.models import CredentialOffer, IssuedCredential
from issuer.oid4vci import repository
from issuer.oid4vci.configurations import ALL, FORMAT_OF, JWT_VC_JSON, LDP_VC
from issuer.settings import IssuerSettings
from shared.clock import utcnow
from tests.issuer.conftest import BASE_URL, RunningIssuer
from tests.issuer.test_oid4vci import Wallet, did_key_signer, error_of, make_offer, wallet

__all__ = ["wallet"]  # the fixture, shared with test_oid4vci
from tests.support.apps import serving
from tests.support.rendezvous import rendezvous

BURST = 20
# Parties held at once on one engine: each holds a connection while it waits, and a
# PostgreSQL engine has 15 (requests beyond them queue for one, as they would in production).
PARTIES_PER_ENGINE = 12
# The token endpoint's first read of the offer: every party has read it before any of them
# counts an attempt or compares, as two replicas would.
OFFER_READ = "FROM credential_offers \nWHERE credential_offers.id ="
NONCE_READ = "SELECT nonces.value_hash \nFROM nonces"


@asynccontextmanager
async def second_replica(issuer: RunningIssuer) -> AsyncIterator[RunningIssuer]:
    """Another issuer process on the same database and key-encryption key."""
    app = create_app(issuer.settings)
    async with serving(app, base_url=BASE_URL) as client:
        yield RunningIssuer(app, client, issuer.settings, issuer.admin_token)


def parties(replicas: int) -> int:
    """How many of a burst spread over ``replicas`` to hold until all have read."""
    return min(BURST, PARTIES_PER_ENGINE * replicas)


@pytest.fixture
def issuer_settings_for(
    issuer_settings_for: Callable[..., IssuerSettings],
) -> Callable[..., IssuerSettings]:
    """Rate limits well above a burst: these tests are about the limits behind them (the
    tx_code attempts, one credential per configuration), which must hold on their own."""

    def make(database_url: str, **overrides: Any) -> IssuerSettings:
        return issuer_settings_for(
            database_url,
            rate_limit_token_per_address="1000/minute",
            rate_limit_token_per_offer="1000/minute",
            rate_limit_nonce_per_address="1000/minute",
            rate_limit_credential_per_address="1000/minute",
            **overrides,
        )

    return make


def wrong_pin(right: str) -> str:
    return "000000" if right != "000000" else "111111"


@pytest.fixture
def pin_comparisons(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], list[bool]]:
    """Every constant-time comparison against one offer's stored tx_code digest, in order:
    ``comparisons(stored_digest)`` -> [matched, ...]."""
    seen: list[tuple[Any, Any, bool]] = []
    original = hmac.compare_digest

    def counting(a: Any, b: Any) -> bool:
        result = original(a, b)
        seen.append((a, b, result))
        return result

    monkeypatch.setattr(hmac, "compare_digest", counting)

    def comparisons(stored: str) -> list[bool]:
        return [result for a, b, result in seen if stored in (a, b)]

    return comparisons


async def stored_offer(issuer: RunningIssuer, offer_id: str) -> CredentialOffer:
    async with issuer.session() as session:
        offer = await session.get(CredentialOffer, offer_id)
    assert offer is not None
    return offer


@pytest.mark.parametrize("replicas", [1, 2], ids=["one-issuer", "two-replicas"])
async def test_a_burst_of_wrong_tx_codes_is_compared_no_more_often_than_the_limit(
    issuer: RunningIssuer,
    wallet: Wallet,
    pin_comparisons: Callable[[str], list[bool]],
    replicas: int,
) -> None:
    new_offer = await make_offer(issuer, with_tx_code=True)
    assert new_offer.tx_code is not None
    stored = (await stored_offer(issuer, new_offer.offer.id)).tx_code_hash
    assert stored is not None
    limit = issuer.settings.tx_code_max_failures
    offers = [await wallet.offer(new_offer, issuer) for _ in range(BURST)]  # a code each

    async with second_replica(issuer) as other:
        wallets = [wallet, Wallet(other.client, wallet.key)][:replicas]
        engines = [issuer.runtime.engine, other.runtime.engine][:replicas]
        with rendezvous(engines, parties(replicas), OFFER_READ):
            responses = await asyncio.gather(
                *(
                    wallets[i % replicas].token(offer, tx_code=wrong_pin(new_offer.tx_code))
                    for i, offer in enumerate(offers)
                )
            )
    assert [error_of(r) for r in responses] == ["invalid_grant"] * BURST
    assert pin_comparisons(stored) == [False] * limit

    late = await wallet.token(offers[0], tx_code=new_offer.tx_code)
    assert error_of(late) == "invalid_grant"
    assert pin_comparisons(stored) == [False] * limit  # refused without a comparison
    offer = await stored_offer(issuer, new_offer.offer.id)
    assert offer.invalidated_at is not None
    assert offer.redeemed_at is None


async def test_the_right_pin_in_a_burst_works_only_within_the_limit(
    issuer: RunningIssuer, wallet: Wallet, pin_comparisons: Callable[[str], list[bool]]
) -> None:
    new_offer = await make_offer(issuer, with_tx_code=True)
    assert new_offer.tx_code is not None
    stored = (await stored_offer(issuer, new_offer.offer.id)).tx_code_hash
    assert stored is not None
    pins = [wrong_pin(new_offer.tx_code)] * (BURST - 1) + [new_offer.tx_code]
    offers = [await wallet.offer(new_offer, issuer) for _ in pins]
    with rendezvous(issuer.runtime.engine, parties(1), OFFER_READ):
        responses = await asyncio.gather(
            *(wallet.token(offer, tx_code=pin) for offer, pin in zip(offers, pins, strict=True))
        )
    compared = pin_comparisons(stored)
    assert len(compared) <= issuer.settings.tx_code_max_failures
    tokens = [r for r in responses if r.status_code == 200]
    # A token only for the right PIN compared within the limit. (It may still lose to the
    # lock that a later wrong attempt sets: the offer was under attack and is withdrawn.)
    assert len(tokens) <= compared.count(True) <= 1, [r.text for r in responses]


async def test_the_tx_code_is_stored_under_a_keyed_hash(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    new_offer = await make_offer(issuer, with_tx_code=True)
    assert new_offer.tx_code is not None
    stored = (await stored_offer(issuer, new_offer.offer.id)).tx_code_hash
    assert stored is not None
    # A dump must not be searchable with the 10^6 possible PINs' plain hashes.
    assert stored != hashlib.sha256(new_offer.tx_code.encode()).hexdigest()
    assert new_offer.tx_code not in stored
    offer = await wallet.offer(new_offer, issuer)
    response = await wallet.token(offer, tx_code=new_offer.tx_code)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("replicas", [1, 2], ids=["one-issuer", "two-replicas"])
async def test_one_access_token_yields_one_credential_per_offered_configuration(
    issuer: RunningIssuer, wallet: Wallet, replicas: int
) -> None:
    offer = await wallet.offer(await make_offer(issuer), issuer)
    access_token = await wallet.access_token(offer)
    keys = [did_key_signer() for _ in range(BURST)]
    proofs = [wallet.proof(await wallet.nonce(), key=key) for key in keys]

    async with second_replica(issuer) as other:
        clients = [wallet.client, other.client][:replicas]
        engines = [issuer.runtime.engine, other.runtime.engine][:replicas]

        async def request(i: int, proof: str) -> httpx.Response:
            return await Wallet(clients[i % replicas], keys[i]).request(access_token, LDP_VC, proof)

        with rendezvous(engines, parties(replicas), NONCE_READ):
            responses = await asyncio.gather(*(request(i, p) for i, p in enumerate(proofs)))

    assert sorted(r.status_code for r in responses) == [200] + [400] * (BURST - 1)
    refused = [r for r in responses if r.status_code == 400]
    assert {error_of(r) for r in refused} == {"credential_request_denied"}
    assert all(r.json()["error_description"].isascii() for r in refused)

    # The other configuration the offer names is still there, once.
    assert (await wallet.request(access_token, JWT_VC_JSON)).status_code == 200
    assert error_of(await wallet.request(access_token, JWT_VC_JSON)) == "credential_request_denied"
    async with issuer.session() as session:
        issued = list(await session.scalars(select(IssuedCredential)))
    assert len(issued) == len(ALL)


async def test_a_second_record_of_one_configuration_is_refused_and_the_transaction_goes_on(
    issuer: RunningIssuer,
) -> None:
    """The savepoint keeps the request's other writes (the spent nonce) usable."""
    new_offer = await make_offer(issuer)
    offer_id, award_id = new_offer.offer.id, new_offer.offer.award_id

    def record(
        session: AsyncSession, credential_id: str, configuration_id: str = LDP_VC
    ) -> Awaitable[bool]:
        return repository.add_issued_credential(
            session,
            credential_id,
            award_id=award_id,
            offer_id=offer_id,
            configuration_id=configuration_id,
            credential_format=FORMAT_OF[configuration_id],
            holder_did="did:example:holder",
            now=utcnow(),
        )

    async with issuer.session() as session:
        assert await record(session, "urn:uuid:first")
    async with issuer.session() as session:
        assert await repository.credential_was_issued(session, offer_id, LDP_VC)
        assert not await record(session, "urn:uuid:second")
        assert await record(session, "urn:uuid:other-format", JWT_VC_JSON)
    async with issuer.session() as session:
        ids = sorted(await session.scalars(select(IssuedCredential.id)))
    assert ids == ["urn:uuid:first", "urn:uuid:other-format"]
