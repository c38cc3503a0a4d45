"""Reading any Open Badges 3.0 AchievementCredential / OpenBadgeCredential into a CredentialView.

Tolerant by design: VCDM 1.1 or 2.0 members, ``issuer`` as a string or a Profile, single
values where arrays are usual (``type``, ``alignment``, ``result``…), texts as strings or as
JSON-LD language value objects, and JWT payloads that keep the credential under ``vc``.
A member that is present but unusable is left out of the view rather than failing the
whole credential: a wallet should still show what it can. Parsing checks no signature; pass
the document a verifier has already accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.credentials.microcredential import values as read
from shared.credentials.microcredential.i18n import UNDETERMINED
from shared.credentials.microcredential.model import (
    ESCOSkill,
    GradingScheme,
    LearnerIdentifier,
    NQFLevel,
    Programme,
    Stackability,
)
from shared.credentials.microcredential.readmodel import (
    AchievementView,
    AlignmentView,
    CredentialView,
    ProfileView,
)
from shared.credentials.microcredential.vocab import (
    IntegrationOption,
    ParticipationMode,
    Supervision,
    eqf_level_from_iri,
    esco_skill_prefix,
    nqf_target_type,
)
from shared.errors import InvalidInput

BADGE_TYPES = frozenset({"AchievementCredential", "OpenBadgeCredential"})
# OB 3.0's single credentialStatus (revocation in ours), then our suspensionStatus extension.
STATUS_MEMBERS = ("credentialStatus", "suspensionStatus")
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def parse_credential(document: Mapping[str, Any]) -> CredentialView:
    """The view of an OB 3.0 credential; InvalidInput if it is not one at all."""
    credential = _unwrap_jwt_payload(document)
    types = read.strings(credential.get("type"))
    if not BADGE_TYPES & set(types):
        raise InvalidInput(
            "Not an Open Badges 3.0 credential: its type has neither AchievementCredential "
            "nor OpenBadgeCredential."
        )
    subject = _badge_subject(credential.get("credentialSubject"))
    if subject is None:
        raise InvalidInput("Not an Open Badges 3.0 credential: no subject with an achievement.")
    achievement = _achievement(subject["achievement"])
    language = achievement.language or UNDETERMINED
    learner_name, identifiers = _learner(subject.get("identifier"))
    grade, result_status = _result(subject.get("result"))
    return CredentialView(
        id=read.string(credential.get("id")),
        types=tuple(types),
        name=read.text(credential, "name", language),
        description=read.text(credential, "description", language),
        issuer=_profile(credential.get("issuer"), language),
        co_awarding_bodies=tuple(
            profile
            for item in read.items(credential.get("coAwardingBody"))
            if (profile := _profile(item, language)) is not None
        ),
        issued_at=read.timestamp(credential.get("issuanceDate") or credential.get("validFrom")),
        valid_until=read.timestamp(
            credential.get("expirationDate") or credential.get("validUntil")
        ),
        holder_did=read.string(subject.get("id")),
        learner_name=learner_name,
        learner_identifiers=identifiers,
        activity_start=read.day(subject.get("activityStartDate")),
        activity_end=read.day(subject.get("activityEndDate")),
        credits_earned=read.number(subject.get("creditsEarned")),
        grade=grade,
        result_status=result_status,
        achievement=achievement,
        status=tuple(
            dict(item)
            for member in STATUS_MEMBERS
            for item in read.items(credential.get(member))
            if read.is_map(item)
        ),
    )


def _unwrap_jwt_payload(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """A VC-JWT payload keeps the credential under ``vc``; the JWT claims fill what it omits."""
    vc = document.get("vc")
    if "credentialSubject" in document or not read.is_map(vc):
        return document
    credential = dict(vc)
    if "id" not in credential and isinstance(document.get("jti"), str):
        credential["id"] = document["jti"]
    if "issuer" not in credential and isinstance(document.get("iss"), str):
        credential["issuer"] = document["iss"]
    nbf = document.get("nbf")
    if "issuanceDate" not in credential and isinstance(nbf, int | float):
        credential["issuanceDate"] = datetime.fromtimestamp(nbf, UTC).isoformat()
    subject = credential.get("credentialSubject")
    if read.is_map(subject) and "id" not in subject and isinstance(document.get("sub"), str):
        credential["credentialSubject"] = {**subject, "id": document["sub"]}
    return credential


def _badge_subject(value: Any) -> Mapping[str, Any] | None:
    for item in read.items(value):
        if read.is_map(item) and read.is_map(item.get("achievement")):
            return item
    return None


def _achievement(node: Mapping[str, Any]) -> AchievementView:
    language = read.language_tag(node.get("inLanguage"))
    lang = language or UNDETERMINED
    eqf_level, nqf_level, skills, others = _alignments(node.get("alignment"), lang)
    criteria = node.get("criteria")
    return AchievementView(
        id=read.string(node.get("id")),
        types=tuple(read.strings(node.get("type"))),
        achievement_type=read.string(node.get("achievementType")),
        language=language,
        name=read.text(node, "name", lang),
        description=read.text(node, "description", lang),
        criteria=read.text(criteria, "narrative", lang) if read.is_map(criteria) else None,
        ects=read.decimal(node.get("ectsCredits")),
        workload_hours=read.decimal(node.get("workloadHours")),
        credits_available=read.number(node.get("creditsAvailable")),
        eqf_level=eqf_level,
        nqf_level=nqf_level,
        field_of_study=read.text(node, "fieldOfStudy", lang),
        skills=skills,
        other_alignments=others,
        learning_outcomes=tuple(
            text
            for item in read.items(node.get("learningOutcome"))
            if read.is_map(item) and (text := read.text(item, "name", lang)) is not None
        ),
        assessment_type=read.text(node, "assessmentType", lang),
        participation=_coded(ParticipationMode.from_iri, node.get("participationMode")),
        quality_assurance=read.text(node, "qualityAssurance", lang),
        prerequisites=read.text(node, "prerequisites", lang),
        supervision=_coded(Supervision.from_iri, node.get("supervisionVerification")),
        grading=_grading(node.get("resultDescription"), lang),
        stackability=_stackability(node, lang),
        learning_resources=tuple(read.strings(node.get("learningResource"))),
        further_information=read.text(node, "furtherInformation", lang),
    )


def _alignments(
    value: Any, language: str
) -> tuple[int | None, NQFLevel | None, tuple[ESCOSkill, ...], tuple[AlignmentView, ...]]:
    eqf_level: int | None = None
    nqf_level: NQFLevel | None = None
    skills: list[ESCOSkill] = []
    others: list[AlignmentView] = []
    for item in read.items(value):
        if not read.is_map(item):
            continue
        url = read.string(item.get("targetUrl")) or ""
        name = read.text(item, "targetName", language)
        level = eqf_level_from_iri(url)
        if level is not None and eqf_level is None and 1 <= level <= 8:
            eqf_level = level
            continue
        if item.get("targetType") == nqf_target_type() and nqf_level is None:
            nqf_level = _valid(
                NQFLevel,
                {
                    "framework": item.get("targetFramework"),
                    "level": item.get("targetCode"),
                    "uri": url,
                },
            )
            if nqf_level is not None:
                continue
        if url.startswith(esco_skill_prefix()) and name is not None:
            skill = _valid(ESCOSkill, {"uri": url, "label": name})
            if skill is not None:
                skills.append(skill)
                continue
        others.append(
            AlignmentView(
                name=name,
                url=url or None,
                framework=read.string(item.get("targetFramework")),
                code=read.string(item.get("targetCode")),
                target_type=read.string(item.get("targetType")),
            )
        )
    return eqf_level, nqf_level, tuple(skills), tuple(others)


def _grading(value: Any, language: str) -> GradingScheme | None:
    for item in read.items(value):
        if read.is_map(item) and (name := read.text(item, "name", language)) is not None:
            return _valid(
                GradingScheme,
                {
                    "name": name,
                    "result_type": item.get("resultType", "Result"),
                    "allowed_values": read.strings(item.get("allowedValue")),
                    "required_value": read.string(item.get("requiredValue")),
                },
            )
    return None


def _stackability(node: Mapping[str, Any], language: str) -> Stackability | None:
    option = _coded(IntegrationOption.from_iri, node.get("integrationOption"))
    if option is None:
        return None
    programmes = []
    for item in read.items(node.get("stackableToward")):
        if read.is_map(item) and (name := read.text(item, "name", language)) is not None:
            programme = _valid(Programme, {"name": name, "url": read.string(item.get("id"))})
            if programme is not None:
                programmes.append(programme)
    return _valid(Stackability, {"integration": option, "stackable_toward": programmes})


def _learner(value: Any) -> tuple[str | None, tuple[LearnerIdentifier, ...]]:
    name: str | None = None
    identifiers: list[LearnerIdentifier] = []
    for item in read.items(value):
        if not read.is_map(item):
            continue
        hashed = item.get("hashed") is True
        if item.get("identityType") == "name" and not hashed and name is None:
            name = read.string(item.get("identityHash"))
            continue
        identifier = _valid(
            LearnerIdentifier,
            {
                "identity_type": item.get("identityType"),
                "value": item.get("identityHash"),
                "hashed": hashed,
                "salt": read.string(item.get("salt")),
            },
        )
        if identifier is not None:
            identifiers.append(identifier)
    return name, tuple(identifiers)


def _result(value: Any) -> tuple[str | None, str | None]:
    results = [item for item in read.items(value) if read.is_map(item)]
    for item in results:
        if (grade := read.string(item.get("value"))) is not None:
            return grade, read.string(item.get("status"))
    return None, (read.string(results[0].get("status")) if results else None)


def _profile(value: Any, language: str) -> ProfileView | None:
    if isinstance(value, str):
        return ProfileView(id=value)
    if not read.is_map(value):
        return None
    address = value.get("address")
    address = address if read.is_map(address) else {}
    country = read.string(address.get("addressCountryCode"))
    return ProfileView(
        id=read.string(value.get("id")),
        name=read.text(value, "name", language),
        url=read.string(value.get("url")),
        country_code=country.upper() if country else None,
        region=read.string(address.get("addressRegion")),
    )


def _coded(from_iri: Callable[[str], T | None], value: Any) -> T | None:
    return from_iri(value) if isinstance(value, str) else None


def _valid(model: type[M], data: dict[str, Any]) -> M | None:
    """The model, or None when the issuer's data does not fit it (left out of the view)."""
    try:
        return model.model_validate(data)
    except ValidationError:
        return None
