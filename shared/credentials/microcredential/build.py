"""An Award as an unsigned Open Badges 3.0 AchievementCredential (VC Data Model 1.1).

The result is a plain dict that the format layer signs as ``ldp_vc`` or wraps as
``jwt_vc_json``; nothing here signs. Where each EU element goes is listed in
docs/eu-microcredential-mapping.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.credentials.microcredential.context import credential_context
from shared.credentials.microcredential.i18n import LocalizedText
from shared.credentials.microcredential.model import (
    Award,
    AwardingBody,
    CatalogueEntry,
    GradingScheme,
    Programme,
    is_did,
)
from shared.credentials.microcredential.vocab import (
    eqf_framework,
    eqf_iri,
    esco_framework,
    nqf_target_type,
)
from shared.credentials.status_list import StatusPurpose, status_entry
from shared.errors import InvalidInput

CREDENTIAL_TYPES = ("VerifiableCredential", "AchievementCredential")
ACHIEVEMENT_TYPE = "MicroCredential"


@dataclass(frozen=True)
class StatusEntry:
    """Where one of this credential's bits sits in a StatusList2021 list."""

    list_credential: str
    index: int
    purpose: str = StatusPurpose.REVOCATION

    def to_json(self) -> dict[str, str]:
        return status_entry(self.list_credential, self.index, StatusPurpose(self.purpose))


def build_credential(
    award: Award,
    *,
    holder_did: str | None,
    credential_id: str | None = None,
    status: StatusEntry | None = None,
    suspension: StatusEntry | None = None,
) -> dict[str, Any]:
    """The unsigned credential for ``award``, its subject bound to ``holder_did``; with
    None, bound to no key (a printed certificate's copy: the learner is named, not proven).

    OB 3.0 allows a single ``credentialStatus`` object, so ``status`` (the revocation entry,
    the one every verifier reads) goes there and ``suspension`` into our extension member
    ``suspensionStatus``, which verifiers that know it read as well.
    """
    if holder_did is not None and not is_did(holder_did):
        raise InvalidInput(f"The holder's DID {holder_did!r} is not a DID.")
    if suspension is not None and suspension.purpose != StatusPurpose.SUSPENSION:
        raise InvalidInput(
            f"The suspension entry has the purpose {suspension.purpose!r}, not 'suspension'."
        )
    entry = award.entry
    credential: dict[str, Any] = {
        "@context": credential_context(with_status=status is not None or suspension is not None),
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": list(CREDENTIAL_TYPES),
        **_text_members("name", entry.title),
        **_text_members("description", entry.description),
        "issuer": _profile(award.awarding_body),
        "issuanceDate": _timestamp(award.issued_at),
        "credentialSubject": _subject(award, holder_did),
    }
    if award.co_awarding_bodies:
        credential["coAwardingBody"] = [_profile(body) for body in award.co_awarding_bodies]
    if status is not None:
        credential["credentialStatus"] = status.to_json()
    if suspension is not None:
        credential["suspensionStatus"] = suspension.to_json()
    return credential


def _text_members(term: str, text: LocalizedText) -> dict[str, Any]:
    """``{term: default text, termTranslations: {lang: text}}`` (the map only if needed).

    Language keys are lower-cased: didkit and jsonld.js canonicalise tag case differently,
    so ``pt-BR`` as a key would break the signature for one of them.
    """
    members: dict[str, Any] = {term: text.text}
    if text.translations:
        members[f"{term}Translations"] = {
            language.lower(): value for language, value in text.translations.items()
        }
    return members


def _profile(body: AwardingBody) -> dict[str, Any]:
    address: dict[str, Any] = {"type": ["Address"], "addressCountryCode": body.country_code}
    if body.region:
        address["addressRegion"] = body.region
    result: dict[str, Any] = {
        "id": body.id,
        "type": ["Profile"],
        **_text_members("name", body.name),
    }
    if body.url:
        result["url"] = body.url
    result["address"] = address
    return result


def _timestamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(value: date) -> str:
    # OB 3.0's schema wants a date-time for activity dates, though its context says xsd:date.
    return f"{value.isoformat()}T00:00:00Z"


