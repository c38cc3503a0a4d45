"""A presented credential's EU elements and its learner's data, as JSON a page can show.

Read with shared.credentials.microcredential.parse (the one parser); this only turns the
view into plain JSON: texts as ``{language: text}`` maps (first = default language),
numbers as strings (ECTS "2.5" stays exact), dates as ISO strings.

What the credential says about who issued it is kept under ``provider_as_named`` and is
labelled as the credential's own claim: the name a recruiter is told comes from the trust
list (``PresentedCredential.issuer_name``), never from here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.credentials.microcredential.i18n import LocalizedText
from shared.credentials.microcredential.readmodel import CredentialView, ProfileView
from verifier.checks.isced import field_name, isced_code

# Learner data a request may ask to be disclosed, by the name a request uses, in words.
DISCLOSABLE: dict[str, str] = {
    "name": "the learner's name",
    "email": "the learner's e-mail address",
    "national_id": "the learner's national identity number",
    "student_id": "the learner's student number",
    "grade": "the grade achieved",
    "activity_period": "the dates of the learning activity",
}
# OB 3.0 identityType → the disclosable name (only values given in clear count as disclosed).
_IDENTIFIER_FIELDS = {
    "emailAddress": "email",
    "nationalIdentityNumber": "national_id",
    "sourcedId": "student_id",
    "sisSourcedId": "student_id",
    "studentId": "student_id",
}


def achievement_facts(view: CredentialView) -> dict[str, Any]:
    a = view.achievement
    code = isced_code(a)
    return {
        "id": a.id,
        "title": _text(a.name or view.name),
        "description": _text(a.description or view.description),
        "micro_credential": view.is_micro_credential,
        "provider_as_named": _provider(view.issuer),
        "ects": _number(a.ects),
        "hours": _number(a.workload_hours),
        "eqf_level": a.eqf_level,
        "nqf_level": (
            {"framework": a.nqf_level.framework, "level": a.nqf_level.level}
            if a.nqf_level
            else None
        ),
        "field_of_study": _text(a.field_of_study),
        "isced_field": {"code": code, "name": field_name(code)} if code else None,
        "learning_outcomes": [outcome.texts() for outcome in a.learning_outcomes],
        "assessment": _text(a.assessment_type),
        "participation": a.participation.label if a.participation else None,
        "quality_assurance": _text(a.quality_assurance),
        "identity_check": a.supervision.label if a.supervision else None,
        "prerequisites": _text(a.prerequisites),
        "skills": [{"uri": skill.uri, "label": skill.label.texts()} for skill in a.skills],
        "stackability": a.stackability.integration.label if a.stackability else None,
        "issued": view.issued_at.isoformat() if view.issued_at else None,
        "valid_until": view.valid_until.isoformat() if view.valid_until else None,
        "missing_elements": view.missing_elements(),
    }


def subject_facts(view: CredentialView) -> dict[str, Any]:
    """The learner's data as presented: what the credential discloses, nothing inferred."""
    identifiers = [
        {"type": item.identity_type, "value": item.value, "hashed": item.hashed}
        for item in view.learner_identifiers
    ]
    period = None
    if view.activity_start or view.activity_end:
        period = {
            "start": view.activity_start.isoformat() if view.activity_start else None,
            "end": view.activity_end.isoformat() if view.activity_end else None,
        }
    return {
        "id": view.holder_did,
        "name": view.learner_name,
        "identifiers": identifiers,
        "grade": view.grade,
        "result": view.result_status,
        "activity_period": period,
    }


def disclosed(subject: dict[str, Any]) -> set[str]:
    """Which DISCLOSABLE items ``subject`` (from subject_facts) gives in clear."""
    found = {name for name in ("name", "grade", "activity_period") if subject.get(name)}
    for item in subject.get("identifiers") or []:
        field = _IDENTIFIER_FIELDS.get(str(item.get("type")))
        if field and not item.get("hashed") and item.get("value"):
            found.add(field)
    return found


def decimal_of(value: object) -> Decimal | None:
    """An ECTS or hours figure as written by achievement_facts, back as a Decimal."""
    if not isinstance(value, str):
        return None
    try:
        return Decimal(value)
    except ArithmeticError:
        return None


def _text(text: LocalizedText | None) -> dict[str, str] | None:
    return text.texts() if text else None


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _provider(profile: ProfileView | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    return {
        "label": "Named in the credential by its issuer (not checked against the trust list)",
        "id": profile.id,
        "name": _text(profile.name),
        "url": profile.url,
        "country": profile.country_code,
        "region": profile.region,
    }
