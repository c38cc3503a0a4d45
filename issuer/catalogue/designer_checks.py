"""Checking the designer's form and building the catalogue entry from it.

Each problem is a sentence keyed by the input that caused it (``title.en``, ``outcome.1.de``,
``ects``), so the page can show it next to that input. What the form's own checks let through
and the model still refuses is placed on its input too, in words (``_model_errors``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from issuer.catalogue.designer_fields import (
    GRADE_LENGTH,
    GRADES_LENGTH,
    GRADING_NAME_LENGTH,
    NQF_LENGTHS,
    NUMBER_LENGTH,
    OUTCOME_LENGTH,
    PROGRAMME_LENGTH,
    SINGLE_LABELS,
    SINGLE_LENGTHS,
    SKILL_LABEL_LENGTH,
    TEXT_FIELDS,
    TEXTS_BY_KEY,
    URI_LENGTH,
    URI_PATTERN,
    in_sentence,
    language_name,
)
from issuer.catalogue.isced import isced_field
from shared.credentials.microcredential.model import CatalogueEntry
from shared.credentials.microcredential.vocab import (
    IntegrationOption,
    ParticipationMode,
    Supervision,
    esco_skill_prefix,
    ob_result_types,
)
from shared.validation_words import sentence

if TYPE_CHECKING:
    from issuer.catalogue.designer import DesignerForm

# An entry id for checking an unsaved form; the catalogue sets the real one on saving.
UNSAVED_ID = "urn:x-credstack:unsaved"


def checked_entry(form: DesignerForm) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The catalogue entry as JSON (without its id), or None and the problems by input."""
    check = EntryCheck(form)
    data = check.build()
    if check.errors:
        return None, check.errors
    try:
        CatalogueEntry.model_validate({**data, "id": UNSAVED_ID})
    except ValidationError as exc:
        return None, _model_errors(form, exc)
    return data, {}


