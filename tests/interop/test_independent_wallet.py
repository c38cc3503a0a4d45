"""The independent holder (oid4vp-wallet.mjs) answers each kind of request an OpenID4VP
verifier makes, checked against the OWF-based verifier (oid4vp-verifier.mjs), so that when it
presents to our verifier, a refusal there is our verifier's finding and not the test wallet's
limitation. Its credentials come from our issuer, as a process, over OpenID4VCI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.holder.test_share_verifier_double import micro_credential_definition
from tests.interop.oid4vp_verifier import independent_verifier
from tests.interop.our_issuer import holder_with_award
from tests.support.processes import Service

pytestmark = pytest.mark.interop


async def test_the_wallet_answers_unsigned_dcql_and_draft_presentation_exchange_requests(
    node: str,
    issuer: Service,
    tmp_path: Path,
) -> None:
    holder, _ = await holder_with_award(node, issuer, tmp_path)
    ldp, jwt = holder.credentials["ldp_vc"][0], holder.credentials["jwt_vc_json"][0]
    async with independent_verifier(node, status_lists_from=issuer.base_url) as verifier:
        dcql = await verifier.dcql_request(
            "ldp_vc", "jwt_vc_json", claims=[{"path": ["credentialSubject", "achievement"]}]
        )
        dcql_sent = await holder.present(dcql.link, [jwt, ldp])
        dcql_result = await verifier.results(dcql)
        pe = await verifier.pe_request(micro_credential_definition("jwt_vc_json", "ldp_vc"))
        pe_sent = await holder.present(pe.link, [ldp, jwt])
        pe_result = await verifier.results(pe)

    assert dcql_sent["request"] == {
        "client_id": dcql.client_id,
        "prefix": "redirect_uri",
        "signed": False,
        "version": dcql_sent["request"]["version"],
        "dialect": "dcql",
        "nonce": dcql.nonce,
        "response_uri": dcql.client_id.removeprefix("redirect_uri:"),
    }
    assert dcql_sent["response"]["status"] == 200, dcql_sent
    assert dcql_result["accepted"] is True, dcql_result
    assert sorted(dcql_result["presented"]) == ["q_jwt_vc_json", "q_ldp_vc"]
    for query_id, credentials in dcql_result["presented"].items():
        assert [(c["format"], c["holder"], c["status"]) for c in credentials] == [
            (query_id.removeprefix("q_"), holder.did, "valid")
        ]

    assert pe_sent["request"]["dialect"] == "pex"
    assert pe_sent["response"]["status"] == 200, pe_sent
    assert pe_result["accepted"] is True, pe_result
    assert sorted(pe_result["presented"]) == ["d_jwt_vc_json", "d_ldp_vc"]
    submission = pe_sent["sent"]["presentation_submission"]
    assert [(d["id"], d["path"]) for d in submission["descriptor_map"]] == [
        ("d_jwt_vc_json", "$[0]"),
        ("d_ldp_vc", "$[1]"),
    ]


async def test_the_wallet_refuses_a_request_object_of_another_verifier(
    node: str,
    issuer: Service,
    tmp_path: Path,
) -> None:
    """The request object is fetched and verified: one signed by another verifier's DID
    than the link's client_id names is refused, and nothing is posted."""
    holder, _ = await holder_with_award(node, issuer, tmp_path)
    async with independent_verifier(node) as verifier, independent_verifier(node) as other:
        genuine = await verifier.dcql_request("ldp_vc", signed=True)
        foreign = await other.dcql_request("ldp_vc", signed=True)
        # The other verifier's request object, announced under the first one's client_id.
        client_id = genuine.link.split("client_id=")[1].split("&")[0]
        forged = foreign.link.replace(foreign.link.split("client_id=")[1].split("&")[0], client_id)
        sent = await holder.present(forged, holder.credentials["ldp_vc"])
        assert (await other.results(foreign)) == {"received": False}

    assert sent["refused"].startswith("the request was not accepted"), sent
