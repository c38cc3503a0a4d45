"""Reading credentials back: ours give back the award; other issuers' OB 3.0 badges, in their
many shapes, give a view with whatever they carry."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from shared.credentials.microcredential.build import StatusEntry, build_credential
from shared.credentials.microcredential.parse import parse_credential
from shared.credentials.microcredential.validation import InvalidMicroCredential
from shared.credentials.microcredential.vocab import ParticipationMode
from shared.errors import InvalidInput
from tests.shared.credentials.test_microcredential_samples import (
    HOLDER_DID,
    award,
    full_award_data,
    minimal_award_data,
)


def vcdm2_badge() -> dict[str, Any]:
    """Another issuer's VCDM 2.0 / OB context 3.0.3 micro-credential (as in the spec notes)."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:2f6d3a52-8f3e-4b8e-9d55-0a1c7e4b9f10",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Digital Content Development (micro-credential)",
        "issuer": {
            "id": "did:web:issuer.uni.example",
            "type": ["Profile"],
            "name": "University of Example",
            "url": "https://www.uni.example",
            "address": {"type": ["Address"], "addressCountryCode": "de", "addressRegion": "Bayern"},
        },
        "validFrom": "2025-07-01T00:00:00Z",
        "validUntil": "2030-07-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "type": ["AchievementSubject"],
            "identifier": [
                {"type": "IdentityObject", "identityType": "name", "hashed": False,
                 "identityHash": "Maria Muster"}
            ],
            "activityStartDate": "2025-04-01T00:00:00Z",
            "activityEndDate": "2025-06-15",
            "creditsEarned": 5,
            "result": [{"type": ["Result"], "resultDescription": "urn:grade", "value": "B",
                        "status": "Completed"}],
            "achievement": {
                "id": "https://issuer.uni.example/mc/dcd",
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": "Digital Content Development",
                "description": "Plan, produce and publish accessible digital learning content.",
                "criteria": {"narrative": "Submit a digital artefact."},
                "creditsAvailable": 5,
                "inLanguage": "en",
                "alignment": {
                    "type": ["Alignment"],
                    "targetName": "EQF level 6",
                    "targetUrl": "http://data.europa.eu/snb/eqf/6",
                },
                "resultDescription": [{"id": "urn:grade", "type": ["ResultDescription"],
                    "name": "ECTS grade", "resultType": "LetterGrade",
                    "allowedValue": ["F", "E", "D", "C", "B", "A"], "requiredValue": "E"}],
                "ectsCredits": "5",
                "participationMode": "http://data.europa.eu/snb/learning-assessment/e92d221e4d",
                "assessmentType": "Digital artefact assessment",
                "supervisionVerification": "http://data.europa.eu/snb/supervision-verification/c598449d64",
                "qualityAssurance": "Internal QA under the university's accredited QA system",
            },
        },
        "credentialStatus": {"id": "https://issuer.uni.example/status/rev/1#40213",
            "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": "40213", "statusListCredential": "https://issuer.uni.example/status/rev/1"},
    }  # fmt: skip


def test_our_credential_parses_back_to_the_same_award() -> None:
    """build → parse → to_award is the identity, every optional element included."""
    original = award(full_award_data())
    view = parse_credential(build_credential(original, holder_did=HOLDER_DID))
    assert view.to_award() == original
    assert view.holder_did == HOLDER_DID
    assert view.is_micro_credential
    assert view.missing_elements() == []


def test_a_minimal_award_parses_back_too() -> None:
    original = award(minimal_award_data())
    assert (
        parse_credential(build_credential(original, holder_did=HOLDER_DID)).to_award() == original
    )


def test_another_issuers_vcdm2_badge_is_read() -> None:
    """validFrom/validUntil, a single alignment object, numbers as strings, Europass
    concepts, a BitstringStatusListEntry: all read."""
    view = parse_credential(vcdm2_badge())
    assert view.issued_at == datetime(2025, 7, 1, tzinfo=UTC)
    assert view.valid_until == datetime(2030, 7, 1, tzinfo=UTC)
    assert view.issuer is not None
    assert view.issuer.country_code == "DE"
    assert view.learner_name == "Maria Muster"
    assert (view.activity_start, view.activity_end) == (date(2025, 4, 1), date(2025, 6, 15))
    assert (view.grade, view.result_status) == ("B", "Completed")
    achievement = view.achievement
    assert achievement.ects == Decimal(5)
    assert achievement.eqf_level == 6
    assert achievement.participation is ParticipationMode.BLENDED
    assert achievement.supervision is None  # a concept we do not know is not guessed
    assert achievement.grading is not None
    assert achievement.grading.required_value == "E"
    assert view.status[0]["type"] == "BitstringStatusListEntry"
    # It lacks learning outcomes, so it is not a complete EU micro-credential for us.
    assert view.missing_elements() == ["Learning outcomes"]
    with pytest.raises(InvalidMicroCredential, match="Learning outcomes"):
        view.to_award()


