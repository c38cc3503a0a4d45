"""The stack adds up credentials from our issuer by their field of study.

Our issuer writes each catalogue entry's ISCED-F field into OB's ``fieldOfStudy`` (shared
``build_credential``, as issuer/awards/credential.py calls it). Here both demo catalogue
entries are built that way, signed by a did:key issuer and imported through the wallet's
API (verified and summarised as on receipt); a badge without a field counts as "Other".
"""

from __future__ import annotations

import json
from typing import Any

from shared.credentials.formats import get_format
from shared.credentials.microcredential.build import StatusEntry, build_credential
from shared.crypto.keys import SigningKey
from shared.did.resolver import DIDResolver
from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.test_import import upload
from tests.holder.test_wallet import text_of
from tests.shared.credentials.test_microcredential_samples import (
    award,
    did_key_signer,
    full_award_data,
    minimal_award_data,
    online_award_data,
)

ICT = "Information and Communication Technologies"


async def import_from(
    learner: SignedInLearner, signer: SigningKey, data: dict[str, Any], fmt: str
) -> str:
    credential = build_credential(
        award(data),
        holder_did=learner.did,
        status=StatusEntry("https://uni.example/status/rev", 3),
        suspension=StatusEntry("https://uni.example/status/sus", 3, "suspension"),
    )
    document = await get_format(fmt, DIDResolver()).sign_credential(credential, signer)
    content = document.encode() if isinstance(document, str) else json.dumps(document).encode()
    imported = await upload(learner, content)
    assert imported.status_code == 201, imported.text
    credential_id: str = imported.json()["id"]
    return credential_id


async def test_the_stack_groups_our_issuers_credentials_by_field_of_study(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    issuer = did_key_signer()
    data_literacy = await import_from(learner, issuer, full_award_data(issuer.did), "ldp_vc")
    machine_learning = await import_from(
        learner, issuer, online_award_data(issuer.did), "jwt_vc_json"
    )
    await import_from(learner, issuer, minimal_award_data(issuer.did), "ldp_vc")

    listed = {item["id"]: item for item in (await learner.api.get("/api/v1/credentials")).json()}
    assert listed[data_literacy]["field_of_study"] == ICT
    assert listed[machine_learning]["field_of_study"] == ICT
    stack = (await learner.api.get("/api/v1/stack")).json()
    assert stack["by_field"] == [
        {"field": ICT, "ects": 7.5, "credentials": 2},
        {"field": "Other", "ects": 1.0, "credentials": 1},
    ]

    page = await learner.browser.get("/stack")
    assert page.status_code == 200
    words = text_of(page.text)
    assert f"{ICT} 7.5 2" in words
    assert "Other 1 1" in words
    detail = text_of((await learner.browser.get(f"/credentials/{data_literacy}")).text)
    assert f"Field of study {ICT}" in detail


async def test_the_detail_page_names_the_field_in_the_learners_language(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up(language="de")
    issuer = did_key_signer()
    credential_id = await import_from(learner, issuer, full_award_data(issuer.did), "ldp_vc")
    detail = text_of((await learner.browser.get(f"/credentials/{credential_id}")).text)
    assert "Field of study Informations- und Kommunikationstechnologien" in detail
