"""Webhooks reach a real HTTP receiver: once per result, signed, retried, never twice.

The receiver is a plain asyncio HTTP server on a free port; the worker posts to it through
the guarded client (loopback allowed, as in development).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shared.db import session_scope
from shared.http import safe_client
from shared.runtime import ServiceRuntime
from tests.support.clock import Clock
from tests.support.rendezvous import rendezvous
from tests.verifier.trust_webhooks_support import Database, add_request, migrated_database
from tests.verifier.webhook_receiver import receiving
from verifier.models import PresentationRequest, WebhookDelivery, WebhookEndpoint
from verifier.settings import VerifierSettings
from verifier.webhooks.schemas import EndpointIn
from verifier.webhooks.service import Webhooks
from verifier.webhooks.signature import signature_is_valid
from verifier.webhooks.worker import WebhookOptions, WebhookWorker, run_webhook_worker

RESULT = {
    "status": "verified",
    "verified": True,
    "checks": [
        {"name": "presentation_signature", "outcome": "passed"},
        {"name": "issuer_trusted", "outcome": "passed", "detail": "University of Example"},
    ],
}
OPTIONS = WebhookOptions(max_attempts=3, retry_base_seconds=30, lease_seconds=60)


@pytest.fixture
async def db(database_url_for: Callable[[str], Any]) -> AsyncIterator[Database]:
    async with migrated_database(await database_url_for("verifier")) as database:
        yield database


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with safe_client(allow_loopback=True) as client:
        yield client


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def add_endpoint(db: Database, organisation_id: str, url: str) -> str:
    """A new endpoint of the organisation; its signing secret."""
    async with session_scope(db.sessions) as session:
        webhooks = Webhooks(session, db.kek, allow_loopback=True)
        _, secret = await webhooks.add_endpoint(
            organisation_id, EndpointIn(url=url), actor="user:test"
        )
    return secret


async def store_result(db: Database, request_id: str, organisation_id: str, clock: Clock) -> None:
    """What the requests capability does: the result and its webhook in one transaction."""
    async with session_scope(db.sessions) as session:
        request = await session.get(PresentationRequest, request_id)
        assert request is not None
        request.status, request.verified, request.responded_at = "verified", True, clock.now
        await Webhooks(session, db.kek).result_ready(
            request_id, organisation_id, RESULT, now=clock.now
        )


def worker(db: Database, http: httpx.AsyncClient, clock: Clock, **options: Any) -> WebhookWorker:
    chosen = WebhookOptions(**{**OPTIONS.__dict__, **options})
    return WebhookWorker(db.sessions, http, db.kek, chosen, clock=clock)


async def log_of(db: Database, organisation_id: str, request_id: str) -> list[Any]:
    async with session_scope(db.sessions) as session:
        return await Webhooks(session, db.kek).deliveries(organisation_id, request_id)


async def test_a_result_is_delivered_once_signed_with_the_endpoint_secret(
    db: Database, http: httpx.AsyncClient, clock: Clock
) -> None:
    organisation = await db.organisation()
    request_id = await db.request(organisation)
    async with receiving() as receiver:
        secret = await add_endpoint(db, organisation, receiver.url)
        await store_result(db, request_id, organisation, clock)
        # Announcing the same result again (a retried transaction) queues nothing new.
        await store_result(db, request_id, organisation, clock)

        the_worker = worker(db, http, clock)
        assert await the_worker.run_once() == 1
        clock.advance(3600)
        assert await the_worker.run_once() == 0

    assert len(receiver.received) == 1
    received = receiver.received[0]
    body = json.loads(received.body)
    assert body["request_id"] == request_id
    assert body["status"] == "verified"
    assert body["verified"] is True
    assert body["checks"] == RESULT["checks"]
    assert body["type"] == "presentation_request.completed"
    assert received.headers["credstack-event-id"] == body["event_id"]
    assert received.headers["content-type"] == "application/json"

    signature = received.headers["credstack-signature"]
    now = int(time.time())
    assert signature_is_valid(secret, signature, received.body, now=now)
    tampered = received.body.replace('"verified":true', '"verified":false')
    assert tampered != received.body
    assert not signature_is_valid(secret, signature, tampered, now=now)
    assert not signature_is_valid(secret + "x", signature, received.body, now=now)
    # An old signature (a replayed request) is refused by a receiver that checks the time.
    assert not signature_is_valid(secret, signature, received.body, now=now + 3600)

    (delivery,) = await log_of(db, organisation, request_id)
    assert delivery.state == "delivered"
    assert [(a.http_status, a.error) for a in delivery.attempts] == [(200, None)]


async def test_a_failed_delivery_is_retried_after_a_delay_under_the_same_event_id(
    db: Database, http: httpx.AsyncClient, clock: Clock
) -> None:
    organisation = await db.organisation()
    request_id = await db.request(organisation)
    async with receiving(500) as receiver:
        secret = await add_endpoint(db, organisation, receiver.url)
        await store_result(db, request_id, organisation, clock)
        the_worker = worker(db, http, clock)

        assert await the_worker.run_once() == 1  # answered 500
        assert await the_worker.run_once() == 0  # not due before the back-off delay
        clock.advance(OPTIONS.retry_base_seconds + 1)
        assert await the_worker.run_once() == 1  # answered 200

    first, second = receiver.received
    assert first.headers["credstack-event-id"] == second.headers["credstack-event-id"]
    assert first.body == second.body
    for received in (first, second):
        assert signature_is_valid(
            secret, received.headers["credstack-signature"], received.body, now=int(time.time())
        )
    (delivery,) = await log_of(db, organisation, request_id)
    assert delivery.state == "delivered"
    assert [a.http_status for a in delivery.attempts] == [500, 200]
    assert delivery.attempts[0].error == "The receiver answered 500 Internal Server Error."
    assert delivery.attempts[1].error is None


async def test_the_delay_doubles_and_the_worker_gives_up_after_the_last_attempt(
    db: Database, http: httpx.AsyncClient, clock: Clock
) -> None:
    organisation = await db.organisation()
    request_id = await db.request(organisation)
    async with receiving(500, 500, 500, 500) as receiver:
        await add_endpoint(db, organisation, receiver.url)
        await store_result(db, request_id, organisation, clock)
        the_worker = worker(db, http, clock)
        assert await the_worker.run_once() == 1
        clock.advance(31)
        assert await the_worker.run_once() == 1
        clock.advance(31)  # the second delay is 60 s
        assert await the_worker.run_once() == 0
        clock.advance(30)
        assert await the_worker.run_once() == 1
        clock.advance(24 * 3600)
        assert await the_worker.run_once() == 0

    assert len(receiver.received) == OPTIONS.max_attempts
    (delivery,) = await log_of(db, organisation, request_id)
    assert delivery.state == "failed"
    assert len(delivery.attempts) == OPTIONS.max_attempts


async def test_a_result_whose_transaction_fails_is_never_delivered(
    db: Database, http: httpx.AsyncClient, clock: Clock
) -> None:
    organisation = await db.organisation()
    request_id = await db.request(organisation)
    async with receiving() as receiver:
        await add_endpoint(db, organisation, receiver.url)
        with pytest.raises(RuntimeError, match="storing the result failed"):
            await _result_then_failure(db, request_id, organisation)
        assert await worker(db, http, clock).run_once() == 0
    assert receiver.received == []


async def _result_then_failure(db: Database, request_id: str, organisation: str) -> None:
    async with session_scope(db.sessions) as session:
        await Webhooks(session, db.kek).result_ready(request_id, organisation, RESULT)
        raise RuntimeError("storing the result failed")


async def test_a_worker_that_dies_after_claiming_is_replaced_once_its_lease_runs_out(
    db: Database, http: httpx.AsyncClient, clock: Clock
) -> None:
    organisation = await db.organisation()
    request_id = await db.request(organisation)
    async with receiving() as receiver:
        await add_endpoint(db, organisation, receiver.url)
        await store_result(db, request_id, organisation, clock)

        dying = worker(db, http, clock)
        assert len(await dying.claim()) == 1  # ... and it never delivers

        survivor = worker(db, http, clock)
        assert await survivor.run_once() == 0  # the lease still holds
        clock.advance(OPTIONS.lease_seconds + 1)
        assert await survivor.run_once() == 1

    assert len(receiver.received) == 1
    (delivery,) = await log_of(db, organisation, request_id)
    assert delivery.state == "delivered"
    assert [a.http_status for a in delivery.attempts] == [200]


async def test_two_workers_racing_never_deliver_one_event_twice(
    db: Database, http: httpx.AsyncClient, clock: Clock
) -> None:
    organisation = await db.organisation()
    async with receiving() as receiver:
        await add_endpoint(db, organisation, receiver.url)
        requests = [await db.request(organisation) for _ in range(5)]
        for request_id in requests:
            await store_result(db, request_id, organisation, clock)

        # Both workers read the same due deliveries before either claims one.
        first, second = worker(db, http, clock), worker(db, http, clock)
        with rendezvous(db.engine, 2, "ORDER BY webhook_deliveries.next_attempt_at"):
            counts = await asyncio.gather(first.run_once(), second.run_once())

    assert sum(counts) == 5
    event_ids = [received.headers["credstack-event-id"] for received in receiver.received]
    assert len(event_ids) == 5
    assert len(set(event_ids)) == 5
    async with session_scope(db.sessions) as session:
        states = (await session.scalars(select(WebhookDelivery.state))).all()
    assert states == ["delivered"] * 5


async def test_each_enabled_endpoint_gets_the_event_and_a_disabled_one_none(
    db: Database, http: httpx.AsyncClient, clock: Clock
) -> None:
    organisation = await db.organisation()
    other_organisation = await db.organisation("other")
    request_id = await db.request(organisation)
    async with receiving() as one, receiving() as two, receiving() as off, receiving() as other:
        await add_endpoint(db, organisation, one.url)
        await add_endpoint(db, organisation, two.url)
        await add_endpoint(db, organisation, off.url)
        await add_endpoint(db, other_organisation, other.url)
        async with session_scope(db.sessions) as session:
            disabled = await session.scalar(
                select(WebhookEndpoint).where(WebhookEndpoint.url == off.url)
            )
            assert disabled is not None
            disabled.enabled = False
        await store_result(db, request_id, organisation, clock)
        assert await worker(db, http, clock).run_once() == 2

    assert len(one.received) == len(two.received) == 1
    assert off.received == other.received == []
    assert (
        one.received[0].headers["credstack-event-id"]
        == (two.received[0].headers["credstack-event-id"])
    )


async def test_an_endpoint_disabled_while_a_retry_waits_is_not_posted_to(
    db: Database, http: httpx.AsyncClient, clock: Clock
) -> None:
    organisation = await db.organisation()
    request_id = await db.request(organisation)
    async with receiving(500) as receiver:
        await add_endpoint(db, organisation, receiver.url)
        await store_result(db, request_id, organisation, clock)
        the_worker = worker(db, http, clock)
        assert await the_worker.run_once() == 1
        async with session_scope(db.sessions) as session:
            webhooks = Webhooks(session, db.kek)
            (endpoint,) = await webhooks.endpoints(organisation)
            await webhooks.remove_endpoint(organisation, endpoint.id)
        clock.advance(3600)
        assert await the_worker.run_once() == 1
    assert len(receiver.received) == 1
    (delivery,) = await log_of(db, organisation, request_id)
    assert delivery.state == "failed"
    assert delivery.attempts[-1].error == "Not sent: the endpoint was disabled or removed."


async def test_a_private_address_is_refused_in_production_and_the_refusal_logged(
    db: Database, clock: Clock
) -> None:
    organisation = await db.organisation()
    request_id = await db.request(organisation)
    async with receiving() as receiver, safe_client(allow_loopback=False) as production_http:
        https_on_loopback = receiver.url.replace("http://", "https://")
        await add_endpoint(db, organisation, https_on_loopback)
        await store_result(db, request_id, organisation, clock)
        assert await worker(db, production_http, clock).run_once() == 1
    assert receiver.received == []
    (delivery,) = await log_of(db, organisation, request_id)
    assert delivery.attempts[0].http_status is None
    assert delivery.attempts[0].error == (
        "Refused to fetch from 127.0.0.1: it is a loopback address."
    )


async def test_the_worker_runs_with_the_app_and_stops_with_it(
    db: Database, http: httpx.AsyncClient, clock: Clock
) -> None:
    """``run_webhook_worker``: what the app's lifespan starts and stops."""
    runtime = ServiceRuntime(VerifierSettings(), db.engine, db.sessions, http, db.kek)
    organisation = await db.organisation()
    async with receiving() as receiver:
        await add_endpoint(db, organisation, receiver.url)
        async with run_webhook_worker(runtime, WebhookOptions(poll_seconds=0.05)):
            async with session_scope(db.sessions) as session:
                request_id = await add_request(session, organisation)
                await Webhooks(session, db.kek).result_ready(request_id, organisation, RESULT)
            for _ in range(200):
                if receiver.received:
                    break
                await asyncio.sleep(0.05)
    assert len(receiver.received) == 1


async def test_dates_in_the_result_are_sent_as_json_text(
    db: Database, http: httpx.AsyncClient, clock: Clock
) -> None:
    organisation = await db.organisation()
    request_id = await db.request(organisation)
    async with receiving() as receiver:
        await add_endpoint(db, organisation, receiver.url)
        async with session_scope(db.sessions) as session:
            await Webhooks(session, db.kek).result_ready(
                request_id, organisation, {**RESULT, "responded_at": clock.now}, now=clock.now
            )
        assert await worker(db, http, clock).run_once() == 1
    body = json.loads(receiver.received[0].body)
    assert datetime.fromisoformat(body["responded_at"]) == clock.now