def test_a_plain_open_badge_is_read_with_what_it_has() -> None:
    """Issuer as a string, type as a string, language value objects, no inLanguage, an
    alignment to something that is not ESCO or EQF."""
    badge = {
        "@context": ["https://www.w3.org/2018/credentials/v1",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context.json"],
        "id": "https://badges.example/assertions/1",
        "type": "OpenBadgeCredential",
        "issuer": "https://badges.example/issuers/1",
        "issuanceDate": "2024-01-01T00:00:00",
        "credentialSubject": [{
            "type": "AchievementSubject",
            "achievement": {
                "id": "https://badges.example/achievements/1",
                "type": "Achievement",
                "name": [{"@value": "Teamwork", "@language": "en"},
                         {"@value": "Travail d'équipe", "@language": "fr"}],
                "criteria": {"narrative": "Took part."},
                "alignment": [{"type": "Alignment", "targetName": "Collaboration",
                               "targetUrl": "https://frameworks.example/collab",
                               "targetFramework": "Example skills"}],
            },
        }],
    }  # fmt: skip
    view = parse_credential(badge)
    assert view.issuer is not None
    assert view.issuer.id == "https://badges.example/issuers/1"
    assert view.issued_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert view.holder_did is None
    assert not view.is_micro_credential
    name = view.achievement.name
    assert name is not None
    assert name.pick("fr") == "Travail d'équipe"
    assert name.language == "en"
    assert view.achievement.other_alignments[0].framework == "Example skills"
    assert view.achievement.skills == ()
    assert view.achievement.eqf_level is None
    missing = view.missing_elements()
    assert "Learning outcomes" in missing
    assert "Level (EQF/NQF)" in missing
    assert "Identification of the learner" in missing


def test_our_field_of_study_is_read_in_every_language() -> None:
    credential = build_credential(award(full_award_data()), holder_did=HOLDER_DID)
    field = parse_credential(credential).achievement.field_of_study
    assert field is not None
    assert field.pick("de-AT") == "Informations- und Kommunikationstechnologien"
    assert field.pick("fr") == "Information and Communication Technologies"


def test_another_issuers_field_of_study_is_read_as_written() -> None:
    """OB's fieldOfStudy is a plain string; without inLanguage its language is unknown."""
    badge = vcdm2_badge()
    badge["credentialSubject"]["achievement"]["fieldOfStudy"] = "Education"
    field = parse_credential(badge).achievement.field_of_study
    assert field is not None
    assert field.texts() == {"en": "Education"}
    del badge["credentialSubject"]["achievement"]["inLanguage"]
    field = parse_credential(badge).achievement.field_of_study
    assert field is not None
    assert field.texts() == {"und": "Education"}


def test_our_suspension_entry_is_read_beside_the_credential_status() -> None:
    credential = build_credential(
        award(minimal_award_data()),
        holder_did=HOLDER_DID,
        status=StatusEntry("https://uni.example/status/rev", 7),
        suspension=StatusEntry("https://uni.example/status/sus", 11, "suspension"),
    )
    view = parse_credential(credential)
    assert [(entry["statusPurpose"], entry["statusListIndex"]) for entry in view.status] == [
        ("revocation", "7"),
        ("suspension", "11"),
    ]


def test_a_jwt_payload_with_the_credential_under_vc_is_read() -> None:
    """VC-JWT claims (iss, sub, jti, nbf) fill what the vc claim leaves out."""
    credential = build_credential(award(minimal_award_data()), holder_did=HOLDER_DID)
    vc = {k: v for k, v in credential.items() if k not in {"id", "issuer", "issuanceDate"}}
    vc["credentialSubject"] = {k: v for k, v in vc["credentialSubject"].items() if k != "id"}
    payload = {
        "iss": credential["issuer"]["id"],
        "sub": HOLDER_DID,
        "jti": credential["id"],
        "nbf": datetime(2025, 3, 1, 9, tzinfo=UTC).timestamp(),
        "vc": vc,
    }
    view = parse_credential(payload)
    assert view.id == credential["id"]
    assert view.holder_did == HOLDER_DID
    assert view.issued_at == datetime(2025, 3, 1, 9, tzinfo=UTC)
    assert view.issuer is not None
    assert view.issuer.id == credential["issuer"]["id"]


def test_unusable_members_are_left_out_rather_than_failing() -> None:
    """A wallet still shows a badge whose optional members are malformed."""
    badge = vcdm2_badge()
    achievement = badge["credentialSubject"]["achievement"]
    achievement["ectsCredits"] = "five"
    achievement["inLanguage"] = "English"
    achievement["resultDescription"] = [{"id": "urn:x", "name": "x", "resultType": "Made-up"}]
    badge["credentialSubject"]["identifier"] = [{"identityType": "shoeSize", "identityHash": "44"}]
    badge["validFrom"] = "yesterday"
    view = parse_credential(badge)
    assert view.achievement.ects is None
    assert view.achievement.language is None
    assert view.achievement.grading is None
    assert view.learner_identifiers == ()
    assert view.issued_at is None
    assert view.achievement.name is not None
    assert view.achievement.name.language == "und"


@pytest.mark.parametrize(
    "document",
    [
        {"type": ["VerifiableCredential", "StatusList2021Credential"], "credentialSubject": {}},
        {"type": ["VerifiableCredential", "OpenBadgeCredential"], "credentialSubject": {"id": "x"}},
        {"credentialSubject": {"achievement": {}}},
    ],
)
def test_what_is_not_an_open_badge_is_refused(document: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match=r"Not an Open Badges 3\.0 credential"):
        parse_credential(document)
