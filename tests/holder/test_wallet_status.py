"""Status from the issuer's status lists: revoked, suspended, valid, expired, and "unknown"
whenever a list cannot be fetched, verified or trusted; never "valid" by default.

"The internet" is a recording MockTransport under the wallet's own guarded client (the
private-network guard stays in force); the lists are really signed (ldp_vc, didkit).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from holder.wallet.status import StatusListCache
from shared.credentials.formats import get_format
from shared.credentials.microcredential.build import StatusEntry
from shared.did.resolver import DIDResolver
from shared.http import safe_client
from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.samples import micro_credential
from tests.shared.credentials.test_microcredential_samples import did_key_signer
from tests.shared.test_http import PUBLIC_IP, Web, resolver_for
from tests.support.credentials import REVOCATION_LIST, SUSPENSION_LIST, asked_for
from tests.support.credentials import StatusLists as Issuer

PRIVATE_LIST = "https://intranet.example/status/revocation"


@pytest.fixture
async def issuer(wallet: RunningWallet) -> tuple[Issuer, Web]:
    """Puts the issuer's lists on "the internet" the wallet reaches through runtime.http."""
    issuer = Issuer()
    await issuer.publish()
    web = Web(issuer.handle)
    dns = resolver_for({"issuer.example": [PUBLIC_IP], "intranet.example": ["10.1.2.3"]})
    wallet.runtime.http = await wallet.stack.enter_async_context(
        safe_client(resolver=dns, transport=web.transport())
    )
    return issuer, web


async def holding(
    wallet: RunningWallet, issuer: Issuer, **changes: Any
) -> tuple[SignedInLearner, str, StatusEntry]:
    learner = await wallet.sign_up()
    entries = issuer.entries()
    document = micro_credential(learner.did, issuer_did=issuer.key.did, **entries)
    document.update(changes)
    credential_id = await wallet.store_credential(learner, document)
    return learner, credential_id, entries["status"]


async def refreshed(learner: SignedInLearner, credential_id: str) -> str:
    response = await learner.api.post(f"/api/v1/credentials/{credential_id}/status")
    assert response.status_code == 200, response.text
    assert response.json()["checked_at"] is not None
    status: str = response.json()["status"]
    return status


async def test_a_credential_with_clear_bits_is_valid(
    wallet: RunningWallet, issuer: tuple[Issuer, Web]
) -> None:
    lists, web = issuer
    learner, credential_id, _ = await holding(wallet, lists)
    assert await refreshed(learner, credential_id) == "valid"
    assert sorted(asked_for(r) for r in web.requests) == [REVOCATION_LIST, SUSPENSION_LIST]
    card = (await learner.api.get(f"/api/v1/credentials/{credential_id}")).json()
    assert card["status"] == "valid"


@pytest.mark.parametrize(
    ("url", "status"), [(REVOCATION_LIST, "revoked"), (SUSPENSION_LIST, "suspended")]
)
async def test_a_set_bit_means_revoked_or_suspended(
    wallet: RunningWallet, issuer: tuple[Issuer, Web], url: str, status: str
) -> None:
    lists, _ = issuer
    learner, credential_id, entry = await holding(wallet, lists)
    lists.bits[url].set(entry.index, True)
    await lists.publish()
    assert await refreshed(learner, credential_id) == status
    page = await learner.browser.get("/")
    assert f'<span class="badge badge-{status}">{status.title()}</span>' in page.text


async def test_a_revoked_vc_jwt_is_revoked(
    wallet: RunningWallet, issuer: tuple[Issuer, Web]
) -> None:
    lists, _ = issuer
    learner = await wallet.sign_up()
    entries = lists.entries()
    jwt = await get_format("jwt_vc_json", DIDResolver()).sign_credential(
        micro_credential(learner.did, issuer_did=lists.key.did, **entries), lists.key
    )
    credential_id = await wallet.store_credential(learner, jwt, format_name="jwt_vc_json")
    lists.bits[REVOCATION_LIST].set(entries["status"].index, True)
    await lists.publish()
    assert await refreshed(learner, credential_id) == "revoked"


async def test_a_list_signed_by_someone_else_gives_unknown(
    wallet: RunningWallet, issuer: tuple[Issuer, Web]
) -> None:
    """A validly signed list is still worthless when its signer is not the credential's issuer."""
    lists, _ = issuer
    learner, credential_id, _ = await holding(wallet, lists)
    await lists.publish(signer=did_key_signer())
    assert await refreshed(learner, credential_id) == "unknown"


