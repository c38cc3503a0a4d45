"""A certificate: the human-readable EU elements of an award, in one language, and its status.

Each element keeps its Annex I label (``shared.credentials.microcredential.elements``), so the
certificate, the verification page and the registrar's forms name things the same way.
Texts are taken in the reader's language when the award has it, else its default language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from shared.credentials.microcredential import model as mc
from shared.credentials.microcredential.elements import element
from shared.credentials.microcredential.i18n import LocalizedText


@dataclass(frozen=True)
class ElementLines:
    """One element: its key, its Annex I label, and the lines that say its value."""

    key: str
    label: str
    lines: tuple[str, ...]


class LiveStatus(StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Certificate:
    award: mc.Award
    status: LiveStatus
    status_changed_at: datetime | None
    verification_url: str
    pdf_url: str

    @property
    def language(self) -> str:
        return self.award.entry.language

    @property
    def issuer_did(self) -> str:
        return self.award.awarding_body.id

    def title_in(self, language: str) -> str:
        return in_language(self.award.entry.title, language)

    def issuer_name_in(self, language: str) -> str:
        return in_language(self.award.awarding_body.name, language)

    def language_for(self, accept_language: str | None) -> str:
        """The award's language that best serves a reader (their Accept-Language)."""
        return self.award.entry.title.pick_language(accept_language)

    def elements(self, language: str | None = None) -> list[ElementLines]:
        return elements_of(self.award, language or self.language)


def in_language(value: LocalizedText, language: str) -> str:
    """The text in ``language`` if the award has it, else in its default language."""
    return value.get(language) or value.text


def elements_of(award: mc.Award, language: str) -> list[ElementLines]:
    """Every element the award carries, mandatory ones first, in ``language`` where given."""

    def text(value: LocalizedText) -> str:
        return in_language(value, language)

    entry = award.entry
    rows: list[tuple[str, list[str]]] = [
        ("learner", [award.learner.name] if award.learner.name else []),
        ("awarding_body", [text(body.name) for body in _bodies(award)]),
        ("country", [_place(body) for body in _bodies(award)]),
        ("date_of_issue", [award.issued_at.date().isoformat()]),
        ("learning_outcomes", [text(outcome) for outcome in entry.learning_outcomes]),
        ("workload", [_workload(entry)]),
        ("level", _levels(entry)),
        ("assessment_type", [text(entry.assessment_type)]),
        ("participation", [entry.participation.label]),
        ("quality_assurance", [text(entry.quality_assurance)]),
    ]
    if award.grade:
        rows.append(("grade", [_grade(award.grade, entry.grading, text)]))
    if entry.skills:
        rows.append(("skills", [text(skill.label) for skill in entry.skills]))
    if entry.prerequisites:
        rows.append(("prerequisites", [text(entry.prerequisites)]))
    if entry.supervision:
        rows.append(("supervision", [entry.supervision.label]))
    if entry.stackability:
        stackable = [
            f"Stackable towards: {text(programme.name)}"
            for programme in entry.stackability.stackable_toward
        ]
        rows.append(("stackability", [entry.stackability.integration.label, *stackable]))
    if award.activity_period:
        rows.append(("time_period", [_period(award.activity_period)]))
    if entry.learning_resources:
        rows.append(("learning_resources", list(entry.learning_resources)))
    if entry.further_information:
        rows.append(("further_information", [text(entry.further_information)]))
    return [ElementLines(key, element(key).label, tuple(lines)) for key, lines in rows if lines]


def _bodies(award: mc.Award) -> tuple[mc.AwardingBody, ...]:
    return (award.awarding_body, *award.co_awarding_bodies)


def _place(body: mc.AwardingBody) -> str:
    return f"{body.country_code}, {body.region}" if body.region else body.country_code


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _workload(entry: mc.CatalogueEntry) -> str:
    parts = []
    if entry.ects is not None:
        parts.append(f"{_number(entry.ects)} ECTS credits")
    if entry.workload_hours is not None:
        parts.append(f"{_number(entry.workload_hours)} hours of learning")
    return " · ".join(parts)


def _levels(entry: mc.CatalogueEntry) -> list[str]:
    levels = [f"EQF level {entry.eqf_level}"]
    if entry.nqf_level:
        levels.append(f"{entry.nqf_level.framework}: level {entry.nqf_level.level}")
    return levels


def _grade(
    grade: str, grading: mc.GradingScheme | None, text: Callable[[LocalizedText], str]
) -> str:
    if grading is None:
        return grade
    scale = ", ".join(grading.allowed_values)
    detail = f"{text(grading.name)}" + (f": {scale}" if scale else "")
    if grading.required_value:
        detail += f"; pass from {grading.required_value}"
    return f"{grade} ({detail})"


def _period(period: mc.ActivityPeriod) -> str:
    start = period.start.isoformat() if period.start else "…"
    end = period.end.isoformat() if period.end else "…"
    return f"{start} – {end}"
