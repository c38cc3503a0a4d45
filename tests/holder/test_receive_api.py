"""Receiving over the API: offer in, issuer and offer shown, credential verified and stored.

The issuer is tests/holder/test_receive_issuer_double.py's strict OpenID4VCI issuer, on a
real loopback port: the wallet reaches it through its guarded client, as in development.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from holder.models import PendingOffer, StoredCredential
from holder.wallet.store import CredentialStore
from shared.credentials.formats import get_format
from shared.did.resolver import DIDResolver
from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.test_receive_issuer_double import IssuerDouble


async def stored_credentials(wallet: RunningWallet, learner: SignedInLearner) -> list[Any]:
    """Each of the learner's stored credentials as (record, document)."""
    async with wallet.session() as session:
        store = CredentialStore(session, await wallet.learner(session, learner), wallet.kek)
        return [(record, store.document(record)) for record in await store.all()]
    raise AssertionError("no session")


async def count(wallet: RunningWallet, table: Any) -> int:
    async with wallet.session() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)
    raise AssertionError("no session")


async def receive(learner: SignedInLearner, link: str, tx_code: str | None = None) -> Any:
    opened = await learner.api.post("/api/v1/offers", json={"offer_uri": link})
    assert opened.status_code == 201, opened.text
    body = {"tx_code": tx_code} if tx_code is not None else {}
    return opened.json(), await learner.api.post(
        f"/api/v1/offers/{opened.json()['id']}/accept", json=body
    )


