"""Wallets answer requests at the response URI (direct_post); each request takes one answer."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from shared.clock import utcnow
from tests.support.rendezvous import rendezvous
from tests.verifier.conftest import BASE_URL, RunningVerifier, Wallet
from verifier.employers.service import Employers
from verifier.models import PresentationRequest
from verifier.requests.queries import query_id

RESPONSE = "/oid4vp/response"
# The response endpoint's first read: both parties hold after it until both have read.
READ_BY_STATE = "FROM presentation_requests \nWHERE presentation_requests.state"


async def answer(
    verifier: RunningVerifier, wallet: Wallet, request: dict[str, Any], fmt: str = "ldp_vc"
) -> dict[str, str]:
    """The form a 1.0 wallet posts: one presentation of one credential, for ``request``."""
    _, claims = await verifier.request_object(request)
    credential = await wallet.credential(fmt)
    presentation = await wallet.presentation(
        fmt, credential, nonce=claims["nonce"], audience=claims["client_id"]
    )
    return {"vp_token": json.dumps({query_id(fmt): [presentation]}), "state": claims["state"]}


@pytest.mark.parametrize("fmt", ["ldp_vc", "jwt_vc_json"])
async def test_a_valid_presentation_is_verified_and_every_check_is_reported(
    verifier: RunningVerifier, wallet: Wallet, fmt: str
) -> None:
    verifier.trust.add(wallet.issuer.did)
    request = await verifier.create_request()
    posted = await verifier.client.post(RESPONSE, data=await answer(verifier, wallet, request, fmt))
    assert posted.status_code == 200, posted.text
    assert posted.json() == {}
    shown = await verifier.get(request["request_id"])
    assert shown.status_code == 200, shown.text
    result = shown.json()
    failed = [c for c in result["checks"] if c["outcome"] not in ("passed", "not_applicable")]
    assert failed == []
    assert result["status"] == "verified"
    assert result["verified"] is True
    names = {check["name"] for check in result["checks"]}
    assert {"nonce", "audience", "credential_signature", "trusted_issuer", "constraints"} <= names
    assert result["credentials"][0]["issuer_did"] == wallet.issuer.did


async def test_a_draft_era_presentation_exchange_answer_is_verified(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    verifier.trust.add(wallet.issuer.did)
    request = await verifier.create_request(template="microcredential", era="draft")
    _, claims = await verifier.request_object(request)
    credential = await wallet.credential("jwt_vc_json")
    presentation = await wallet.presentation(
        "jwt_vc_json", credential, nonce=claims["nonce"], audience=claims["client_id"]
    )
    submission = {
        "id": "s1",
        "definition_id": claims["presentation_definition"]["id"],
        "descriptor_map": [
            {
                "id": "micro_credential",
                "format": "jwt_vp_json",
                "path": "$",
                "path_nested": {"format": "jwt_vc_json", "path": "$.vp.verifiableCredential[0]"},
            }
        ],
    }
    posted = await verifier.client.post(
        RESPONSE,
        data={
            "vp_token": presentation,
            "presentation_submission": json.dumps(submission),
            "state": claims["state"],
        },
    )
    assert posted.status_code == 200, posted.text
    result = (await verifier.get(request["request_id"])).json()
    assert result["status"] == "verified", result["checks"]


async def test_an_untrusted_issuer_is_rejected_by_name(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    request = await verifier.create_request()
    posted = await verifier.client.post(RESPONSE, data=await answer(verifier, wallet, request))
    assert posted.status_code == 200, posted.text
    result = (await verifier.get(request["request_id"])).json()
    assert result["status"] == "rejected"
    (trusted,) = [c for c in result["checks"] if c["name"] == "trusted_issuer"]
    assert trusted["outcome"] == "failed"


async def test_a_presentation_for_another_request_is_rejected(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    verifier.trust.add(wallet.issuer.did)
    first = await verifier.create_request()
    second = await verifier.create_request()
    form = await answer(verifier, wallet, first)
    _, second_claims = await verifier.request_object(second)
    form["state"] = second_claims["state"]  # first's presentation, posted to second
    posted = await verifier.client.post(RESPONSE, data=form)
    assert posted.status_code == 200, posted.text
    result = (await verifier.get(second["request_id"])).json()
    assert result["status"] == "rejected"
    (nonce,) = [c for c in result["checks"] if c["name"] == "nonce"]
    assert nonce["outcome"] == "failed"


async def test_a_replayed_response_is_refused(verifier: RunningVerifier, wallet: Wallet) -> None:
    verifier.trust.add(wallet.issuer.did)
    request = await verifier.create_request()
    form = await answer(verifier, wallet, request)
    first = await verifier.client.post(RESPONSE, data=form)
    assert first.status_code == 200, first.text
    again = await verifier.client.post(RESPONSE, data=form)
    assert again.status_code == 400, again.text
    assert again.json()["error"] == "invalid_request"
    assert "answered already" in again.json()["error_description"]
    fetched = await verifier.client.get(urlsplit(request["request_object_uri"]).path)
    assert fetched.status_code == 400
    assert fetched.json()["error"] == "invalid_request_uri"


async def test_of_concurrent_responses_exactly_one_is_accepted(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    """Both responses are checked, then both try to store their result at the same moment;
    the database lets one win."""
    verifier.trust.add(wallet.issuer.did)
    request = await verifier.create_request()
    form = await answer(verifier, wallet, request)
    with rendezvous(
        verifier.runtime.engine, 2, "FROM presentation_requests \nWHERE presentation_requests.state"
    ):
        results = await asyncio.gather(
            verifier.client.post(RESPONSE, data=form), verifier.client.post(RESPONSE, data=form)
        )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 400], [r.text for r in results]
    assert (await verifier.get(request["request_id"])).json()["status"] == "verified"


async def test_an_expired_request_refuses_its_response(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    verifier.trust.add(wallet.issuer.did)
    request = await verifier.create_request()
    form = await answer(verifier, wallet, request)
    async with verifier.session() as session:
        await session.execute(
            update(PresentationRequest)
            .where(PresentationRequest.id == request["request_id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    posted = await verifier.client.post(RESPONSE, data=form)
    assert posted.status_code == 400, posted.text
    assert posted.json()["error"] == "invalid_request"
    assert "expired" in posted.json()["error_description"]
    assert (await verifier.get(request["request_id"])).json()["status"] == "expired"
    fetched = await verifier.client.get(urlsplit(request["request_object_uri"]).path)
    assert fetched.status_code == 400
    assert fetched.json()["error"] == "invalid_request_uri"


async def test_a_declining_wallet_is_recorded(verifier: RunningVerifier) -> None:
    request = await verifier.create_request()
    _, claims = await verifier.request_object(request)
    posted = await verifier.client.post(
        RESPONSE,
        data={
            "error": "access_denied\x00",
            "error_description": "The holder\x00 declined.\n",
            "state": claims["state"],
        },
    )
    assert posted.status_code == 200, posted.text
    result = (await verifier.get(request["request_id"])).json()
    assert result["status"] == "rejected"
    assert result["verified"] is False
    assert result["wallet_error"] == "access_denied"
    assert result["wallet_error_description"] == "The holder declined."


async def test_a_same_device_answer_sends_the_browser_back_with_a_response_code(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    verifier.trust.add(wallet.issuer.did)
    request = await verifier.create_request()
    link = parse_qs(urlsplit(request["same_device_link"]).query)
    uri = urlsplit(link["request_uri"][0])
    assert parse_qs(uri.query) == {"flow": ["same-device"]}
    fetched = await verifier.client.get(uri.path, params={"flow": "same-device"})
    assert fetched.status_code == 200, fetched.text
    posted = await verifier.client.post(RESPONSE, data=await answer(verifier, wallet, request))
    assert posted.status_code == 200, posted.text
    back = urlsplit(posted.json()["redirect_uri"])
    assert f"{back.scheme}://{back.netloc}" == BASE_URL
    assert back.path == f"/requests/{request['request_id']}/done"
    assert len(parse_qs(back.query)["response_code"][0]) >= 22


GARBAGE: list[tuple[dict[str, str] | bytes, str]] = [
    ({}, "invalid_request"),
    ({"state": "unknown-state", "vp_token": "{}"}, "invalid_request"),
    ({"vp_token": "{}"}, "invalid_request"),
    ({"state": "x"}, "invalid_request"),
    ({"state": "x", "vp_token": "{not json"}, "invalid_request"),
    ({"state": "x", "vp_token": "[" * 100_000}, "invalid_request"),
    ({"state": "x", "vp_token": "{}", "presentation_submission": "[1]"}, "invalid_request"),
    ({"state": "x", "response": "eyJ.a.b"}, "invalid_request"),
    (b"\xff\xfe\x00garbage", "invalid_request"),
    (b"state=a&state=b&vp_token=%7B%7D", "invalid_request"),
    (b"state=abc%00def&vp_token=%7B%7D", "invalid_request"),
    (b"error=access_denied&state=" + b"A" * 200, "invalid_request"),
]


@pytest.mark.parametrize(("form", "code"), GARBAGE)
async def test_garbage_at_the_response_uri_is_refused_with_the_specs_codes(
    verifier: RunningVerifier, form: dict[str, str] | bytes, code: str
) -> None:
    if isinstance(form, bytes):
        posted = await verifier.client.post(
            RESPONSE,
            content=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    else:
        posted = await verifier.client.post(RESPONSE, data=form)
    assert 400 <= posted.status_code < 500, posted.text
    assert posted.json()["error"] == code


@pytest.mark.parametrize(
    "vp_token",
    [
        "{}",
        "[]",
        '"just a string"',
        "42",
        '{"micro_credential_ldp_vc": "not an array"}',
        '{"micro_credential_ldp_vc": [{"type": "VerifiablePresentation"}]}',
        '{"micro_credential_ldp_vc": [12, null, true]}',
        '{"other": [{}]}',
        "eyJhbGciOiJub25lIn0.e30.",
        "a.b.c",
    ],
)
async def test_malformed_vp_tokens_of_a_live_request_are_rejected_never_a_500(
    verifier: RunningVerifier, vp_token: str
) -> None:
    request = await verifier.create_request()
    _, claims = await verifier.request_object(request)
    posted = await verifier.client.post(
        RESPONSE, data={"vp_token": vp_token, "state": claims["state"]}
    )
    assert posted.status_code in (200, 400), posted.text
    result = (await verifier.get(request["request_id"])).json()
    assert result["status"] in ("rejected", "pending")
    if posted.status_code == 200:
        assert result["status"] == "rejected"


async def test_a_json_body_or_oversized_body_is_refused(verifier: RunningVerifier) -> None:
    as_json = await verifier.client.post(RESPONSE, json={"state": "x", "vp_token": {}})
    assert as_json.status_code == 400
    huge = await verifier.client.post(
        RESPONSE, data={"state": "x", "vp_token": "x" * (verifier.settings.max_response_bytes + 1)}
    )
    assert huge.status_code == 400
    assert huge.json()["error"] == "invalid_request"


@pytest.mark.parametrize("request_id", ["nope", "a%00b", "0" * 36, "x" * 5000])
async def test_request_objects_of_unknown_requests_are_not_found(
    verifier: RunningVerifier, request_id: str
) -> None:
    missing = await verifier.client.get(f"/oid4vp/request/{request_id}")
    assert missing.status_code == 404, missing.text
    assert missing.json()["error"] == "invalid_request_uri"
    api = await verifier.get(request_id)
    assert api.status_code == 404, api.text


async def test_one_organisation_cannot_see_anothers_requests(verifier: RunningVerifier) -> None:
    request = await verifier.create_request()
    async with verifier.session() as session:
        employers = Employers(session)
        other = await employers.create_organisation("other-co", "Other Company")
        token = await employers.create_token(await employers.add_user(other, "Eve"), "eve")
    theirs = await verifier.get(request["request_id"], token=token)
    assert theirs.status_code == 404, theirs.text
    listed = await verifier.client.get(
        "/api/v1/requests", headers={"Authorization": f"Bearer {token}"}
    )
    assert listed.status_code == 200
    assert listed.json() == []
    qr = await verifier.client.get(
        f"/api/v1/requests/{request['request_id']}/qr.png",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert qr.status_code == 404
    mine = await verifier.client.get("/api/v1/requests", headers=verifier.auth)
    assert [r["request_id"] for r in mine.json()] == [request["request_id"]]
