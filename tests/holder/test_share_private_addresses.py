"""A presentation request pointing at a private address is refused in production.

Production runs the wallet's outbound client without loopback. A ``request_uri`` on this
machine or a private network is never fetched, and a request whose ``response_uri`` points
there is refused when it is opened, before the learner could consent to send anything.
(Development allows loopback: the other sharing tests run against verifiers on 127.0.0.1.)
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.holder.conftest import RunningWallet
from tests.holder.test_receive_private_addresses import production_wallet  # noqa: F401
from tests.holder.test_share_verifier_double import VerifierDouble, dcql_for

API = "/api/v1/presentation-requests"


@pytest.mark.parametrize(
    "request_uri",
    [
        "https://10.0.0.1/request/1",
        "https://192.168.1.20/request/1",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00::1]/request",
        "https://localhost/request",
    ],
)
async def test_production_refuses_a_request_uri_on_a_private_address(
    production_wallet: RunningWallet,  # noqa: F811
    request_uri: str,
) -> None:
    learner = await production_wallet.sign_up()
    link = "openid4vp://?" + urlencode(
        {
            "client_id": "decentralized_identifier:did:web:verifier.example",
            "request_uri": request_uri,
        }
    )
    opened = await learner.api.post(API, json={"link": link})
    assert opened.status_code == 400, opened.text
    assert opened.json()["error"] == "unsafe_url"


@pytest.mark.parametrize("host", ["10.1.2.3", "172.16.0.9", "[::1]", "127.0.0.1"])
async def test_production_refuses_a_response_uri_on_a_private_address(
    production_wallet: RunningWallet,  # noqa: F811
    host: str,
) -> None:
    learner = await production_wallet.sign_up()
    response_uri = f"https://{host}/response"
    query = {
        "client_id": f"redirect_uri:{response_uri}",
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": response_uri,
        "nonce": "nonce-0123456789",
        "dcql_query": json.dumps(dcql_for("ldp_vc")),
    }
    opened = await learner.api.post(API, json={"link": "openid4vp://?" + urlencode(query)})
    assert opened.status_code == 400, opened.text
    assert opened.json()["error"] == "unsafe_url"
    page = await learner.browser.get("/share?" + urlencode(query))
    assert page.status_code == 400
    assert "a private address" in page.text or "a loopback address" in page.text


async def test_production_never_contacts_a_verifier_on_loopback(
    production_wallet: RunningWallet,  # noqa: F811
) -> None:
    learner = await production_wallet.sign_up()
    async with VerifierDouble().running() as verifier:
        signed = verifier.dcql_request(dcql_for("ldp_vc"), signed=True)
        by_value = verifier.dcql_request(dcql_for("ldp_vc"))
        bare = f"{verifier.base_url.replace('127.0.0.1', 'localhost')}/request/{signed.id}"
        refused = [
            await learner.api.post(API, json={"link": signed.link}),
            await learner.api.post(API, json={"link": by_value.link}),
            await learner.api.post(API, json={"request_uri": bare}),
        ]
    for response in refused:
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "unsafe_url", response.text
    assert verifier.request_fetches == []
    assert verifier.all_responses() == []
