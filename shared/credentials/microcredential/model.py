"""The catalogue entry (what a university offers) and the award (what one learner earned).

Both are immutable pydantic models that refuse an incomplete micro-credential: every
mandatory element of Annex I is a required field or a validator here. Use
``validation.load_award`` / ``load_catalogue_entry`` to get errors that name the element.

All texts of an award share one default language, the entry's ``language``: Open Badges 3.0
has one ``inLanguage`` per achievement, and the default-language text is what goes into the
OB members (``name``, ``description``…), with the other languages as translations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.credentials.microcredential.elements import ElementValueError
from shared.credentials.microcredential.i18n import LanguageTag, LocalizedText, NonEmptyText
from shared.credentials.microcredential.vocab import (
    IntegrationOption,
    ParticipationMode,
    Supervision,
    esco_skill_prefix,
    ob_identity_types,
    ob_result_types,
)

_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$")
# OB 3.0's pattern for extension values of its open vocabularies.
_OB_EXTENSION = re.compile(r"^ext:[A-Za-z0-9.\-_]+$")


def _absolute_uri(value: str) -> str:
    value = value.strip()
    if not _URI.match(value):
        raise ValueError(f"{value!r} is not an absolute URI")
    return value


def is_did(value: str) -> bool:
    return bool(_DID.match(value))


def _country_code(value: str) -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code such as 'DE'")
    return code


def _utc_second(value: datetime) -> datetime:
    # The credential carries whole seconds in UTC; normalising here keeps build → parse exact.
    return value.astimezone(UTC).replace(microsecond=0)


Uri = Annotated[str, AfterValidator(_absolute_uri)]
CountryCode = Annotated[str, AfterValidator(_country_code)]
Timestamp = Annotated[AwareDatetime, AfterValidator(_utc_second)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ESCOSkill(_Model):
    """A skill from ESCO, aligned by its concept URI; the label is shown to people."""

    uri: Uri
    label: LocalizedText

    @model_validator(mode="after")
    def _is_esco(self) -> ESCOSkill:
        if not self.uri.startswith(esco_skill_prefix()):
            raise ValueError(f"{self.uri!r} is not an ESCO skill URI ({esco_skill_prefix()}…)")
        return self


class NQFLevel(_Model):
    """A level in a national qualifications framework, named by the URI of that level."""

    framework: NonEmptyText
    level: NonEmptyText
    uri: Uri


class GradingScheme(_Model):
    """How results are expressed (OB ResultDescription); ``allowed_values`` go low to high."""

    name: LocalizedText
    result_type: str = "LetterGrade"
    allowed_values: tuple[NonEmptyText, ...] = ()
    required_value: NonEmptyText | None = None

    @model_validator(mode="after")
    def _consistent(self) -> GradingScheme:
        if self.result_type not in ob_result_types() and not _OB_EXTENSION.match(self.result_type):
            raise ValueError(
                f"result_type {self.result_type!r} is neither an Open Badges result type "
                "nor an 'ext:' extension value"
            )
        if (
            self.required_value
            and self.allowed_values
            and self.required_value not in self.allowed_values
        ):
            raise ValueError(f"required_value {self.required_value!r} is not an allowed value")
        return self


class Programme(_Model):
    """A credential or programme a micro-credential stacks towards."""

    name: LocalizedText
    url: Uri | None = None


class Stackability(_Model):
    integration: IntegrationOption
    stackable_toward: tuple[Programme, ...] = ()

    @model_validator(mode="after")
    def _integrated_names_a_programme(self) -> Stackability:
        if self.integration is IntegrationOption.INTEGRATED and not self.stackable_toward:
            raise ValueError("an integrated micro-credential must name what it stacks towards")
        return self


class CatalogueEntry(_Model):
    """A micro-credential as a university offers it (the OB ``Achievement``)."""

    id: Uri
    language: LanguageTag
    title: LocalizedText
    description: LocalizedText
    learning_outcomes: tuple[LocalizedText, ...] = Field(min_length=1)
    # Notional workload: ECTS where credit-bearing, otherwise hours (one of them at least).
    ects: Decimal | None = Field(default=None, gt=0, max_digits=6, decimal_places=2)
    workload_hours: Decimal | None = Field(default=None, gt=0, max_digits=7, decimal_places=2)
    eqf_level: int = Field(ge=1, le=8)
    nqf_level: NQFLevel | None = None
    # Not an Annex I element: the ISCED-F 2013 broad or narrow field by name, e.g.
    # "Information and Communication Technologies", so that wallets can add up a learner's
    # micro-credentials by field (OB's own ``fieldOfStudy`` is free text; use one wording).
    field_of_study: LocalizedText | None = None
    assessment_type: LocalizedText
    participation: ParticipationMode
    quality_assurance: LocalizedText
    skills: tuple[ESCOSkill, ...] = ()
    prerequisites: LocalizedText | None = None
    supervision: Supervision | None = None
    grading: GradingScheme | None = None
    stackability: Stackability | None = None
    learning_resources: tuple[Uri, ...] = ()
    further_information: LocalizedText | None = None

    @model_validator(mode="after")
    def _complete(self) -> CatalogueEntry:
        if self.ects is None and self.workload_hours is None:
            raise ElementValueError(
                "workload", "give the notional workload: ects (credit-bearing) or workload_hours"
            )
        _check_default_language(self, self.language)
        return self

    @property
    def grading_id(self) -> str:
        """The OB ResultDescription id, derived so that catalogue files need not invent one."""
        return f"{self.id}{'-' if '#' in self.id else '#'}grading"


class LearnerIdentifier(_Model):
    """An OB IdentityObject: how the issuer knows the learner, in clear or hashed."""

    identity_type: str
    value: NonEmptyText
    hashed: bool = False
    salt: str | None = None

    @model_validator(mode="after")
    def _known_type(self) -> LearnerIdentifier:
        if self.identity_type not in ob_identity_types() and not _OB_EXTENSION.match(
            self.identity_type
        ):
            raise ValueError(
                f"identity_type {self.identity_type!r} is neither an Open Badges identity type "
                "nor an 'ext:' extension value"
            )
        if self.identity_type == "name" and not self.hashed:
            raise ValueError("give the learner's name as learner.name, not as an identifier")
        return self


class Learner(_Model):
    """Who earned it. The holder's DID is bound when the credential is issued, not here."""

    name: NonEmptyText | None = None
    identifiers: tuple[LearnerIdentifier, ...] = ()

    @model_validator(mode="after")
    def _identified(self) -> Learner:
        if self.name is None and not self.identifiers:
            raise ValueError("give the learner's name or at least one identifier")
        return self


