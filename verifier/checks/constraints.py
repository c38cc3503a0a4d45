"""What an employer asks for, and whether the presented credentials meet it.

``Constraints`` is stored with a request and shown to the learner (``purpose``); ``evaluate``
gives the "constraints" check, which names exactly what falls short ("3 ECTS presented in
total; the request asks for at least 5"). ``constraint_errors`` turns a refused request into
one sentence per field, for the pages and the API (no pydantic text leaks out).

Counting rules:
- ``field_of_study`` (an ISCED-F code) narrows what counts: only credentials in that field,
  or a narrower one inside it, count towards the ECTS, EQF and skill requirements.
- ECTS add up across the presented credentials, each achievement once (the same
  micro-credential presented twice is not twice the learning).
- Whether each credential is genuine, current and from a trusted issuer is for the other
  checks; the report is verified only when they all pass too.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shared.credentials.microcredential.vocab import esco_skill_prefix
from verifier.checks.facts import DISCLOSABLE, decimal_of, disclosed
from verifier.checks.isced import CODE, field_name, in_field
from verifier.checks.report import Check, Outcome, PresentedCredential

FormatName = Literal["ldp_vc", "jwt_vc_json"]
ALL_FORMATS: tuple[FormatName, ...] = ("ldp_vc", "jwt_vc_json")
MAX_CREDENTIALS = 20
Ects = Annotated[Decimal, Field(ge=0, le=1000, max_digits=6, decimal_places=2)]


class Constraints(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    formats: list[FormatName] = Field(default_factory=lambda: list(ALL_FORMATS))
    trusted_issuers_only: bool = True
    min_credentials: int = Field(default=1, ge=1, le=MAX_CREDENTIALS)
    max_credentials: int = Field(default=5, ge=1, le=MAX_CREDENTIALS)
    min_ects_per_credential: Ects | None = None
    min_ects_total: Ects | None = None
    field_of_study: str | None = None
    min_eqf_level: int | None = Field(default=None, ge=1, le=8)
    required_skills: list[str] = Field(default_factory=list, max_length=20)
    issued_after: date | None = None
    disclose: list[str] = Field(default_factory=list)
    purpose: str = Field(min_length=1, max_length=500)

    @field_validator("formats")
    @classmethod
    def _some_format(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("Choose at least one credential format.")
        return list(dict.fromkeys(value))

    @field_validator("field_of_study")
    @classmethod
    def _isced_code(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not CODE.match(value):
            raise ValueError(
                f"{value[:20]!r} is not an ISCED-F field code: give 2 to 4 digits, e.g. 06 or 0613."
            )
        return value

    @field_validator("required_skills")
    @classmethod
    def _esco_skills(cls, value: list[str]) -> list[str]:
        prefix = esco_skill_prefix()
        skills = [skill.strip() for skill in value if skill.strip()]
        for skill in skills:
            if not skill.startswith(prefix) or len(skill) > 200:
                raise ValueError(
                    f"{skill[:60]!r} is not an ESCO skill address; they start with {prefix}."
                )
        return list(dict.fromkeys(skills))

    @field_validator("disclose")
    @classmethod
    def _known_items(cls, value: list[str]) -> list[str]:
        unknown = [item for item in value if item not in DISCLOSABLE]
        if unknown:
            raise ValueError(
                f"{unknown[0][:30]!r} cannot be asked for; choose from {', '.join(DISCLOSABLE)}."
            )
        return list(dict.fromkeys(value))

    @field_validator("purpose")
    @classmethod
    def _purpose_in_words(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("Say in a few words why you ask (the learner sees it).")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Constraints:
        if self.max_credentials < self.min_credentials:
            raise ValueError(
                f"At most {self.max_credentials} credential(s) cannot be fewer than the "
                f"{self.min_credentials} asked for at least."
            )
        return self


# One sentence per field for errors pydantic words itself (types, bounds, missing values).
_FIELD_SENTENCES = {
    "formats": "Choose the credential formats from ldp_vc and jwt_vc_json.",
    "trusted_issuers_only": "Say yes or no to accepting only trusted issuers.",
    "min_credentials": f"The least number of credentials is a whole number from 1 to "
    f"{MAX_CREDENTIALS}.",
    "max_credentials": f"The most credentials is a whole number from 1 to {MAX_CREDENTIALS}.",
    "min_ects_per_credential": "ECTS per credential is a number from 0 to 1000, "
    "with at most two decimals.",
    "min_ects_total": "The ECTS total is a number from 0 to 1000, with at most two decimals.",
    "field_of_study": "The field of study is an ISCED-F code of 2 to 4 digits, e.g. 0613.",
    "min_eqf_level": "The EQF level is a whole number from 1 to 8.",
    "required_skills": "Required skills are ESCO skill addresses (at most 20).",
    "issued_after": "The issue date is a date such as 2025-01-31.",
    "disclose": f"Ask only for {', '.join(DISCLOSABLE)}.",
    "purpose": "Say in a few words (at most 500 characters) why you ask; the learner sees it.",
}


def constraint_errors(error: ValidationError) -> dict[str, str]:
    """Field → one sentence saying what to change; ``"request"`` for the whole request."""
    found: dict[str, str] = {}
    for item in error.errors():
        loc = item.get("loc") or ()
        field = str(loc[0]) if loc else "request"
        if field in found:
            continue
        if item["type"] == "value_error":  # our validators: already in words
            found[field] = str(item["msg"]).removeprefix("Value error, ")
        elif item["type"] == "extra_forbidden":
            found[field] = f"{field[:40]!r} is not something a request can ask for."
        elif item["type"] == "missing" and field == "purpose":
            found[field] = _FIELD_SENTENCES["purpose"]
        else:
            found[field] = _FIELD_SENTENCES.get(field, "This value cannot be used.")
    return found


def evaluate(constraints: Constraints, credentials: list[PresentedCredential]) -> list[Check]:
    """The "constraints" check: every shortfall named, or what was met."""
    shortfalls: list[str] = []
    count = len(credentials)
    if count < constraints.min_credentials:
        shortfalls.append(
            f"{count} credential(s) presented; the request asks for at least "
            f"{constraints.min_credentials}."
        )
    if count > constraints.max_credentials:
        shortfalls.append(
            f"{count} credentials presented; the request accepts at most "
            f"{constraints.max_credentials}."
        )
    for credential in credentials:
        if credential.format not in constraints.formats:
            shortfalls.append(
                f"Credential {credential.index + 1} is in the {credential.format} format, "
                f"which the request does not accept."
            )
    counted = _in_field(constraints, credentials, shortfalls)
    shortfalls += _per_credential(constraints, counted)
    shortfalls += _totals(constraints, counted)
    shortfalls += _disclosure(constraints, credentials)
    if shortfalls:
        return [Check("constraints", Outcome.FAILED, " ".join(shortfalls))]
    return [Check("constraints", Outcome.PASSED, _met(constraints, counted))]


def _in_field(
    constraints: Constraints, credentials: list[PresentedCredential], shortfalls: list[str]
) -> list[PresentedCredential]:
    wanted = constraints.field_of_study
    if wanted is None:
        return credentials
    counted = [c for c in credentials if in_field(_isced(c), wanted)]
    if not counted:
        shortfalls.append(
            f"No credential is in the field of study the request asks for ({_field_words(wanted)})."
        )
    return counted


def _per_credential(constraints: Constraints, counted: list[PresentedCredential]) -> list[str]:
    found: list[str] = []
    for credential in counted:
        label = f"Credential {credential.index + 1}"
        facts = credential.achievement
        if constraints.min_ects_per_credential is not None:
            ects = decimal_of(facts.get("ects"))
            if ects is None:
                found.append(f"{label} states no ECTS; the request asks for ECTS credits.")
            elif ects < constraints.min_ects_per_credential:
                found.append(
                    f"{label} is worth {_figure(ects)} ECTS; the request asks for at least "
                    f"{_figure(constraints.min_ects_per_credential)} per credential."
                )
        if constraints.min_eqf_level is not None:
            level = facts.get("eqf_level")
            if not isinstance(level, int):
                found.append(f"{label} states no EQF level; the request asks for one.")
            elif level < constraints.min_eqf_level:
                found.append(
                    f"{label} is at EQF level {level}; the request asks for level "
                    f"{constraints.min_eqf_level} or higher."
                )
        if constraints.issued_after is not None:
            issued = str(facts.get("issued") or "")[:10]
            if not issued or issued <= constraints.issued_after.isoformat():
                when = issued or "an unknown date"
                found.append(
                    f"{label} was issued on {when}; the request asks for credentials issued "
                    f"after {constraints.issued_after.isoformat()}."
                )
    return found


def _totals(constraints: Constraints, counted: list[PresentedCredential]) -> list[str]:
    found: list[str] = []
    if constraints.min_ects_total is not None:
        total = _ects_total(counted)
        if total < constraints.min_ects_total:
            where = (
                f" in {_field_words(constraints.field_of_study)}"
                if constraints.field_of_study
                else ""
            )
            found.append(
                f"{_figure(total)} ECTS presented in total{where}; the request asks for at "
                f"least {_figure(constraints.min_ects_total)}."
            )
    have = {skill.get("uri") for c in counted for skill in c.achievement.get("skills") or []}
    missing = [skill for skill in constraints.required_skills if skill not in have]
    if missing:
        found.append(
            f"No presented credential shows the skill{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}, which the request requires."
        )
    return found


def _disclosure(constraints: Constraints, credentials: list[PresentedCredential]) -> list[str]:
    given: set[str] = set()
    for credential in credentials:
        given |= disclosed(credential.subject)
    missing = [DISCLOSABLE[item] for item in constraints.disclose if item not in given]
    if not missing:
        return []
    return [f"Not disclosed: {', '.join(missing)}; the request asks for it."]


def _ects_total(credentials: list[PresentedCredential]) -> Decimal:
    by_achievement: dict[str, Decimal] = {}
    for credential in credentials:
        facts = credential.achievement
        key = str(facts.get("id") or facts.get("title") or f"#{credential.index}")
        by_achievement[key] = decimal_of(facts.get("ects")) or Decimal(0)
    return sum(by_achievement.values(), Decimal(0))


def _met(constraints: Constraints, counted: list[PresentedCredential]) -> str:
    parts = [f"{len(counted)} credential(s) meet the request"]
    if constraints.min_ects_total is not None or constraints.min_ects_per_credential is not None:
        parts.append(f"{_figure(_ects_total(counted))} ECTS in total")
    if constraints.min_eqf_level is not None:
        parts.append(f"EQF level {constraints.min_eqf_level} or higher")
    if constraints.required_skills:
        parts.append(f"all {len(constraints.required_skills)} required skill(s) shown")
    if constraints.disclose:
        parts.append("the requested details disclosed")
    return ", ".join(parts) + "."


def _isced(credential: PresentedCredential) -> str | None:
    field: Any = credential.achievement.get("isced_field")
    code = field.get("code") if isinstance(field, dict) else None
    return code if isinstance(code, str) else None


def _field_words(code: str | None) -> str:
    if code is None:
        return "any field"
    name = field_name(code)
    return f"ISCED-F {code} {name}" if name else f"ISCED-F {code}"


def _figure(value: Decimal) -> str:
    return format(value.normalize(), "f")
