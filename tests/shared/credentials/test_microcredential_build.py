"""Every credential we build is an Open Badges 3.0 AchievementCredential by 1EdTech's own
JSON Schema (VC 1.1 build), carries the EU elements where the mapping says, and embeds an
extension context that defines every term it uses."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from jsonschema import Draft201909Validator

from shared.credentials.microcredential.build import StatusEntry, build_credential
from shared.credentials.microcredential.context import (
    CREDENTIALS_V1,
    ED25519_2020,
    OPEN_BADGES_V3,
    STATUS_LIST_2021,
    extension_context,
)
from shared.credentials.microcredential.vocab import vocabulary_iri
from shared.errors import InvalidInput
from tests.shared.credentials.test_microcredential_samples import (
    HOLDER_DID,
    OB3_SCHEMA_VC11,
    award,
    full_award_data,
    minimal_award_data,
)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
SCHEMA_ORG = "https://schema.org/"
OB_VOCAB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"


@pytest.fixture(scope="module")
def ob3_validator() -> Draft201909Validator:
    schema = json.loads(OB3_SCHEMA_VC11.read_text("utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema)


def schema_errors(validator: Draft201909Validator, credential: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(credential)
    ]


def hours_only_with_nqf() -> dict[str, Any]:
    data = minimal_award_data()
    del data["entry"]["ects"]
    data["entry"]["workload_hours"] = 12.5
    data["entry"]["nqf_level"] = {
        "framework": "Nederlands Kwalificatieraamwerk (NLQF)",
        "level": "5",
        "uri": "https://www.nlqf.nl/nlqf-niveaus/5",
    }
    data["learner"] = {
        "identifiers": [
            {
                "identity_type": "emailAddress",
                "value": "sha256$28d50415252ab6c689a54413da15b083034b66e5",
                "hashed": True,
                "salt": "s4lt",
            }
        ]
    }
    return data


SAMPLES: dict[str, Callable[[], dict[str, Any]]] = {
    "mandatory elements only": minimal_award_data,
    "every optional element": full_award_data,
    "hours, NQF level, hashed identifier": hours_only_with_nqf,
}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("with_status", [False, True])
def test_the_credential_passes_the_official_ob3_schema(
    ob3_validator: Draft201909Validator, sample: str, with_status: bool
) -> None:
    status = StatusEntry("https://uni.example/status/1", 94567) if with_status else None
    credential = build_credential(award(SAMPLES[sample]()), holder_did=HOLDER_DID, status=status)
    assert schema_errors(ob3_validator, credential) == []


BREAKAGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "no issuanceDate": lambda c: c.pop("issuanceDate"),
    "no achievement criteria": lambda c: c["credentialSubject"]["achievement"].pop("criteria"),
    "unknown achievementType": lambda c: c["credentialSubject"]["achievement"].update(
        achievementType="NanoDegree"
    ),
    "alignment without targetUrl": lambda c: c["credentialSubject"]["achievement"]["alignment"][
        0
    ].pop("targetUrl"),
    "@context not an array": lambda c: c.update({"@context": CREDENTIALS_V1}),
    "IdentityObject with an extra member": lambda c: c["credentialSubject"]["identifier"][0].update(
        comment="x"
    ),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_the_schema_check_can_fail(ob3_validator: Draft201909Validator, breakage: str) -> None:
    """The validator used above does reject broken credentials (so its silence means something)."""
    credential = copy.deepcopy(build_credential(award(full_award_data()), holder_did=HOLDER_DID))
    BREAKAGES[breakage](credential)
    assert schema_errors(ob3_validator, credential) != []


def test_the_eu_elements_are_where_the_mapping_says() -> None:
    """Spot checks of docs/eu-microcredential-mapping.md against a built credential."""
    credential = build_credential(
        award(full_award_data()),
        holder_did=HOLDER_DID,
        credential_id="urn:uuid:4a0d1c7e-0000-4000-8000-000000000001",
        status=StatusEntry("https://uni.example/status/1", 7),
    )
    subject = credential["credentialSubject"]
    achievement = subject["achievement"]
    assert credential["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert credential["id"] == "urn:uuid:4a0d1c7e-0000-4000-8000-000000000001"
    assert credential["issuanceDate"] == "2025-07-01T10:00:00Z"
    assert credential["issuer"]["address"] == {
        "type": ["Address"],
        "addressCountryCode": "DE",
        "addressRegion": "Bavaria",
    }
    assert subject["id"] == HOLDER_DID
    assert subject["identifier"][0] == {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": "Maria Muster",
    }
    assert achievement["achievementType"] == "MicroCredential"
    assert achievement["inLanguage"] == "en"
    assert achievement["nameTranslations"] == {
        "de": "Datenkompetenz für die öffentliche Verwaltung"
    }
    assert achievement["fieldOfStudy"] == "Information and Communication Technologies"
    assert achievement["fieldOfStudyTranslations"] == {
        "de": "Informations- und Kommunikationstechnologien"
    }
    assert achievement["ectsCredits"] == 5
    assert achievement["creditsAvailable"] == 5
    assert isinstance(achievement["ectsCredits"], int)  # 5, not 5.0
    assert achievement["alignment"][0]["targetUrl"] == "http://data.europa.eu/snb/eqf/6"
    assert [a["targetFramework"] for a in achievement["alignment"][1:]] == ["ESCO"] * 3
    assert (
        achievement["participationMode"]
        == "http://data.europa.eu/snb/learning-assessment/e92d221e4d"
    )
    assert achievement["integrationOption"] == vocabulary_iri() + "StandAlone"
    assert (
        achievement["stackableToward"][0]["id"]
        == "https://uni.example/programmes/data-science-certificate"
    )
    assert len(achievement["learningOutcome"]) == 3
    assert subject["result"] == [
        {
            "type": ["Result"],
            "value": "B",
            "status": "Completed",
            "resultDescription": achievement["resultDescription"][0]["id"],
        }
    ]
    assert subject["activityStartDate"] == "2025-04-01T00:00:00Z"
    assert credential["coAwardingBody"][0]["nameTranslations"] == {"pt-br": "Universidade Parceira"}
    assert credential["credentialStatus"] == {
        "id": "https://uni.example/status/1#7",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "7",
        "statusListCredential": "https://uni.example/status/1",
    }
    for moment in (credential["issuanceDate"], subject["activityEndDate"]):
        assert datetime.fromisoformat(moment).tzinfo is not None


def test_a_field_of_study_is_optional() -> None:
    """Without one, the achievement carries neither member (OB's fieldOfStudy is optional)."""
    achievement = build_credential(award(minimal_award_data()), holder_did=HOLDER_DID)[
        "credentialSubject"
    ]["achievement"]
    assert "fieldOfStudy" not in achievement
    assert "fieldOfStudyTranslations" not in achievement


def test_the_contexts_are_in_order_and_the_extension_is_embedded() -> None:
    plain = build_credential(award(minimal_award_data()), holder_did=HOLDER_DID)
    assert plain["@context"] == [CREDENTIALS_V1, OPEN_BADGES_V3, ED25519_2020, extension_context()]
    with_status = build_credential(
        award(minimal_award_data()),
        holder_did=HOLDER_DID,
        status=StatusEntry("https://uni.example/status/1", 1, "suspension"),
    )
    assert with_status["@context"][3] == STATUS_LIST_2021
    assert with_status["credentialStatus"]["statusPurpose"] == "suspension"


def test_the_credential_is_plain_json_for_jwt_vc_json_too() -> None:
    """The same dict can be a VC-JWT's payload: it survives a JSON round trip unchanged."""
    credential = build_credential(award(full_award_data()), holder_did=HOLDER_DID)
    assert json.loads(json.dumps(credential)) == credential


def test_a_subject_that_is_not_a_did_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a DID"):
        build_credential(award(minimal_award_data()), holder_did="mailto:alex@example.org")


def test_every_extension_term_has_a_full_iri_and_no_xsd_string() -> None:
    """Rules the extension context must keep (see context.py for why each one matters)."""
    for term, definition in extension_context().items():
        assert set(definition) <= {"@id", "@type", "@container"}, term
        iri = definition["@id"]
        assert iri.startswith(("https://", "http://")), term
        assert definition.get("@type") != XSD_STRING, f"{term}: xsd:string breaks interop"
        if term.endswith("Translations"):
            assert definition["@container"] == "@language", term
            assert iri.startswith((vocabulary_iri(), SCHEMA_ORG, OB_VOCAB)), term
        elif term != "inLanguage":
            assert iri == vocabulary_iri() + term, f"{term} is not under the credstack vocabulary"


def test_language_map_keys_are_lower_case() -> None:
    """didkit and jsonld.js disagree on language tag case; lower case signs the same in both."""
    credential = build_credential(award(full_award_data()), holder_did=HOLDER_DID)
    keys: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith("Translations"):
                    keys.extend(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in credential.items() if k != "@context"})
    assert "pt-br" in keys
    assert all(key == key.lower() for key in keys)