async def test_a_tampered_list_gives_unknown(
    wallet: RunningWallet, issuer: tuple[Issuer, Web]
) -> None:
    lists, _ = issuer
    learner, credential_id, entry = await holding(wallet, lists)
    revoked = copy.deepcopy(lists.bits[REVOCATION_LIST])
    revoked.set(entry.index, True)
    # Someone swaps the bits of a list the issuer signed: the proof no longer holds.
    lists.served[REVOCATION_LIST]["credentialSubject"]["encodedList"] = revoked.encode()
    assert await refreshed(learner, credential_id) == "unknown"


async def test_an_unreachable_or_private_list_gives_unknown(
    wallet: RunningWallet, issuer: tuple[Issuer, Web]
) -> None:
    lists, web = issuer
    learner, missing, _ = await holding(wallet, lists)
    del lists.served[SUSPENSION_LIST]
    assert await refreshed(learner, missing) == "unknown"

    private = {**lists.entries()["status"].to_json(), "statusListCredential": PRIVATE_LIST}
    other, inside, _ = await holding(wallet, lists, credentialStatus=private)
    assert await refreshed(other, inside) == "unknown"
    assert PRIVATE_LIST not in {asked_for(r) for r in web.requests}  # refused before connecting


async def test_an_expired_credential_is_expired_without_asking_the_issuer(
    wallet: RunningWallet, issuer: tuple[Issuer, Web]
) -> None:
    lists, web = issuer
    learner, credential_id, _ = await holding(wallet, lists, expirationDate="2025-12-31T00:00:00Z")
    page = await learner.browser.get("/")
    assert '<span class="badge badge-expired">Expired</span>' in page.text  # before any check
    assert await refreshed(learner, credential_id) == "expired"
    assert web.requests == []


async def test_a_credential_without_status_entries_is_valid_until_it_expires(
    wallet: RunningWallet, issuer: tuple[Issuer, Web]
) -> None:
    _, web = issuer
    learner = await wallet.sign_up()
    credential_id = await wallet.store_credential(learner, micro_credential(learner.did))
    assert await refreshed(learner, credential_id) == "valid"
    assert web.requests == []


async def test_refresh_all_fetches_each_list_once_and_caches_it(
    wallet: RunningWallet, issuer: tuple[Issuer, Web]
) -> None:
    """Privacy: the issuer sees one fetch per list and check, not one per credential; a
    learner's check fetches anew (learners checking at the same moment share one fetch:
    tests/holder/test_learner_status.py)."""
    lists, web = issuer
    learner, first, _ = await holding(wallet, lists)
    entries = lists.entries()
    second = await wallet.store_credential(
        learner, micro_credential(learner.did, issuer_did=lists.key.did, **entries)
    )
    refreshed_all = await learner.post_form("/credentials/status")
    assert refreshed_all.status_code == 303
    assert refreshed_all.headers["location"] == "/?notice=refreshed"
    statuses = {c["id"]: c["status"] for c in (await learner.api.get("/api/v1/credentials")).json()}
    assert statuses == {first: "valid", second: "valid"}
    assert len(web.requests) == 2

    other, third, _ = await holding(wallet, lists)
    assert await refreshed(other, third) == "valid"
    assert (await other.api.post("/api/v1/credentials/status")).status_code == 200
    assert len(web.requests) == 6


async def test_the_detail_page_checks_status_on_request(
    wallet: RunningWallet, issuer: tuple[Issuer, Web]
) -> None:
    lists, _ = issuer
    learner, credential_id, _ = await holding(wallet, lists)
    checked = await learner.post_form(f"/credentials/{credential_id}/status")
    assert checked.status_code == 303
    page = await learner.browser.get(checked.headers["location"])
    assert "Status checked with the issuers just now." in page.text
    assert '<span class="badge badge-valid">Valid</span>' in page.text


def test_the_cache_forgets_lists_after_their_time_and_keeps_few() -> None:
    now = [0.0]
    cache = StatusListCache(ttl_seconds=60, max_lists=2, clock=lambda: now[0])
    cache.put("a", {"id": "a"})
    cache.put("b", {"id": "b"})
    assert cache.get("a") == {"id": "a"}
    now[0] = 30
    cache.put("c", {"id": "c"})  # "a" is the least recently stored
    assert cache.get("a") is None
    assert cache.get("b") == {"id": "b"}
    now[0] = 61
    assert cache.get("b") is None
    assert cache.get("c") == {"id": "c"}
