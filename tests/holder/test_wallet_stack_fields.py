"""The stack adds up credentials by their field of study, named in the learner's language.

Our issuer writes each catalogue entry's ISCED-F field into OB's ``fieldOfStudy`` (shared
``build_credential``, as issuer/awards/credential.py calls it). Here both demo catalogue
entries are built that way, signed by a did:key issuer and imported through the wallet's
API (verified and summarised as on receipt); a badge without a field counts as "Other".
Other issuers may write the field in another default language, with an ISCED-F code in an
alignment: the same code, or the same default-language name, is the same field.
"""

from __future__ import annotations

import json
from typing import Any

from shared.credentials.formats import get_format
from shared.credentials.microcredential.build import StatusEntry, build_credential
from shared.crypto.keys import SigningKey
from shared.did.resolver import DIDResolver
from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.samples import micro_credential
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
IKT = "Informations- und Kommunikationstechnologien"


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


async def test_the_stack_names_each_field_in_the_learners_language(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up(language="de")
    issuer = did_key_signer()
    await import_from(learner, issuer, full_award_data(issuer.did), "ldp_vc")
    await import_from(learner, issuer, online_award_data(issuer.did), "jwt_vc_json")

    words = text_of((await learner.browser.get("/stack")).text)
    assert f"{IKT} 7.5 2" in words
    assert ICT not in words
    # The API keeps naming a field by its default-language text.
    stack = (await learner.api.get("/api/v1/stack")).json()
    assert stack["by_field"] == [{"field": ICT, "ects": 7.5, "credentials": 2}]


def with_isced(credential: dict[str, Any], code: str) -> dict[str, Any]:
    """The credential with an alignment to an ISCED-F 2013 field, as another issuer may add."""
    credential["credentialSubject"]["achievement"]["alignment"].append(
        {
            "type": ["Alignment"],
            "targetName": ICT,
            "targetUrl": f"http://data.europa.eu/esco/isced-f/{code}",
            "targetFramework": "ISCED-F 2013",
            "targetCode": code,
        }
    )
    return credential


def in_german(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential as a German issuer writes it: German first, English as a translation."""
    achievement = credential["credentialSubject"]["achievement"]
    achievement["inLanguage"] = "de"
    achievement["fieldOfStudy"] = IKT
    achievement["fieldOfStudyTranslations"] = {"en": ICT}
    return credential


async def test_one_field_is_one_group_whichever_language_it_is_written_or_read_in(
    wallet: RunningWallet,
) -> None:
    """English by default with an ISCED-F code; German by default with the same code; English
    by default with no code: one field, named in each reader's language (two learners of
    the same credentials, one reading English, one German)."""
    english = await wallet.sign_up(language="en")
    german = await wallet.sign_up(language="de")
    for learner in (english, german):
        for credential in (
            with_isced(micro_credential(learner.did, ects=5), "061"),
            in_german(with_isced(micro_credential(learner.did, ects=3), "061")),
            micro_credential(learner.did, ects=2),
            micro_credential(learner.did, full=False, field_of_study="Business and administration"),
        ):
            await wallet.store_credential(learner, credential)

    words = text_of((await german.browser.get("/stack")).text)
    assert f"Business and administration 1 1 {IKT} 10 3" in words
    words = text_of((await english.browser.get("/stack")).text)
    assert f"Business and administration 1 1 {ICT} 10 3" in words
    by_field = (await german.api.get("/api/v1/stack")).json()["by_field"]
    assert [(item["ects"], item["credentials"]) for item in by_field] == [(1.0, 1), (10.0, 3)]
    assert by_field[1]["field"] in (ICT, IKT)  # the newest credential's default language


async def test_a_credential_with_the_code_of_one_group_and_the_name_of_another_joins_them(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    # Stored oldest first; the stack reads newest first, so "Computing" and "ICT" are two
    # groups until the oldest credential shows that they are one field.
    for ects, name, code in ((2, "ICT", "061"), (3, "ICT", None), (5, "Computing", "061")):
        credential = micro_credential(learner.did, ects=ects, field_of_study=name)
        await wallet.store_credential(learner, with_isced(credential, code) if code else credential)

    stack = (await learner.api.get("/api/v1/stack")).json()
    assert stack["by_field"] == [{"field": "Computing", "ects": 10.0, "credentials": 3}]