def _number(value: Decimal) -> int | float:
    """A JSON number, written as an integer when it is one (5, not 5.0)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _subject(award: Award, holder_did: str | None) -> dict[str, Any]:
    subject: dict[str, Any] = {"id": holder_did} if holder_did is not None else {}
    subject["type"] = ["AchievementSubject"]
    identifiers = []
    if award.learner.name:
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": award.learner.name,
            }
        )
    for identifier in award.learner.identifiers:
        item: dict[str, Any] = {
            "type": "IdentityObject",
            "identityType": identifier.identity_type,
            "hashed": identifier.hashed,
            "identityHash": identifier.value,
        }
        if identifier.salt is not None:
            item["salt"] = identifier.salt
        identifiers.append(item)
    subject["identifier"] = identifiers
    subject["achievement"] = _achievement(award.entry)
    if award.entry.ects is not None:
        subject["creditsEarned"] = _number(award.entry.ects)
    period = award.activity_period
    if period and period.start:
        subject["activityStartDate"] = _day(period.start)
    if period and period.end:
        subject["activityEndDate"] = _day(period.end)
    if award.grade:
        result: dict[str, Any] = {"type": ["Result"], "value": award.grade, "status": "Completed"}
        if award.entry.grading:
            result["resultDescription"] = award.entry.grading_id
        subject["result"] = [result]
    return subject


def _achievement(entry: CatalogueEntry) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": entry.id,
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPE,
        **_text_members("name", entry.title),
        **_text_members("description", entry.description),
        "criteria": _criteria(entry),
        "inLanguage": entry.language,
        "alignment": _alignments(entry),
    }
    if entry.field_of_study:
        achievement.update(_text_members("fieldOfStudy", entry.field_of_study))
    if entry.ects is not None:
        # creditsAvailable has no unit in OB 3.0; ectsCredits says it is ECTS.
        achievement["creditsAvailable"] = _number(entry.ects)
        achievement["ectsCredits"] = _number(entry.ects)
    if entry.workload_hours is not None:
        achievement["workloadHours"] = _number(entry.workload_hours)
    achievement["learningOutcome"] = [
        {"type": ["LearningOutcome"], **_text_members("name", outcome)}
        for outcome in entry.learning_outcomes
    ]
    achievement.update(_text_members("assessmentType", entry.assessment_type))
    achievement["participationMode"] = entry.participation.iri
    achievement.update(_text_members("qualityAssurance", entry.quality_assurance))
    if entry.prerequisites:
        achievement.update(_text_members("prerequisites", entry.prerequisites))
    if entry.supervision:
        achievement["supervisionVerification"] = entry.supervision.iri
    if entry.stackability:
        achievement["integrationOption"] = entry.stackability.integration.iri
        if entry.stackability.stackable_toward:
            achievement["stackableToward"] = [
                _programme(programme) for programme in entry.stackability.stackable_toward
            ]
    if entry.grading:
        achievement["resultDescription"] = [_result_description(entry.grading_id, entry.grading)]
    if entry.learning_resources:
        achievement["learningResource"] = list(entry.learning_resources)
    if entry.further_information:
        achievement.update(_text_members("furtherInformation", entry.further_information))
    return achievement


def _criteria(entry: CatalogueEntry) -> dict[str, Any]:
    """OB 3.0 requires criteria; for readers that know only OB, list the learning outcomes."""
    outcomes = entry.learning_outcomes
    translated = sorted({language for outcome in outcomes for language in outcome.translations})

    def bullets(language: str) -> str:
        return "\n".join(f"- {outcome.texts().get(language, outcome.text)}" for outcome in outcomes)

    narrative = LocalizedText(
        language=entry.language,
        text=bullets(entry.language),
        translations={language: bullets(language) for language in translated},
    )
    return _text_members("narrative", narrative)


def _alignments(entry: CatalogueEntry) -> list[dict[str, Any]]:
    alignments: list[dict[str, Any]] = [
        {
            "type": ["Alignment"],
            "targetName": f"EQF level {entry.eqf_level}",
            "targetFramework": eqf_framework(),
            "targetCode": str(entry.eqf_level),
            "targetUrl": eqf_iri(entry.eqf_level),
        }
    ]
    if entry.nqf_level:
        nqf = entry.nqf_level
        alignments.append(
            {
                "type": ["Alignment"],
                "targetName": f"{nqf.framework} level {nqf.level}",
                "targetFramework": nqf.framework,
                "targetCode": nqf.level,
                "targetType": nqf_target_type(),
                "targetUrl": nqf.uri,
            }
        )
    for skill in entry.skills:
        alignments.append(
            {
                "type": ["Alignment"],
                **_text_members("targetName", skill.label),
                "targetFramework": esco_framework(),
                "targetUrl": skill.uri,
            }
        )
    return alignments


def _programme(programme: Programme) -> dict[str, Any]:
    node: dict[str, Any] = {"id": programme.url} if programme.url else {}
    node.update(_text_members("name", programme.name))
    return node


def _result_description(grading_id: str, grading: GradingScheme) -> dict[str, Any]:
    description: dict[str, Any] = {
        "id": grading_id,
        "type": ["ResultDescription"],
        **_text_members("name", grading.name),
        "resultType": grading.result_type,
    }
    if grading.allowed_values:
        description["allowedValue"] = list(grading.allowed_values)
    if grading.required_value:
        description["requiredValue"] = grading.required_value
    return description