class EntryCheck:
    """One pass over the form: the entry's JSON, and a sentence per input that is wrong."""

    def __init__(self, form: DesignerForm) -> None:
        self.form = form
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def length(self, name: str, value: str, limit: int, label: str) -> str:
        value = value.strip()
        if len(value) > limit:
            self.fail(
                name,
                f"{label} may have at most {limit:,} characters; this one has {len(value):,}.",
            )
        return value

    def localized(
        self,
        name: str,
        texts: Mapping[str, str],
        limit: int,
        label: str,
        *,
        required: bool,
    ) -> dict[str, str] | None:
        """A text in the form's languages, the default first; None when left blank."""
        form = self.form
        written = {
            language: self.length(f"{name}.{language}", texts.get(language, ""), limit, label)
            for language in form.languages
        }
        given = {language: text for language, text in written.items() if text}
        if not given:
            if required:
                self.fail(
                    f"{name}.{form.language}",
                    f"Give the {in_sentence(label)} in {language_name(form.language)}.",
                )
            return None
        if form.language not in given:
            self.fail(
                f"{name}.{form.language}",
                f"Give the {in_sentence(label)} in {language_name(form.language)} too: it is the "
                "default language, shown where a reader's language is missing.",
            )
            return None
        return given

    def build(self) -> dict[str, Any]:
        form = self.form
        data: dict[str, Any] = {"language": form.language}
        for text_field in TEXT_FIELDS:
            data[text_field.key] = self.localized(
                text_field.key,
                form.texts.get(text_field.key, {}),
                text_field.max_length,
                text_field.label,
                required=text_field.required,
            )
        data["learning_outcomes"] = self.outcomes()
        self.workload(data)
        data["eqf_level"] = self.eqf_level()
        data["nqf_level"] = self.nqf_level()
        data["field_of_study"] = self.field_of_study()
        data["participation"] = self.choice(
            "participation", ParticipationMode, "Choose the form of participation."
        )
        data["supervision"] = self.choice("supervision", Supervision, None)
        data["skills"] = self.skills()
        data["stackability"] = self.stackability()
        data["grading"] = self.grading()
        data["learning_resources"] = self.resources()
        for name, limit in SINGLE_LENGTHS.items():  # what the steps above did not read
            self.length(name, form.value(name), limit, SINGLE_LABELS[name])
        return data

    def outcomes(self) -> list[dict[str, str]]:
        outcomes = []
        for index, row in enumerate(self.form.outcomes):
            text = self.localized(
                f"outcome.{index}", row, OUTCOME_LENGTH, "Learning outcome", required=True
            )
            if text:
                outcomes.append(text)
        if not outcomes and not any(k.startswith("outcome.") for k in self.errors):
            self.fail(
                f"outcome.0.{self.form.language}",
                "Give at least one learning outcome: what the learner can do afterwards.",
            )
        return outcomes

    def decimal(self, name: str, label: str, most: Decimal) -> Decimal | None:
        written = self.length(name, self.form.value(name), NUMBER_LENGTH, label)
        if not written:
            return None
        try:
            number = Decimal(written.replace(",", "."))
        except InvalidOperation:
            self.fail(name, f"Write the {in_sentence(label)} as a number, such as 5 or 2.5.")
            return None
        if not number.is_finite() or number <= 0:
            self.fail(name, f"The {in_sentence(label)} must be more than 0.")
        elif number > most:
            self.fail(name, f"The {in_sentence(label)} can be at most {most:,}.")
        elif number != number.quantize(Decimal("0.01")):
            self.fail(name, f"Write the {in_sentence(label)} with at most two decimals.")
        else:
            return number
        return None

    def workload(self, data: dict[str, Any]) -> None:
        ects = self.decimal("ects", "ECTS credits", Decimal("9999.99"))
        hours = self.decimal("workload_hours", "Hours of learning", Decimal("99999.99"))
        if ects is None and hours is None and not {"ects", "workload_hours"} & set(self.errors):
            self.fail(
                "ects",
                "Give the notional workload: the ECTS credits, the hours of learning, or both.",
            )
        data["ects"] = str(ects) if ects is not None else None
        data["workload_hours"] = str(hours) if hours is not None else None

    def eqf_level(self) -> int | None:
        written = self.form.value("eqf_level").strip()
        if written.isdigit() and 1 <= int(written) <= 8:
            return int(written)
        self.fail("eqf_level", "Choose the EQF level, from 1 to 8.")
        return None

    def uri(self, name: str, value: str, label: str) -> str | None:
        value = self.length(name, value, URI_LENGTH, label)
        if not value:
            return None
        if not URI_PATTERN.match(value):
            self.fail(name, f"The {in_sentence(label)} must be a full address, such as https://…")
            return None
        return value

    def nqf_level(self) -> dict[str, str] | None:
        form = self.form
        written = {
            name: self.length(name, form.value(name), NQF_LENGTHS[name], SINGLE_LABELS[name])
            for name in NQF_LENGTHS
        }
        if not any(written.values()):
            return None
        for name, value in written.items():
            if not value:
                self.fail(
                    name,
                    "Give the national framework, the level in it and the level's web "
                    f"address together (the {in_sentence(SINGLE_LABELS[name])} is missing).",
                )
        uri = self.uri("nqf_uri", written["nqf_uri"], SINGLE_LABELS["nqf_uri"])
        if not all(written.values()) or uri is None:
            return None
        return {"framework": written["nqf_framework"], "level": written["nqf_level"], "uri": uri}

    def field_of_study(self) -> dict[str, str] | None:
        form = self.form
        code = form.value("field_of_study")
        if not code:
            return None
        if code == "as-written":
            try:
                kept = json.loads(form.value("field_of_study_as_written") or "null")
            except ValueError:
                kept = None
            if isinstance(kept, dict) and kept:
                # Re-ordered so the default language comes first, as every text must.
                ordered = {tag: kept[tag] for tag in form.languages if tag in kept}
                return ordered if form.language in ordered else None
            self.fail("field_of_study", "Choose the field of education from the list.")
            return None
        found = isced_field(code)
        if found is None:
            self.fail("field_of_study", "Choose the field of education from the list.")
            return None
        return found.texts(form.languages)

    def choice(self, name: str, codes: Any, missing: str | None) -> str | None:
        value = self.form.value(name)
        if value in {code.value for code in codes}:
            return value
        if value or missing:
            self.fail(name, missing or "Choose one of the values in the list.")
        return None

    def skills(self) -> list[dict[str, Any]]:
        skills = []
        prefix = esco_skill_prefix()
        for index, row in enumerate(self.form.skills):
            name = f"skill.{index}.uri"
            uri = self.uri(name, row.uri, "ESCO skill address")
            if uri is None and name not in self.errors:
                self.fail(name, "Give the skill's ESCO address, or clear the row.")
            elif uri is not None and not uri.startswith(prefix):
                self.fail(
                    name,
                    f"An ESCO skill's address starts with {prefix} (copy it from "
                    "the ESCO portal's page of the skill).",
                )
            label = self.localized(
                f"skill.{index}.label", row.label, SKILL_LABEL_LENGTH, "Skill name", required=True
            )
            if uri and label:
                skills.append({"uri": uri, "label": label})
        return skills

    def stackability(self) -> dict[str, Any] | None:
        programmes = []
        for index, row in enumerate(self.form.programmes):
            name = self.localized(
                f"programme.{index}.name",
                row.name,
                PROGRAMME_LENGTH,
                "Programme name",
                required=True,
            )
            url = self.uri(f"programme.{index}.url", row.url, "Programme's web address")
            if name:
                programmes.append({"name": name, "url": url})
        integration = self.choice("integration", IntegrationOption, None)
        if integration is None:
            if programmes:
                self.fail(
                    "integration",
                    "Say whether it stands alone or is integrated: it names programmes it "
                    "counts toward.",
                )
            return None
        integrated = integration == IntegrationOption.INTEGRATED.value
        if (
            integrated
            and not programmes
            and not any(k.startswith("programme.") for k in self.errors)
        ):
            self.fail(
                f"programme.0.name.{self.form.language}",
                "An integrated micro-credential names at least one programme it counts toward.",
            )
        return {"integration": integration, "stackable_toward": programmes}

    def grading(self) -> dict[str, Any] | None:
        form = self.form
        values_text = self.length(
            "grading_values", form.value("grading_values"), GRADES_LENGTH, "Grades"
        )
        required = self.length(
            "grading_required", form.value("grading_required"), GRADE_LENGTH, "Grade to pass"
        )
        named = any(text.strip() for text in form.grading_name.values())
        if not (named or values_text or required):
            return None
        name = self.localized(
            "grading_name", form.grading_name, GRADING_NAME_LENGTH, "Grading scheme", required=True
        )
        grades = [grade.strip() for grade in values_text.split(",") if grade.strip()]
        if any(len(grade) > GRADE_LENGTH for grade in grades):
            self.fail("grading_values", f"Each grade may have at most {GRADE_LENGTH} characters.")
        if required and grades and required not in grades:
            self.fail(
                "grading_required",
                f"The grade needed to pass must be one of the grades: {', '.join(grades)}.",
            )
        result_type = form.value("grading_result_type") or "LetterGrade"
        if result_type not in ob_result_types():
            self.fail("grading_result_type", "Choose how results are expressed from the list.")
        return {
            "name": name,
            "result_type": result_type,
            "allowed_values": grades,
            "required_value": required or None,
        }

    def resources(self) -> list[str]:
        lines = self.form.value("learning_resources").splitlines()
        found = []
        for line in (line.strip() for line in lines):
            if not line:
                continue
            if not URI_PATTERN.match(line) or len(line) > URI_LENGTH:
                self.fail(
                    "learning_resources",
                    f"Write one full web address per line, such as https://…; “{line[:60]}” "
                    "is not one.",
                )
                continue
            found.append(line)
        return found


