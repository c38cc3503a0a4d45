"""What a wallet or verifier reads out of an Open Badges 3.0 credential, ours or not.

Every field is optional: another issuer's badge may carry no EU element at all. ``to_award``
turns a complete one back into the strict ``Award`` (and says which elements are missing
when it cannot).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.credentials.microcredential.build import ACHIEVEMENT_TYPE
from shared.credentials.microcredential.i18n import UNDETERMINED, LocalizedText
from shared.credentials.microcredential.model import (
    Award,
    ESCOSkill,
    GradingScheme,
    LearnerIdentifier,
    NQFLevel,
    Stackability,
)
from shared.credentials.microcredential.validation import InvalidMicroCredential, load_award
from shared.credentials.microcredential.vocab import ParticipationMode, Supervision


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProfileView(_View):
    id: str | None = None
    name: LocalizedText | None = None
    url: str | None = None
    country_code: str | None = None
    region: str | None = None


class AlignmentView(_View):
    """An alignment we did not recognise as ESCO, EQF or NQF, as the issuer wrote it."""

    name: LocalizedText | None = None
    url: str | None = None
    framework: str | None = None
    code: str | None = None
    target_type: str | None = None


class AchievementView(_View):
    id: str | None = None
    types: tuple[str, ...] = ()
    achievement_type: str | None = None
    language: str | None = None  # inLanguage; texts without it are tagged "und"
    name: LocalizedText | None = None
    description: LocalizedText | None = None
    criteria: LocalizedText | None = None
    ects: Decimal | None = None  # only from our ectsCredits: OB's credits have no unit
    workload_hours: Decimal | None = None
    credits_available: float | None = None
    eqf_level: int | None = None
    nqf_level: NQFLevel | None = None
    field_of_study: LocalizedText | None = None  # OB fieldOfStudy (+ our translations)
    skills: tuple[ESCOSkill, ...] = ()
    other_alignments: tuple[AlignmentView, ...] = ()
    learning_outcomes: tuple[LocalizedText, ...] = ()
    assessment_type: LocalizedText | None = None
    participation: ParticipationMode | None = None
    quality_assurance: LocalizedText | None = None
    prerequisites: LocalizedText | None = None
    supervision: Supervision | None = None
    grading: GradingScheme | None = None
    stackability: Stackability | None = None
    learning_resources: tuple[str, ...] = ()
    further_information: LocalizedText | None = None


class CredentialView(_View):
    id: str | None = None
    types: tuple[str, ...] = ()
    name: LocalizedText | None = None
    description: LocalizedText | None = None
    issuer: ProfileView | None = None
    co_awarding_bodies: tuple[ProfileView, ...] = ()
    issued_at: datetime | None = None  # issuanceDate (VCDM 1.1) or validFrom (2.0)
    valid_until: datetime | None = None  # expirationDate or validUntil
    holder_did: str | None = None  # credentialSubject.id
    learner_name: str | None = None
    learner_identifiers: tuple[LearnerIdentifier, ...] = ()
    activity_start: date | None = None
    activity_end: date | None = None
    credits_earned: float | None = None
    grade: str | None = None
    result_status: str | None = None
    achievement: AchievementView
    # The credentialStatus entries, then our suspensionStatus entries, as written.
    status: tuple[dict[str, Any], ...] = ()

    @property
    def is_micro_credential(self) -> bool:
        return self.achievement.achievement_type == ACHIEVEMENT_TYPE

    def to_award(self) -> Award:
        """The strict Award; InvalidMicroCredential names the EU elements that are missing."""
        return load_award(_without_none(self._award_data()))

    def missing_elements(self) -> list[str]:
        """Labels of the EU elements this credential lacks or gets wrong (empty if complete)."""
        try:
            self.to_award()
        except InvalidMicroCredential as exc:
            return exc.elements or [str(problem) for problem in exc.problems]
        return []

    def _award_data(self) -> dict[str, Any]:
        a = self.achievement
        learner: dict[str, Any] | None = None
        if self.learner_name or self.learner_identifiers:
            learner = {"name": self.learner_name, "identifiers": self.learner_identifiers}
        period = None
        if self.activity_start or self.activity_end:
            period = {"start": self.activity_start, "end": self.activity_end}
        return {
            "entry": {
                "id": a.id,
                "language": a.language or UNDETERMINED,
                "title": a.name,
                "description": a.description,
                "learning_outcomes": a.learning_outcomes or None,
                "ects": a.ects,
                "workload_hours": a.workload_hours,
                "eqf_level": a.eqf_level,
                "nqf_level": a.nqf_level,
                "field_of_study": a.field_of_study,
                "assessment_type": a.assessment_type,
                "participation": a.participation,
                "quality_assurance": a.quality_assurance,
                "skills": a.skills,
                "prerequisites": a.prerequisites,
                "supervision": a.supervision,
                "grading": a.grading,
                "stackability": a.stackability,
                "learning_resources": a.learning_resources,
                "further_information": a.further_information,
            },
            "learner": learner,
            "awarding_body": _body(self.issuer) if self.issuer else None,
            "co_awarding_bodies": tuple(_without_none(_body(b)) for b in self.co_awarding_bodies),
            "issued_at": self.issued_at,
            "activity_period": period,
            "grade": self.grade,
        }


def _body(profile: ProfileView) -> dict[str, Any]:
    return {
        "id": profile.id,
        "name": profile.name,
        "url": profile.url,
        "country_code": profile.country_code,
        "region": profile.region,
    }


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    """Leave absent values out, so the model reports them as missing rather than as None."""
    return {
        key: _without_none(value) if isinstance(value, dict) else value
        for key, value in data.items()
        if value is not None
    }
