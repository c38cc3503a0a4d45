"""/api/v1/webhooks: an organisation manages its own endpoints and reads its delivery log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from shared.db import session_scope
from tests.verifier.trust_webhooks_support import RunningVerifier, add_request, running_verifier
from tests.verifier.webhook_receiver import receiving
from verifier.models import WebhookEndpoint
from verifier.webhooks.sealing import open_secret
from verifier.webhooks.service import Webhooks
from verifier.webhooks.signature import signature_is_valid
from verifier.webhooks.worker import WebhookWorker


@pytest.fixture
async def verifier(
    data_dir: Path, database_url_for: Callable[[str], Any]
) -> AsyncIterator[RunningVerifier]:
    async with running_verifier(data_dir, await database_url_for("verifier")) as running:
        yield running


async def test_an_endpoint_is_created_with_a_secret_shown_once_and_stored_sealed(
    verifier: RunningVerifier,
) -> None:
    acme = await verifier.employer_token("acme")
    created = await verifier.client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.acme.example/credstack", "description": "HR system"},
        headers=acme,
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    assert endpoint["enabled"] is True

    listed = await verifier.client.get("/api/v1/webhooks", headers=acme)
    assert listed.status_code == 200, listed.text
    assert [e["id"] for e in listed.json()] == [endpoint["id"]]
    assert secret not in listed.text
    one = await verifier.client.get(f"/api/v1/webhooks/{endpoint['id']}", headers=acme)
    assert one.status_code == 200, one.text
    assert secret not in one.text

    async with session_scope(verifier.runtime.sessions) as session:
        row = await session.get(WebhookEndpoint, endpoint["id"])
        assert row is not None
        assert secret.encode() not in row.secret_sealed
        kek = verifier.runtime.key_encryption_key
        assert (
            open_secret(
                row.secret_sealed,
                kek,
                endpoint_id=row.id,
                organisation_id=row.organisation_id,
            )
            == secret
        )


async def test_another_organisation_neither_sees_nor_changes_an_endpoint(
    verifier: RunningVerifier,
) -> None:
    acme, globex = await verifier.employer_token("acme"), await verifier.employer_token("globex")
    created = await verifier.client.post(
        "/api/v1/webhooks", json={"url": "https://hooks.acme.example/"}, headers=acme
    )
    assert created.status_code == 201, created.text
    endpoint_id = created.json()["id"]

    assert (await verifier.client.get("/api/v1/webhooks", headers=globex)).json() == []
    for method in ("GET", "PATCH", "DELETE"):
        response = await verifier.client.request(
            method,
            f"/api/v1/webhooks/{endpoint_id}",
            headers=globex,
            json={"enabled": False} if method == "PATCH" else None,
        )
        assert response.status_code == 404, (method, response.text)
    assert (await verifier.client.get("/api/v1/webhooks")).status_code == 401


async def test_an_endpoint_is_changed_disabled_and_removed(verifier: RunningVerifier) -> None:
    acme = await verifier.employer_token("acme")
    created = await verifier.client.post(
        "/api/v1/webhooks", json={"url": "https://hooks.acme.example/"}, headers=acme
    )
    endpoint_id = created.json()["id"]

    changed = await verifier.client.patch(
        f"/api/v1/webhooks/{endpoint_id}",
        json={"url": "https://new.acme.example/hook", "enabled": False},
        headers=acme,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["url"] == "https://new.acme.example/hook"
    assert changed.json()["enabled"] is False

    removed = await verifier.client.delete(f"/api/v1/webhooks/{endpoint_id}", headers=acme)
    assert removed.status_code == 204, removed.text
    assert (await verifier.client.get("/api/v1/webhooks", headers=acme)).json() == []
    again = await verifier.client.delete(f"/api/v1/webhooks/{endpoint_id}", headers=acme)
    assert again.status_code == 404, again.text


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://hooks.acme.example/", "must start with https://"),
        ("http://hooks.acme.example/", "must use https"),
        ("https://user:pw@hooks.acme.example/", "user name or password"),
        ("not a url at all", "https://"),
    ],
)
async def test_an_address_that_is_not_https_is_refused_in_words(
    verifier: RunningVerifier, url: str, words: str
) -> None:
    acme = await verifier.employer_token("acme")
    response = await verifier.client.post("/api/v1/webhooks", json={"url": url}, headers=acme)
    assert response.status_code == 400, response.text
    assert words in response.json()["error_description"]


async def test_the_delivery_log_of_a_request_shows_each_attempt(
    verifier: RunningVerifier,
) -> None:
    """The development node allows a receiver on this machine over http, as `credstack up`
    needs; the log is the organisation's own."""
    acme = await verifier.employer_token("acme")
    async with receiving(500) as receiver:
        created = await verifier.client.post(
            "/api/v1/webhooks", json={"url": receiver.url}, headers=acme
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        runtime = verifier.runtime
        async with session_scope(runtime.sessions) as session:
            organisation_id = await session.scalar(select(WebhookEndpoint.organisation_id))
            assert organisation_id is not None
            request_id = await add_request(session, organisation_id)
            await Webhooks(session, runtime.key_encryption_key).result_ready(
                request_id, organisation_id, {"status": "rejected", "verified": False, "checks": []}
            )
        # This worker, or the app's own if its lifespan runs one: whichever claims it first.
        worker = WebhookWorker(runtime.sessions, runtime.http, runtime.key_encryption_key)
        await worker.run_once()
        for _ in range(100):
            if receiver.received:
                break
            await asyncio.sleep(0.05)

    (received,) = receiver.received
    assert signature_is_valid(
        secret, received.headers["credstack-signature"], received.body, now=int(time.time())
    )
    log = await verifier.client.get(
        "/api/v1/webhooks/deliveries", params={"request_id": request_id}, headers=acme
    )
    assert log.status_code == 200, log.text
    (delivery,) = log.json()
    assert delivery["state"] == "pending"
    assert delivery["event_id"] == received.headers["credstack-event-id"]
    assert delivery["next_attempt_at"] is not None
    (attempt,) = delivery["attempts"]
    assert attempt["http_status"] == 500
    assert attempt["error"] == "The receiver answered 500 Internal Server Error."

    globex = await verifier.employer_token("globex")
    theirs = await verifier.client.get(
        "/api/v1/webhooks/deliveries", params={"request_id": request_id}, headers=globex
    )
    assert theirs.status_code == 200, theirs.text
    assert theirs.json() == []