class AwardingBody(_Model):
    id: Uri
    name: LocalizedText
    url: Uri | None = None
    country_code: CountryCode
    region: NonEmptyText | None = None


class ActivityPeriod(_Model):
    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ActivityPeriod:
        if self.start is None and self.end is None:
            raise ValueError("give a start date, an end date or both")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"the activity ends ({self.end}) before it starts ({self.start})")
        return self


class Award(_Model):
    """One learner's micro-credential: the entry as awarded, to whom, by whom, when."""

    entry: CatalogueEntry
    learner: Learner
    awarding_body: AwardingBody
    co_awarding_bodies: tuple[AwardingBody, ...] = ()
    issued_at: Timestamp
    activity_period: ActivityPeriod | None = None
    grade: NonEmptyText | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Award:
        if not is_did(self.awarding_body.id):  # the issuer signs, so it must be a DID
            raise ElementValueError(
                "awarding_body", f"the awarding body's id {self.awarding_body.id!r} is not a DID"
            )
        grading = self.entry.grading
        if (
            self.grade
            and grading
            and grading.allowed_values
            and self.grade not in grading.allowed_values
        ):
            raise ElementValueError(
                "grade",
                f"grade {self.grade!r} is not one of {', '.join(grading.allowed_values)}",
            )
        for body in (self.awarding_body, *self.co_awarding_bodies):
            _check_default_language(body, self.entry.language)
        return self


def _texts(value: Any, path: str) -> Iterator[tuple[str, LocalizedText]]:
    if isinstance(value, LocalizedText):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}[{index}]")


def _check_default_language(model: BaseModel, language: str) -> None:
    for path, text in _texts(model, ""):
        if text.language != language:
            raise ValueError(
                f"{path} starts with {text.language!r}, but every text must start with the "
                f"entry's language {language!r} (give other languages as translations)"
            )