async def test_a_1_0_offer_by_reference_is_shown_then_received_verified_and_bound(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up(language="de")
    async with IssuerDouble().running() as issuer:
        opened = await learner.api.post("/api/v1/offers", json={"offer_uri": issuer.offer_link()})
        assert opened.status_code == 201, opened.text
        pending = opened.json()
        assert issuer.paths("token") == []  # nothing redeemed before the learner accepts
        accepted = await learner.api.post(f"/api/v1/offers/{pending['id']}/accept", json={})
    assert pending["issuer"]["host"] == issuer.base_url.removeprefix("http://")
    assert pending["issuer"]["name"] == "Double University (de)"  # the learner's language
    assert pending["receiving"]["format"] == "ldp_vc"  # preferred over jwt_vc_json
    assert pending["receiving"]["name"] == "Microcredential (ldp_vc)"
    assert {o["format"] for o in pending["offered"]} == {"ldp_vc", "jwt_vc_json"}
    assert pending["tx_code_required"] is False
    assert pending["protocol_version"] == "1.0"

    assert accepted.status_code == 201, accepted.text
    received = accepted.json()
    assert received["source"] == "oid4vci"
    assert received["issuer_id"] == issuer.issuer_did
    assert received["summary"]["bound_to_me"] is True
    assert received["summary"]["title"]["en"] == "Data Literacy for Public Administration"
    assert received["summary"]["ects"] == 5.0

    [(record, document)] = await stored_credentials(wallet, learner)
    assert record.id == received["id"]
    assert document["credentialSubject"]["id"] == learner.did
    result = await get_format("ldp_vc", DIDResolver()).verify_credential(document)
    assert result.verified, result.problems
    # The 1.0 request: a configuration id and proofs.jwt, with the issuer's own nonce.
    [request] = issuer.bodies("credential")
    assert request["credential_configuration_id"] == "MicroCredential_ldp_vc"
    assert len(request["proofs"]["jwt"]) == 1
    assert await count(wallet, PendingOffer) == 0


async def test_an_offer_by_value_in_jwt_vc_json_only_is_received_as_a_jwt(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble(formats=("jwt_vc_json",)).running() as issuer:
        _, accepted = await receive(learner, issuer.offer_link(by_value=True))
    assert accepted.status_code == 201, accepted.text
    [(record, document)] = await stored_credentials(wallet, learner)
    assert record.format == "jwt_vc_json"
    assert isinstance(document, str)
    result = await get_format("jwt_vc_json", DIDResolver()).verify_credential(document)
    assert result.verified, result.problems
    assert result.document["credentialSubject"]["id"] == learner.did
    assert issuer.paths("offer") == []  # by value: nothing to fetch


async def test_the_tx_code_is_asked_for_checked_and_only_then_sent(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble().running() as issuer:
        opened = await learner.api.post(
            "/api/v1/offers", json={"offer_uri": issuer.offer_link(tx_code="493536")}
        )
        pending = opened.json()
        accept = f"/api/v1/offers/{pending['id']}/accept"
        missing = await learner.api.post(accept, json={})
        malformed = await learner.api.post(accept, json={"tx_code": "49a536"})
        assert issuer.paths("token") == []  # neither was worth an attempt at the issuer
        wrong = await learner.api.post(accept, json={"tx_code": "111111"})
        right = await learner.api.post(accept, json={"tx_code": "493536"})
    assert pending["tx_code_required"] is True
    assert pending["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": "Sent by e-mail",
    }
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_tx_code"
    assert malformed.status_code == 400
    assert malformed.json()["error"] == "invalid_tx_code"
    assert wrong.status_code == 400, wrong.text
    assert wrong.json()["error"] == "invalid_grant"
    assert "code you entered is wrong" in wrong.json()["error_description"]
    assert right.status_code == 201, right.text
    assert [form["tx_code"] for form in issuer.bodies("token")] == ["111111", "493536"]


async def test_a_draft_13_issuer_with_a_path_gets_draft_13_requests(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble(version="draft-13", path="/tenant").running() as issuer:
        pending, accepted = await receive(learner, issuer.offer_link())
    assert accepted.status_code == 201, accepted.text
    assert pending["protocol_version"] == "draft-13"
    [request] = issuer.bodies("credential")
    assert request["format"] == "ldp_vc"
    assert request["proof"]["proof_type"] == "jwt"
    assert request["credential_definition"]["type"] == [
        "VerifiableCredential",
        "AchievementCredential",
    ]
    [(_, document)] = await stored_credentials(wallet, learner)
    assert document["credentialSubject"]["id"] == learner.did


@pytest.mark.parametrize("version", ["1.0", "draft-13"])
async def test_a_refused_nonce_is_retried_once_with_a_fresh_one(
    wallet: RunningWallet, version: str
) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble(version=version, reject_first_nonce=True).running() as issuer:
        _, accepted = await receive(learner, issuer.offer_link())
    assert accepted.status_code == 201, accepted.text
    assert len(issuer.bodies("credential")) == 2


async def test_a_credential_bound_to_someone_else_is_refused_and_nothing_is_stored(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    other = await wallet.sign_up()
    async with IssuerDouble(bind_to=other.did).running() as issuer:
        _, accepted = await receive(learner, issuer.offer_link())
    assert accepted.status_code == 400, accepted.text
    assert accepted.json()["error"] == "holder_binding_failed"
    assert other.did in accepted.json()["error_description"]
    assert await count(wallet, StoredCredential) == 0


@pytest.mark.parametrize("format_name", ["ldp_vc", "jwt_vc_json"])
async def test_a_credential_whose_signature_fails_is_refused_and_nothing_is_stored(
    wallet: RunningWallet, format_name: str
) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble(formats=(format_name,), tamper=True).running() as issuer:
        _, accepted = await receive(learner, issuer.offer_link())
    assert accepted.status_code == 400, accepted.text
    assert accepted.json()["error"] == "verification_failed"
    assert "not stored" in accepted.json()["error_description"]
    assert await count(wallet, StoredCredential) == 0


async def test_metadata_for_another_issuer_is_refused(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble(metadata_issuer="https://evil.example").running() as issuer:
        opened = await learner.api.post("/api/v1/offers", json={"offer_uri": issuer.offer_link()})
    assert opened.status_code == 502, opened.text
    assert opened.json()["error"] == "issuer_error"
    assert "https://evil.example" in opened.json()["error_description"]
    assert await count(wallet, PendingOffer) == 0


async def test_an_offer_in_a_format_the_wallet_cannot_store_is_refused(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    mdoc = {"org.iso.18013.5.1.mDL": {"format": "mso_mdoc", "doctype": "org.iso.18013.5.1.mDL"}}
    async with IssuerDouble(formats=(), extra_configurations=mdoc).running() as issuer:
        offer = issuer.offer(configurations=["org.iso.18013.5.1.mDL"])
        link = "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer))
        opened = await learner.api.post("/api/v1/offers", json={"offer_uri": link})
    assert opened.status_code == 400, opened.text
    assert opened.json()["error"] == "unsupported_credential_format"
    assert "mso_mdoc" in opened.json()["error_description"]


async def test_a_declined_offer_is_gone_and_the_issuer_never_hears_of_it(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble().running() as issuer:
        opened = await learner.api.post("/api/v1/offers", json={"offer_uri": issuer.offer_link()})
        offer_id = opened.json()["id"]
        declined = await learner.api.delete(f"/api/v1/offers/{offer_id}")
        accepted = await learner.api.post(f"/api/v1/offers/{offer_id}/accept", json={})
    assert declined.status_code == 204
    assert accepted.status_code == 404
    assert issuer.paths("token") == []
    assert await count(wallet, PendingOffer) == 0


async def test_another_learner_cannot_see_accept_or_decline_my_pending_offer(
    wallet: RunningWallet,
) -> None:
    alice, mallory = await wallet.sign_up(), await wallet.sign_up()
    async with IssuerDouble().running() as issuer:
        opened = await alice.api.post("/api/v1/offers", json={"offer_uri": issuer.offer_link()})
        offer_id = opened.json()["id"]
        seen = await mallory.api.get(f"/api/v1/offers/{offer_id}")
        accepted = await mallory.api.post(f"/api/v1/offers/{offer_id}/accept", json={})
        declined = await mallory.api.delete(f"/api/v1/offers/{offer_id}")
        mine = await alice.api.post(f"/api/v1/offers/{offer_id}/accept", json={})
    assert (seen.status_code, accepted.status_code, declined.status_code) == (404, 404, 404)
    assert len(issuer.paths("token")) == 1  # only Alice's own acceptance reached the issuer
    assert mine.status_code == 201, mine.text
    assert await stored_credentials(wallet, mallory) == []


async def test_pending_offers_are_sealed_at_rest(wallet: RunningWallet) -> None:
    """The pre-authorized code is a bearer secret: it is not in the table in clear."""
    learner = await wallet.sign_up()
    async with IssuerDouble().running() as issuer:
        offer = issuer.offer()
        link = "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer))
        opened = await learner.api.post("/api/v1/offers", json={"offer_uri": link})
    assert opened.status_code == 201, opened.text
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"][
        "pre-authorized_code"
    ]
    async with wallet.session() as session:
        [record] = (await session.scalars(select(PendingOffer))).all()
        assert code.encode() not in record.sealed_offer


async def test_an_expired_pending_offer_cannot_be_accepted(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    wallet.settings.pending_offer_ttl_seconds = 0  # the app reads the same settings object
    async with IssuerDouble().running() as issuer:
        _pending, accepted = await receive(learner, issuer.offer_link())
    assert accepted.status_code == 404, accepted.text
    assert "expired" in accepted.json()["error_description"]
    assert issuer.paths("token") == []


@pytest.mark.parametrize(
    "link",
    [
        "https://wallet.example/receive",
        "openid-credential-offer://?credential_offer=%7Bnot%20json",
        "openid-credential-offer://?credential_offer_uri=ftp%3A%2F%2Fissuer.example%2Fo",
        'openid-credential-offer://?credential_offer={"credential_issuer":"https://i.example"}',
    ],
    ids=["no-offer", "bad-json", "not-http", "no-configurations"],
)
async def test_a_malformed_offer_link_is_refused_with_a_reason(
    wallet: RunningWallet, link: str
) -> None:
    learner = await wallet.sign_up()
    opened = await learner.api.post("/api/v1/offers", json={"offer_uri": link})
    assert opened.status_code == 400, opened.text
    assert opened.json()["error"] == "invalid_credential_offer"


async def test_the_api_needs_a_signed_in_learner(wallet: RunningWallet) -> None:
    opened = await wallet.client.post("/api/v1/offers", json={"offer_uri": "x"})
    assert opened.status_code == 401
