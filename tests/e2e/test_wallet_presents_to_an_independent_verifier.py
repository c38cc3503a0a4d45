"""A real wallet process presents to an OpenID4VP verifier we did not write, and declines.

``credstack serve holder`` runs in development mode; the verifier is
tests/interop/oid4vp-verifier.mjs (the OpenWallet Foundation's ``@openid4vc/openid4vp`` with
Digital Bazaar's and panva's libraries checking the presentations), a node process. The
learner signs up over the wallet's API and imports two micro-credentials signed here by a
did:key issuer for the learner's DID; then the verifier asks (DCQL for OpenID4VP 1.0, and
Presentation Exchange as a draft-era verifier would), the learner picks one credential per
query, and the verifier's own report says what it received and whether it accepted.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.credentials.formats import get_format
from shared.did.resolver import DIDResolver
from tests.e2e.test_wallet_receives_from_our_issuer import learner
from tests.holder.samples import micro_credential
from tests.holder.test_share_verifier_double import micro_credential_definition
from tests.interop.oid4vp_verifier import IndependentVerifier, independent_verifier
from tests.interop.test_digitalbazaar_verifier import node  # noqa: F401 (the fixture)
from tests.shared.credentials.test_microcredential_samples import did_key_signer
from tests.support.processes import Service, free_port, serving

pytestmark = [pytest.mark.slow, pytest.mark.interop]

API = "/api/v1/presentation-requests"
ISSUER = did_key_signer()


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[Service]:
    with serving("holder", tmp_path, free_port()) as service:
        yield service


@pytest.fixture
async def verifier(node: str) -> AsyncIterator[IndependentVerifier]:  # noqa: F811
    async with independent_verifier(node) as running:
        yield running


async def import_signed(wallet: httpx.AsyncClient, fmt: str, **changes: Any) -> tuple[str, str]:
    """Sign a micro-credential for the signed-in learner and import it; (wallet id, vc id)."""
    did = (await wallet.get("/api/v1/me")).json()["did"]
    credential = micro_credential(did, issuer_did=ISSUER.did, **changes)
    signed = await get_format(fmt, DIDResolver()).sign_credential(credential, ISSUER)
    content = signed.encode() if isinstance(signed, str) else json.dumps(signed).encode()
    imported = await wallet.post("/api/v1/credentials/import", files={"file": ("c", content)})
    assert imported.status_code == 201, imported.text
    return imported.json()["id"], credential["id"]


async def test_the_wallet_process_presents_and_declines_to_the_independent_verifier(
    holder: Service, verifier: IndependentVerifier
) -> None:
    async with learner(holder, "presenter@example.org") as wallet:
        ldp_other, ldp_other_vc_id = await import_signed(wallet, "ldp_vc", ects=2)
        ldp_picked, ldp_vc_id = await import_signed(wallet, "ldp_vc")
        jwt_picked, jwt_vc_id = await import_signed(wallet, "jwt_vc_json")

        dcql = await verifier.dcql_request("ldp_vc", "jwt_vc_json")
        opened = await wallet.post(API, json={"link": dcql.link})
        assert opened.status_code == 201, opened.text
        matches = {q["id"]: {m["id"] for m in q["matches"]} for q in opened.json()["queries"]}
        assert matches == {"q_ldp_vc": {ldp_other, ldp_picked}, "q_jwt_vc_json": {jwt_picked}}
        shared = await wallet.post(
            f"{API}/{opened.json()['id']}/share",
            json={"selections": {"q_ldp_vc": ldp_picked, "q_jwt_vc_json": jwt_picked}},
        )
        assert shared.json()["status"] == "sent", shared.text

        pe = await verifier.pe_request(micro_credential_definition("ldp_vc"))
        opened_pe = await wallet.post(API, json={"link": pe.link})
        shared_pe = await wallet.post(
            f"{API}/{opened_pe.json()['id']}/share",
            json={"selections": {"d_ldp_vc": ldp_other}},
        )
        assert shared_pe.json()["status"] == "sent", shared_pe.text

        declined_request = await verifier.dcql_request("ldp_vc")
        opened_declined = await wallet.post(API, json={"link": declined_request.link})
        declined = await wallet.post(f"{API}/{opened_declined.json()['id']}/decline")
        assert declined.json()["status"] == "declined"

    dcql_result = await verifier.results(dcql)
    assert dcql_result["accepted"] is True, dcql_result
    assert {q: [c["id"] for c in cs] for q, cs in dcql_result["presented"].items()} == {
        "q_ldp_vc": [ldp_vc_id],
        "q_jwt_vc_json": [jwt_vc_id],
    }
    pe_result = await verifier.results(pe)
    assert pe_result["accepted"] is True, pe_result
    assert [c["id"] for c in pe_result["presented"]["d_ldp_vc"]] == [ldp_other_vc_id]
    declined_result = await verifier.results(declined_request)
    assert declined_result["vp_token"] is None
    assert declined_result["error"] == "access_denied"