def test_the_suspension_entry_rides_beside_the_single_credential_status(
    ob3_validator: Draft201909Validator,
) -> None:
    """OB 3.0 allows one credentialStatus: revocation stays there, suspension goes into the
    extension member suspensionStatus, defined in the embedded context; the credential still
    passes the official schema."""
    credential = build_credential(
        award(full_award_data()),
        holder_did=HOLDER_DID,
        status=StatusEntry("https://uni.example/status/rev", 7),
        suspension=StatusEntry("https://uni.example/status/sus", 11, "suspension"),
    )
    assert schema_errors(ob3_validator, credential) == []
    assert credential["credentialStatus"]["statusPurpose"] == "revocation"
    assert credential["suspensionStatus"] == {
        "id": "https://uni.example/status/sus#11",
        "type": "StatusList2021Entry",
        "statusPurpose": "suspension",
        "statusListIndex": "11",
        "statusListCredential": "https://uni.example/status/sus",
    }
    assert STATUS_LIST_2021 in credential["@context"]
    assert extension_context()["suspensionStatus"]["@id"] == vocabulary_iri() + "suspensionStatus"
    with pytest.raises(InvalidInput, match="suspension"):
        build_credential(
            award(minimal_award_data()),
            holder_did=HOLDER_DID,
            suspension=StatusEntry("https://uni.example/status/rev", 7),
        )
