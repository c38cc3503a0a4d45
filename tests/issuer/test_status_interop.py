"""Digital Bazaar's verifier, which we did not write, accepts what the status feature signs:
a credential carrying both status entries (issued over OpenID4VCI) and the status list
credential the issuer serves."""

from __future__ import annotations

import pytest

from issuer.oid4vci.configurations import LDP_VC
from tests.interop import test_digitalbazaar_verifier as digitalbazaar
from tests.issuer.conftest import RunningIssuer
from tests.issuer.test_oid4vci import Wallet, make_offer
from tests.shared.credentials.test_microcredential_samples import did_key_signer

pytestmark = pytest.mark.interop

node = digitalbazaar.node  # the fixture that installs and finds the verifier's runtime


async def test_digitalbazaar_accepts_the_credential_and_its_status_lists(
    issuer: RunningIssuer, node: str
) -> None:
    wallet = Wallet(issuer.client, did_key_signer())
    new_offer = await make_offer(issuer)
    access_token = await wallet.access_token(await wallet.offer(new_offer, issuer))
    response = await wallet.request(access_token, LDP_VC)
    assert response.status_code == 200, response.text
    credential = response.json()["credentials"][0]["credential"]
    assert credential["suspensionStatus"]["statusPurpose"] == "suspension"
    assert await digitalbazaar.verify_with_digitalbazaar(node, credential) == {
        "verified": True,
        "errors": [],
    }

    await issuer.client.post(
        f"/api/v1/awards/{new_offer.offer.award_id}/suspend",
        json={"reason": "Review"},
        headers=issuer.admin,
    )
    for member in ("credentialStatus", "suspensionStatus"):
        list_url = credential[member]["statusListCredential"]
        status_list = (await issuer.client.get(list_url)).json()
        report = await digitalbazaar.verify_with_digitalbazaar(node, status_list)
        assert report == {"verified": True, "errors": []}, member
