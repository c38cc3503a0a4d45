"""What taking one answer costs the database, and that its webhooks still get the result.

An answer is one read (the request, and whether its organisation has a webhook endpoint),
one look-up per issuer in the trust list (in memory here), one conditional UPDATE and one
commit; the endpoints are read, and a delivery written for each, only when there are any.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState

from shared.errors import ProtocolError
from tests.verifier.conftest import RunningVerifier, Wallet
from tests.verifier.test_responses import answer
from verifier.models import PresentationRequest, WebhookDelivery
from verifier.requests.protocol import OpenID4VP
from verifier.requests.response_form import FORM_MEDIA_TYPE, read_response

HOOK = "http://127.0.0.1:9/hook"  # never reached: the worker's deliveries are not awaited


def kind(state: ORMExecuteState) -> str:
    if state.is_select:
        return "select"
    if state.is_update:
        return "update"
    if state.is_insert:
        return "insert"
    return str(state.statement)


async def take(verifier: RunningVerifier, form: dict[str, str]) -> list[str]:
    """Take the answer in one unit of work as the response endpoint does; the kinds of the
    statements it executed, in order."""
    executed: list[str] = []
    async with verifier.session() as session:
        event.listen(session.sync_session, "do_orm_execute", lambda s: executed.append(kind(s)))
        checker = verifier.app.state.checker_factory(session, verifier.runtime)
        body = urlencode(form).encode()
        response = read_response(body, FORM_MEDIA_TYPE, len(body))
        await OpenID4VP(session, verifier.runtime, checker).accept_response(response)
    return executed


async def add_endpoint(verifier: RunningVerifier, enabled: bool = True) -> None:
    created = await verifier.client.post(
        "/api/v1/webhooks", json={"url": HOOK, "enabled": enabled}, headers=verifier.auth
    )
    assert created.status_code == 201, created.text


async def deliveries(verifier: RunningVerifier, request_id: str) -> list[dict[str, Any]]:
    async with verifier.session() as session:
        bodies = await session.scalars(
            select(WebhookDelivery.body).where(WebhookDelivery.request_id == request_id)
        )
        return [json.loads(body) for body in bodies]


async def test_without_webhooks_an_answer_is_one_read_and_one_conditional_update(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    verifier.trust.add(wallet.issuer.did)
    request = await verifier.create_request()
    form = await answer(verifier, wallet, request, "jwt_vc_json")
    assert await take(verifier, form) == ["select", "update"]
    async with verifier.session() as session:
        stored = await session.get(PresentationRequest, request["request_id"])
        assert stored is not None
        assert (stored.status, stored.verified) == ("verified", True)
    assert await deliveries(verifier, request["request_id"]) == []


async def test_an_answer_queues_its_result_for_each_enabled_endpoint(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    verifier.trust.add(wallet.issuer.did)
    await add_endpoint(verifier)
    await add_endpoint(verifier, enabled=False)
    request = await verifier.create_request()
    form = await answer(verifier, wallet, request, "jwt_vc_json")
    assert await take(verifier, form) == ["select", "update", "select", "insert"]
    (delivered,) = await deliveries(verifier, request["request_id"])
    assert delivered["status"] == "verified"
    assert delivered["request_id"] == request["request_id"]
    assert {check["name"] for check in delivered["checks"]} >= {"nonce", "credential_signature"}


async def test_the_same_answer_twice_is_refused_without_a_second_delivery(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    verifier.trust.add(wallet.issuer.did)
    await add_endpoint(verifier)
    request = await verifier.create_request()
    form = await answer(verifier, wallet, request, "jwt_vc_json")
    await take(verifier, form)
    with pytest.raises(ProtocolError, match="answered already"):
        await take(verifier, form)
    assert len(await deliveries(verifier, request["request_id"])) == 1
