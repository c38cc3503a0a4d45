"""The wallet presents to an OpenID4VP verifier we did not write, and declines to it.

The verifier (tests/interop/oid4vp-verifier.mjs) runs as a node process on the OpenWallet
Foundation's ``@openid4vc/openid4vp``: the library makes the requests and parses the
responses; Digital Bazaar's ``@digitalbazaar/vc`` and ``jose`` check the presentations
(signature, nonce, audience = the full client id, each credential's issuer signature,
holder binding). The wallet is served in-process; it reaches the verifier over loopback
HTTP as a development wallet may. The tests read only what the verifier reports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from holder.models import PresentationRequest
from shared.crypto.keys import SigningKey
from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.test_share_api import give
from tests.holder.test_share_verifier_double import micro_credential_definition
from tests.interop.oid4vp_verifier import (
    IndependentVerifier,
    VerifierRequest,
    independent_verifier,
)
from tests.interop.test_digitalbazaar_verifier import node  # noqa: F401 (the fixture)
from tests.shared.credentials.test_microcredential_samples import did_key_signer

pytestmark = pytest.mark.interop

API = "/api/v1/presentation-requests"


@pytest.fixture(scope="module")
def issuer() -> SigningKey:
    return did_key_signer()


@pytest.fixture
async def verifier(node: str) -> AsyncIterator[IndependentVerifier]:  # noqa: F811
    async with independent_verifier(node) as running:
        yield running


async def open_and_share(
    learner: SignedInLearner, request: VerifierRequest, selections: dict[str, str]
) -> dict[str, Any]:
    opened = await learner.api.post(API, json={"link": request.link})
    assert opened.status_code == 201, opened.text
    shared = await learner.api.post(
        f"{API}/{opened.json()['id']}/share", json={"selections": selections}
    )
    assert shared.status_code == 200, shared.text
    outcome: dict[str, Any] = shared.json()
    return outcome


def presented_ids(result: dict[str, Any]) -> dict[str, list[str]]:
    return {
        query_id: [credential["id"] for credential in credentials]
        for query_id, credentials in result["presented"].items()
    }


@pytest.mark.parametrize(
    ("formats", "signed"),
    [
        (("ldp_vc",), False),
        (("jwt_vc_json",), False),
        (("ldp_vc", "jwt_vc_json"), False),
        (("jwt_vc_json", "ldp_vc"), True),
    ],
    ids=["ldp_vc", "jwt_vc_json", "both", "signed-request"],
)
async def test_a_dcql_presentation_is_accepted_with_exactly_the_picked_credentials(
    wallet: RunningWallet,
    verifier: IndependentVerifier,
    issuer: SigningKey,
    formats: tuple[str, ...],
    signed: bool,
) -> None:
    learner = await wallet.sign_up()
    picks: dict[str, str] = {}
    expected: dict[str, list[str]] = {}
    for fmt in formats:
        await give(wallet, learner, issuer, fmt, ects=2)  # a second match, not picked
        stored, vc_id = await give(wallet, learner, issuer, fmt)
        picks[f"q_{fmt}"], expected[f"q_{fmt}"] = stored, [vc_id]
    request = await verifier.dcql_request(
        *formats,
        signed=signed,
        claims=[{"path": ["credentialSubject", "achievement", "name"]}],
    )

    outcome = await open_and_share(learner, request, picks)

    result = await verifier.results(request)
    assert result["accepted"] is True, result
    assert result["errors"] == []
    assert result["dialect"] == "dcql"
    assert presented_ids(result) == expected
    for credentials in result["presented"].values():
        assert [c["holder"] for c in credentials] == [learner.did]
    assert outcome["status"] == "sent"
    base_url = str(verifier.client.base_url).rstrip("/")
    assert outcome["redirect_uri"].startswith(f"{base_url}/done/{request.id}#response_code=")


@pytest.mark.parametrize("fmt", ["ldp_vc", "jwt_vc_json"])
async def test_a_draft_presentation_exchange_presentation_is_accepted(
    wallet: RunningWallet, verifier: IndependentVerifier, issuer: SigningKey, fmt: str
) -> None:
    learner = await wallet.sign_up()
    stored, vc_id = await give(wallet, learner, issuer, fmt)
    await give(wallet, learner, issuer, "jwt_vc_json" if fmt == "ldp_vc" else "ldp_vc")
    request = await verifier.pe_request(micro_credential_definition(fmt))
    assert "client_id_scheme=redirect_uri" in request.link

    outcome = await open_and_share(learner, request, {f"d_{fmt}": stored})

    result = await verifier.results(request)
    assert result["accepted"] is True, result
    assert result["dialect"] == "pex"
    assert presented_ids(result) == {f"d_{fmt}": [vc_id]}
    assert outcome["status"] == "sent"


async def test_after_decline_the_verifier_received_no_vp_token(
    wallet: RunningWallet, verifier: IndependentVerifier, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    await give(wallet, learner, issuer)
    request = await verifier.dcql_request("ldp_vc")
    opened = await learner.api.post(API, json={"link": request.link})
    assert (await verifier.results(request)) == {"received": False}

    declined = await learner.api.post(f"{API}/{opened.json()['id']}/decline")

    assert declined.json()["status"] == "declined"
    result = await verifier.results(request)
    assert result["vp_token"] is None
    assert result["error"] == "access_denied"
    assert result["state_ok"] is True
    assert "vp_token" not in result["fields"]


async def test_the_verifier_refuses_a_presentation_bound_to_another_nonce(
    wallet: RunningWallet, verifier: IndependentVerifier, issuer: SigningKey
) -> None:
    """The independent checks have teeth: the wallet's stored copy of the request is made
    to carry another request's nonce, and the verifier refuses what it then signs."""
    learner = await wallet.sign_up()
    stored, _ = await give(wallet, learner, issuer)
    request, other = await verifier.dcql_request("ldp_vc"), await verifier.dcql_request("ldp_vc")
    opened = await learner.api.post(API, json={"link": request.link})
    async with wallet.session() as session:
        record = await session.get(PresentationRequest, opened.json()["id"])
        assert record is not None
        record.request = {**record.request, "nonce": other.nonce}

    shared = await learner.api.post(
        f"{API}/{opened.json()['id']}/share", json={"selections": {"q_ldp_vc": stored}}
    )

    assert shared.json()["status"] == "failed"
    result = await verifier.results(request)
    assert result["accepted"] is False
    assert result["errors"], result