# Where a refusal of the model lands when the form's own checks let it through.
_MODEL_FIELDS = {
    "ects": "ects",
    "workload_hours": "workload_hours",
    "eqf_level": "eqf_level",
    "nqf_level": "nqf_uri",
    "field_of_study": "field_of_study",
    "participation": "participation",
    "supervision": "supervision",
    "grading": "grading_values",
    "stackability": "integration",
    "learning_resources": "learning_resources",
    "language": "new_language",
}


def _model_errors(form: DesignerForm, exc: ValidationError) -> dict[str, str]:
    """The model's refusals on the inputs they concern, in sentences (never its own text)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        head = loc[0] if loc else ""
        if head in TEXTS_BY_KEY:
            name, label = f"{head}.{form.language}", TEXTS_BY_KEY[head].label
        elif head == "learning_outcomes":
            index = loc[1] if len(loc) > 1 else "0"
            name, label = f"outcome.{index}.{form.language}", "The learning outcome"
        elif head == "skills":
            index = loc[1] if len(loc) > 1 else "0"
            name, label = f"skill.{index}.uri", "The skill"
        else:
            name = _MODEL_FIELDS.get(head, head or "ects")
            label = SINGLE_LABELS.get(name, name.replace("_", " ").capitalize())
        errors.setdefault(name, sentence({**error, "loc": [label]}))
    return errors
