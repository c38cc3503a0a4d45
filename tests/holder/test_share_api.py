"""The sharing API against the verifier double: open, share, decline, and who may do what.

Credentials are signed here with a did:key issuer (shared formats) and stored bound to the
learner's DID, as receiving would store them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from holder.models import ActivityEvent, PresentationRequest
from shared.credentials.formats import get_format
from shared.crypto.jose import unverified_claims
from shared.crypto.keys import SigningKey
from shared.did.resolver import DIDResolver
from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.samples import micro_credential
from tests.holder.test_share_verifier_double import (
    VerifierDouble,
    dcql_for,
    micro_credential_definition,
)
from tests.shared.credentials.test_microcredential_samples import did_key_signer

API = "/api/v1/presentation-requests"


@pytest.fixture(scope="module")
def issuer() -> SigningKey:
    return did_key_signer()


@pytest.fixture
async def verifier() -> AsyncIterator[VerifierDouble]:
    async with VerifierDouble().running() as double:
        yield double


async def give(
    wallet: RunningWallet,
    learner: SignedInLearner,
    issuer: SigningKey,
    fmt: str = "ldp_vc",
    *,
    bound_to: str | None = None,
    **changes: Any,
) -> tuple[str, str]:
    """Sign a micro-credential for ``learner`` and store it; (wallet id, credential ``id``)."""
    credential = micro_credential(bound_to or learner.did, issuer_did=issuer.did, **changes)
    signed = await get_format(fmt, DIDResolver()).sign_credential(credential, issuer)
    stored = await wallet.store_credential(learner, signed, format_name=fmt)
    return stored, credential["id"]


async def open_request(learner: SignedInLearner, link: str) -> dict[str, Any]:
    response = await learner.api.post(API, json={"link": link})
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def credential_ids(presented: dict[str, list[Any]]) -> dict[str, list[str]]:
    """The ``id`` of each presented credential, per query."""
    ids: dict[str, list[str]] = {}
    for query_id, credentials in presented.items():
        for credential in credentials:
            # A VC-JWT carries the credential's id as its jti.
            if isinstance(credential, str):
                ids.setdefault(query_id, []).append(unverified_claims(credential)["jti"])
            else:
                ids.setdefault(query_id, []).append(credential["id"])
    return ids


async def activity(wallet: RunningWallet, learner: SignedInLearner) -> list[ActivityEvent]:
    async with wallet.session() as session:
        rows = await session.scalars(
            select(ActivityEvent)
            .where(ActivityEvent.learner_id == learner.id)
            .order_by(ActivityEvent.id)
        )
        events = list(rows)
    return events


async def test_opening_a_request_lists_the_learners_matching_credentials_and_sends_nothing(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    ldp_id, _ = await give(wallet, learner, issuer, "ldp_vc")
    jwt_id, _ = await give(wallet, learner, issuer, "jwt_vc_json")
    await give(wallet, learner, issuer, "ldp_vc", bound_to=did_key_signer().did)
    published = verifier.dcql_request(dcql_for("ldp_vc", "jwt_vc_json"))

    body = await open_request(learner, published.link)

    assert body["status"] == "pending"
    assert body["answerable"] is True
    assert body["verifier"] == {
        "name": "Double Employer GmbH",
        "client_id": published.client_id,
        "response_host": "127.0.0.1",
        "authenticated": False,
        "signed_by": None,
        "era": "1.0",
    }
    matches = {q["id"]: [m["id"] for m in q["matches"]] for q in body["queries"]}
    assert matches == {"q_ldp_vc": [ldp_id], "q_jwt_vc_json": [jwt_id]}  # not the unbound one
    assert body["queries"][0]["matches"][0]["summary"]["title"]["en"].startswith("Data Literacy")
    assert "sent whole" in body["disclosure"]
    assert verifier.all_responses() == []
    again = await learner.api.get(f"{API}/{body['id']}")
    assert again.status_code == 200
    assert again.json()["queries"] == body["queries"]


async def test_with_consent_exactly_the_picked_credentials_are_presented_bound_to_the_request(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    await give(wallet, learner, issuer, "ldp_vc")
    picked, picked_vc_id = await give(wallet, learner, issuer, "ldp_vc", ects=3)
    jwt_picked, jwt_vc_id = await give(wallet, learner, issuer, "jwt_vc_json")
    published = verifier.dcql_request(dcql_for("ldp_vc", "jwt_vc_json"))
    body = await open_request(learner, published.link)
    assert len(body["queries"][0]["matches"]) == 2

    response = await learner.api.post(
        f"{API}/{body['id']}/share",
        json={"selections": {"q_ldp_vc": picked, "q_jwt_vc_json": [jwt_picked]}},
    )

    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["status"] == "sent"
    assert outcome["redirect_uri"].startswith(f"{verifier.base_url}/done#response_code=")
    assert sorted(outcome["shared"], key=lambda s: s["query_id"]) == [
        {"query_id": "q_jwt_vc_json", "credential_id": jwt_picked},
        {"query_id": "q_ldp_vc", "credential_id": picked},
    ]
    (form,) = published.responses
    assert form["state"] == published.params["state"]
    presented = await verifier.presented_credentials(published)  # nonce and audience checked
    assert credential_ids(presented) == {"q_ldp_vc": [picked_vc_id], "q_jwt_vc_json": [jwt_vc_id]}
    assert (await learner.api.get(f"{API}/{body['id']}")).json()["status"] == "sent"
    (event,) = [e for e in await activity(wallet, learner) if e.action.startswith("presentation")]
    assert event.action == "presentation.sent"
    assert event.details["client_id"] == published.client_id
    assert event.details["credentials"] == {"q_ldp_vc": [picked], "q_jwt_vc_json": [jwt_picked]}


@pytest.mark.parametrize("by_reference", [False, True], ids=["definition", "definition-uri"])
async def test_a_draft_presentation_exchange_request_gets_a_submission(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey, by_reference: bool
) -> None:
    learner = await wallet.sign_up()
    picked, vc_id = await give(wallet, learner, issuer, "ldp_vc")
    published = verifier.pe_request(
        micro_credential_definition("ldp_vc"), by_reference=by_reference
    )
    body = await open_request(learner, published.link)
    (query,) = body["queries"]
    assert query["purpose"] == "To check your data literacy training"
    assert body["verifier"]["era"] == "draft"

    response = await learner.api.post(
        f"{API}/{body['id']}/share", json={"selections": {"d_ldp_vc": picked}}
    )

    assert response.json()["status"] == "sent", response.text
    (form,) = published.responses
    assert form["vp_token"].startswith("{")  # the single VP itself, not an array or object map
    assert credential_ids(await verifier.presented_credentials(published)) == {"d_ldp_vc": [vc_id]}


async def test_a_did_signed_request_is_answered_with_a_jwt_presentation(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    picked, vc_id = await give(wallet, learner, issuer, "jwt_vc_json")
    published = verifier.dcql_request(dcql_for("jwt_vc_json"), signed=True)
    body = await open_request(learner, published.link)
    assert body["verifier"]["authenticated"] is True
    assert body["verifier"]["signed_by"] == verifier.signer.verification_method

    response = await learner.api.post(
        f"{API}/{body['id']}/share", json={"selections": {"q_jwt_vc_json": picked}}
    )

    assert response.json()["status"] == "sent", response.text
    presented = await verifier.presented_credentials(published)
    assert credential_ids(presented) == {"q_jwt_vc_json": [vc_id]}


async def test_declining_sends_no_presentation(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    picked, _ = await give(wallet, learner, issuer)
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    body = await open_request(learner, published.link)

    response = await learner.api.post(f"{API}/{body['id']}/decline")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "declined"
    assert published.responses == [
        {
            "error": "access_denied",
            "error_description": "The holder declined to share credentials.",
            "state": published.params["state"],
        }
    ]
    late = await learner.api.post(
        f"{API}/{body['id']}/share", json={"selections": {"q_ldp_vc": picked}}
    )
    assert late.status_code == 409
    assert all("vp_token" not in form for form in verifier.all_responses())
    assert [e.action for e in await activity(wallet, learner)][-1] == "presentation.declined"


async def test_a_learner_cannot_present_or_answer_for_another_learner(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    alice, bob = await wallet.sign_up(), await wallet.sign_up()
    await give(wallet, alice, issuer)
    bobs, _ = await give(wallet, bob, issuer)
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    alices_request = await open_request(alice, published.link)

    stolen = await alice.api.post(
        f"{API}/{alices_request['id']}/share", json={"selections": {"q_ldp_vc": bobs}}
    )

    assert stolen.status_code == 400
    assert "not in your wallet" in stolen.json()["error_description"]
    assert verifier.all_responses() == []
    assert (await alice.api.get(f"{API}/{alices_request['id']}")).json()["status"] == "pending"
    # Nor can Bob see or answer Alice's request.
    for response in (
        await bob.api.get(f"{API}/{alices_request['id']}"),
        await bob.api.post(
            f"{API}/{alices_request['id']}/share", json={"selections": {"q_ldp_vc": bobs}}
        ),
        await bob.api.post(f"{API}/{alices_request['id']}/decline"),
    ):
        assert response.status_code == 404, response.text
    assert verifier.all_responses() == []
    assert (await wallet.client.post(API, json={"link": published.link})).status_code == 401


async def test_a_credential_that_does_not_answer_the_query_is_refused(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    jwt_credential, _ = await give(wallet, learner, issuer, "jwt_vc_json")
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    body = await open_request(learner, published.link)
    assert body["answerable"] is False

    for selections in ({"q_ldp_vc": jwt_credential}, {"q_other": jwt_credential}):
        response = await learner.api.post(
            f"{API}/{body['id']}/share", json={"selections": selections}
        )
        assert response.status_code == 400, response.text
    empty = await learner.api.post(f"{API}/{body['id']}/share", json={"selections": {}})
    assert empty.status_code == 400
    assert verifier.all_responses() == []


async def test_a_request_is_answered_once(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    picked, _ = await give(wallet, learner, issuer)
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    body = await open_request(learner, published.link)
    share = {"selections": {"q_ldp_vc": picked}}
    assert (await learner.api.post(f"{API}/{body['id']}/share", json=share)).status_code == 200
    assert (await learner.api.post(f"{API}/{body['id']}/share", json=share)).status_code == 409
    assert (await learner.api.post(f"{API}/{body['id']}/decline")).status_code == 409
    assert len(published.responses) == 1


async def test_a_refusal_by_the_verifier_is_recorded_and_a_redirect_is_not_followed(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    picked, _ = await give(wallet, learner, issuer)
    for knob, said in (
        ("reject_responses", "nonce already used"),
        ("redirect_response", "redirect"),
    ):
        setattr(verifier, knob, True)
        body = await open_request(learner, verifier.dcql_request(dcql_for("ldp_vc")).link)
        response = await learner.api.post(
            f"{API}/{body['id']}/share", json={"selections": {"q_ldp_vc": picked}}
        )
        outcome = response.json()
        assert outcome["status"] == "failed", outcome
        assert outcome["redirect_uri"] is None
        assert said in outcome["error_description"]
        assert (await learner.api.get(f"{API}/{body['id']}")).json()["status"] == "failed"
        setattr(verifier, knob, False)
    assert verifier.followed_redirects == []
    refused = [e.action for e in await activity(wallet, learner)].count("presentation.refused")
    assert refused == 2


async def test_an_expired_request_is_not_answered(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    picked, _ = await give(wallet, learner, issuer)
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    body = await open_request(learner, published.link)
    async with wallet.session() as session:
        record = await session.get(PresentationRequest, body["id"])
        assert record is not None
        await session.execute(
            update(PresentationRequest)
            .where(PresentationRequest.id == body["id"])
            .values(created_at=record.created_at - timedelta(hours=1))
        )

    response = await learner.api.post(
        f"{API}/{body['id']}/share", json={"selections": {"q_ldp_vc": picked}}
    )

    assert response.status_code == 409
    assert "expired" in response.json()["error_description"]
    assert published.responses == []


async def test_the_api_takes_a_bare_request_uri(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    published = verifier.dcql_request(dcql_for("ldp_vc"), signed=True)
    request_uri = f"{verifier.base_url}/request/{published.id}"
    response = await learner.api.post(API, json={"request_uri": request_uri})
    assert response.status_code == 201, response.text
    assert response.json()["verifier"]["client_id"] == published.client_id
    both = await learner.api.post(API, json={"request_uri": request_uri, "link": published.link})
    assert both.status_code == 400


async def test_only_formats_the_verifier_takes_are_offered(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    ldp, _ = await give(wallet, learner, issuer, "ldp_vc")
    jwt_only = {"client_name": "JWT Only", "vp_formats_supported": {"jwt_vc_json": {}}}
    published = verifier.dcql_request(dcql_for("ldp_vc"), client_metadata=jwt_only)
    body = await open_request(learner, published.link)
    assert body["queries"][0]["matches"] == []
    assert body["answerable"] is False
    refused = await learner.api.post(
        f"{API}/{body['id']}/share", json={"selections": {"q_ldp_vc": ldp}}
    )
    assert refused.status_code == 400
    assert published.responses == []


async def test_two_submits_at_once_send_one_answer(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    picked, _ = await give(wallet, learner, issuer)
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    body = await open_request(learner, published.link)
    share = {"selections": {"q_ldp_vc": picked}}

    first, second = await asyncio.gather(
        learner.api.post(f"{API}/{body['id']}/share", json=share),
        learner.api.post(f"{API}/{body['id']}/share", json=share),
    )

    assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
    assert len(published.responses) == 1
