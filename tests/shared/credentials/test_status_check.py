"""The shared status check: revoked, suspended, valid, and "unknown" with a reason whenever a
list cannot be fetched, trusted, verified or is out of date; and a cache that honours the
issuer's HTTP caching headers and the list's own validity, within a maximum staleness.

"The internet" is a recording MockTransport behind the runtime's guarded client (the
private-network guard stays in force); the lists are really signed (ldp_vc, didkit).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.credentials.status_check import (
    CachedList,
    Status,
    StatusCheck,
    StatusListCache,
    http_freshness,
    list_freshness,
)
from shared.did.resolver import DIDResolver
from shared.http import safe_client
from tests.shared.credentials.test_microcredential_samples import HOLDER_DID, did_key_signer
from tests.shared.test_http import PUBLIC_IP, Web, resolver_for
from tests.support.credentials import (
    REVOCATION_LIST,
    SUSPENSION_LIST,
    StatusLists,
    asked_for,
    micro_credential,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class World:
    lists: StatusLists
    web: Web
    checker: StatusCheck
    seconds: list[float]  # the cache's monotonic clock, moved by the test

    def credential(self, **changes: Any) -> dict[str, Any]:
        entries = self.lists.entries()
        document = micro_credential(HOLDER_DID, issuer_did=self.lists.key.did, **entries)
        document.update(changes)
        return document

    def fetched(self) -> list[str]:
        return [asked_for(request) for request in self.web.requests]


@pytest.fixture
async def world() -> AsyncIterator[World]:
    lists = StatusLists()
    await lists.publish()
    web = Web(lists.handle)
    dns = resolver_for({"issuer.example": [PUBLIC_IP], "intranet.example": ["10.1.2.3"]})
    seconds = [0.0]
    cache = StatusListCache(ttl_seconds=300, clock=lambda: seconds[0], max_staleness_seconds=3600)
    async with safe_client(resolver=dns, transport=web.transport()) as http:
        checker = StatusCheck(http, DIDResolver(http), cache)
        yield World(lists, web, checker, seconds)


async def test_clear_bits_are_valid_with_when_the_lists_were_fetched(world: World) -> None:
    result = await world.checker.check(world.credential())
    assert result.status is Status.VALID
    assert "neither revoked nor suspended" in result.reason
    assert result.checked_at is not None
    assert result.entries == 2
    assert sorted(world.fetched()) == [REVOCATION_LIST, SUSPENSION_LIST]


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        (REVOCATION_LIST, Status.REVOKED, "has revoked this credential"),
        (SUSPENSION_LIST, Status.SUSPENDED, "has suspended this credential"),
    ],
)
async def test_a_set_bit_means_revoked_or_suspended(
    world: World, url: str, status: Status, words: str
) -> None:
    credential = world.credential()
    world.lists.bits[url].set(world.lists.next_index, True)
    await world.lists.publish()
    result = await world.checker.check(credential)
    assert result.status is status
    assert words in result.reason


async def test_an_unreachable_list_is_unknown_never_valid(world: World) -> None:
    del world.lists.served[SUSPENSION_LIST]
    result = await world.checker.check(world.credential())
    assert result.status is Status.UNKNOWN
    assert "suspension list could not be fetched" in result.reason
    assert "404" in result.reason
    assert "cannot be told" in result.reason


async def test_a_list_on_a_private_address_is_refused_before_connecting(world: World) -> None:
    entry = {**world.lists.entries()["status"].to_json()}
    entry["statusListCredential"] = "https://intranet.example/status/revocation"
    result = await world.checker.check(world.credential(credentialStatus=entry))
    assert result.status is Status.UNKNOWN
    assert "https://intranet.example/status/revocation" not in world.fetched()


async def test_a_list_signed_by_someone_else_is_unknown(world: World) -> None:
    credential = world.credential()
    await world.lists.publish(signer=did_key_signer())
    result = await world.checker.check(credential)
    assert result.status is Status.UNKNOWN
    assert "not signed by the credential's issuer" in result.reason


async def test_a_tampered_list_is_unknown(world: World) -> None:
    credential = world.credential()
    revoked = copy.deepcopy(world.lists.bits[REVOCATION_LIST])
    revoked.set(world.lists.next_index, True)
    world.lists.served[REVOCATION_LIST]["credentialSubject"]["encodedList"] = revoked.encode()
    result = await world.checker.check(credential)
    assert result.status is Status.UNKNOWN
    assert "does not carry a valid signature" in result.reason


async def test_an_expired_list_is_unknown(world: World) -> None:
    """A list past its own expirationDate is stale: whatever it says may have changed."""
    credential = world.credential()
    await world.lists.publish(expirationDate="2026-01-01T00:00:00Z")
    result = await world.checker.check(credential)
    assert result.status is Status.UNKNOWN
    assert "expired on 2026-01-01" in result.reason


async def test_an_expired_credential_is_expired_without_asking_unless_asked_to(
    world: World,
) -> None:
    credential = world.credential(expirationDate="2025-12-31T00:00:00Z")
    result = await world.checker.check(credential)
    assert (result.status, world.fetched()) == (Status.EXPIRED, [])
    assert "expired on 2025-12-31" in result.reason

    looked_up = await world.checker.check(credential, look_up_expired=True)
    assert looked_up.status is Status.EXPIRED
    assert len(world.fetched()) == 2
    world.lists.bits[REVOCATION_LIST].set(world.lists.next_index, True)
    await world.lists.publish()
    world.seconds[0] += 10_000
    revoked = await world.checker.check(credential, look_up_expired=True)
    assert revoked.status is Status.REVOKED  # revoked says more than expired


async def test_the_default_ttl_applies_when_the_issuer_says_nothing(world: World) -> None:
    await world.checker.check(world.credential())
    world.seconds[0] = 299
    await world.checker.check(world.credential())
    assert len(world.fetched()) == 2  # both lists, once
    world.seconds[0] = 300
    await world.checker.check(world.credential())
    assert len(world.fetched()) == 4


async def test_max_age_is_honoured_up_to_the_maximum_staleness(world: World) -> None:
    world.lists.headers = {"Cache-Control": "public, max-age=1800"}
    await world.lists.publish()
    await world.checker.check(world.credential())
    world.seconds[0] = 1799
    await world.checker.check(world.credential())
    assert len(world.fetched()) == 2
    world.seconds[0] = 1800
    await world.checker.check(world.credential())
    assert len(world.fetched()) == 4

    world.lists.headers = {"Cache-Control": "max-age=86400"}  # a day; we allow an hour
    world.seconds[0] = 10_000
    await world.checker.check(world.credential())
    world.seconds[0] = 10_000 + 3599
    await world.checker.check(world.credential())
    assert len(world.fetched()) == 6
    world.seconds[0] = 10_000 + 3600
    await world.checker.check(world.credential())
    assert len(world.fetched()) == 8


@pytest.mark.parametrize("directive", ["no-store", "no-cache", "max-age=0"])
async def test_lists_the_issuer_says_not_to_keep_are_fetched_every_time(
    world: World, directive: str
) -> None:
    world.lists.headers = {"Cache-Control": directive}
    await world.checker.check(world.credential())
    await world.checker.check(world.credential())
    assert len(world.fetched()) == 4


async def test_expires_is_honoured(world: World) -> None:
    sent = datetime.now(UTC).replace(microsecond=0)
    world.lists.headers = {
        "Date": sent.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Expires": (sent + timedelta(seconds=60)).strftime("%a, %d %b %Y %H:%M:%S GMT"),
    }
    await world.checker.check(world.credential())
    world.seconds[0] = 59
    await world.checker.check(world.credential())
    assert len(world.fetched()) == 2
    world.seconds[0] = 60
    await world.checker.check(world.credential())
    assert len(world.fetched()) == 4


async def test_the_lists_own_validity_shortens_its_stay(world: World) -> None:
    """A list valid for two more minutes is not kept for the default five."""
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=120)
    await world.lists.publish(expirationDate=until.isoformat().replace("+00:00", "Z"))
    await world.checker.check(world.credential())
    world.seconds[0] = 125
    await world.checker.check(world.credential())
    assert len(world.fetched()) == 4


def test_http_freshness_reads_the_caching_headers() -> None:
    assert http_freshness({}, NOW) is None
    assert http_freshness({"cache-control": "public, max-age=300"}, NOW) == 300
    assert http_freshness({"cache-control": "max-age=300", "age": "100"}, NOW) == 200
    assert http_freshness({"cache-control": "private, no-store"}, NOW) == 0
    assert http_freshness({"cache-control": "s-maxage=99"}, NOW) is None
    expires = {"expires": "Sun, 01 Mar 2026 12:10:00 GMT"}
    assert http_freshness(expires, NOW) == 600
    assert http_freshness({"expires": "0"}, NOW) == 0  # invalid: already expired
    both = {"cache-control": "max-age=5", "expires": "Sun, 01 Mar 2026 12:10:00 GMT"}
    assert http_freshness(both, NOW) == 5  # max-age wins over Expires


def test_list_freshness_reads_valid_until_and_ttl() -> None:
    assert list_freshness({}, NOW) is None
    assert list_freshness({"validUntil": "2026-03-01T12:01:00Z"}, NOW) == 60
    assert list_freshness({"credentialSubject": {"ttl": 30_000}}, NOW) == 30
    both = {"expirationDate": "2026-03-01T13:00:00Z", "credentialSubject": {"ttl": 30_000}}
    assert list_freshness(both, NOW) == 30


async def test_the_wallet_entry_point_reads_a_stored_document(world: World) -> None:
    assert await world.checker.status_of(world.credential(), "ldp_vc") == "valid"
    assert await world.checker.status_of("not a jwt", "jwt_vc_json") == "unknown"
    assert await world.checker.status_of(["a list"], "ldp_vc") == "unknown"  # type: ignore[arg-type]


# --- single flight: one fetch of a list for everyone who needs it at that moment ----------


async def test_checks_at_the_same_moment_share_one_fetch_of_each_list(world: World) -> None:
    checks = [
        StatusCheck(world.checker.http, world.checker.resolver, world.checker.cache, fresh=True)
        for _ in range(3)
    ]
    credential = world.credential()
    results = await asyncio.gather(*(check.check(credential) for check in checks))
    assert [result.status for result in results] == [Status.VALID] * 3
    assert sorted(world.fetched()) == [REVOCATION_LIST, SUSPENSION_LIST]


async def test_a_fresh_check_fetches_anew_a_list_the_cache_holds(world: World) -> None:
    credential = world.credential()
    assert (await world.checker.check(credential)).status is Status.VALID
    world.lists.bits[REVOCATION_LIST].set(world.lists.next_index, True)
    await world.lists.publish()
    assert (await world.checker.check(credential)).status is Status.VALID  # cached
    fresh = StatusCheck(world.checker.http, world.checker.resolver, world.checker.cache, fresh=True)
    assert (await fresh.check(credential)).status is Status.REVOKED
    assert len(world.fetched()) == 4
    # The fresh fetch refreshed the cache for everyone.
    assert (await world.checker.check(credential)).status is Status.REVOKED
    assert len(world.fetched()) == 4


def _gated(calls: list[str], gate: asyncio.Event, outcome: CachedList | Exception) -> Any:
    async def fetch() -> CachedList:
        calls.append("fetch")
        await gate.wait()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return fetch


async def _until_waiting(cache: StatusListCache, url: str, count: int) -> None:
    for _ in range(200):
        if cache.waiting(url) >= count:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"{cache.waiting(url)} waiting on {url}, expected {count}")


async def test_a_failed_fetch_reaches_every_waiter_and_the_next_check_tries_again() -> None:
    cache, calls, gate = StatusListCache(), [], asyncio.Event()
    fetch = _gated(calls, gate, RuntimeError("the issuer is down"))
    waiters = [asyncio.create_task(cache.single_flight("u", fetch)) for _ in range(2)]
    await _until_waiting(cache, "u", 2)
    gate.set()
    outcomes = await asyncio.gather(*waiters, return_exceptions=True)
    assert [str(outcome) for outcome in outcomes] == ["the issuer is down"] * 2
    assert calls == ["fetch"]
    found = CachedList({"id": "u"}, NOW)
    assert await cache.single_flight("u", _gated(calls, gate, found)) is found
    assert calls == ["fetch", "fetch"]
    assert cache.waiting("u") == 0


async def test_a_caller_that_goes_away_does_not_cancel_the_fetch_for_the_others() -> None:
    cache, calls, gate = StatusListCache(), [], asyncio.Event()
    found = CachedList({"id": "u"}, NOW)
    first = asyncio.create_task(cache.single_flight("u", _gated(calls, gate, found)))
    second = asyncio.create_task(cache.single_flight("u", _gated(calls, gate, found)))
    await _until_waiting(cache, "u", 2)
    first.cancel()
    await _until_waiting(cache, "u", 1)
    gate.set()
    assert await second is found
    assert first.cancelled()
    assert calls == ["fetch"]
    assert cache.waiting("u") == 0
