"""The micro-credential designer: a catalogue entry as a form of fields in words.

The form is plain HTML that works without JavaScript. Texts are written once per language,
the languages side by side (``title.en``, ``title.de``); lists are numbered rows
(``outcome.0.en``, ``skill.2.uri``, ``programme.1.name.de``) of which blank ones are
ignored, so "more rows" is just the same form rendered with a few more blanks. Buttons say
what to do with the form (``action``: save, preview, add a language, remove one, more rows).

``read_form`` turns what the browser sent into a ``DesignerForm``; ``DesignerForm.entry()``
checks it and builds the catalogue entry's JSON, or gives the problems keyed by the input
that caused each one, in sentences a registrar understands. Every text input has a length
limit that the form states and that is checked here again (a browser's ``maxlength`` is a
courtesy, not a guarantee).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from issuer.catalogue.designer_checks import checked_entry
from issuer.catalogue.designer_fields import (
    BLANK_ROWS,
    LANGUAGE_TAG_LENGTH,
    MAX_LANGUAGES,
    MAX_OUTCOMES,
    MAX_PROGRAMMES,
    MAX_SKILLS,
    MORE_ROWS,
    TEXT_FIELDS,
    TEXTS_BY_KEY,
    language_name,
)
from issuer.catalogue.isced import isced_code_named
from shared.credentials.microcredential.i18n import normalise_language_tag
from shared.credentials.microcredential.model import CatalogueEntry

_ROW = re.compile(r"^(outcome|skill|programme)\.(\d{1,3})\.(.+)$")


@dataclass
class SkillRow:
    uri: str = ""
    label: dict[str, str] = field(default_factory=dict)

    def blank(self) -> bool:
        return not self.uri.strip() and not any(v.strip() for v in self.label.values())


@dataclass
class ProgrammeRow:
    name: dict[str, str] = field(default_factory=dict)
    url: str = ""

    def blank(self) -> bool:
        return not self.url.strip() and not any(v.strip() for v in self.name.values())


@dataclass
class DesignerForm:
    """What the registrar typed, kept as typed so the form can be shown again."""

    languages: list[str] = field(default_factory=lambda: ["en"])  # the default first
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # key → language → text
    outcomes: list[dict[str, str]] = field(default_factory=list)
    skills: list[SkillRow] = field(default_factory=list)
    programmes: list[ProgrammeRow] = field(default_factory=list)
    grading_name: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    extra_rows: dict[str, int] = field(default_factory=dict)  # list → "more rows" asked for

    @property
    def language(self) -> str:
        return self.languages[0]

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def text(self, key: str, language: str) -> str:
        return self.texts.get(key, {}).get(language, "")

    # --- rows as shown: the filled ones, then blanks ----------------------------------

    # The lists hold filled rows only (``read_form`` drops blank ones), so a row's number
    # in the problems is its number on the page.

    def outcome_rows(self) -> list[dict[str, str]]:
        return _padded(self.outcomes, dict, self.extra_rows.get("outcome", 0), MAX_OUTCOMES)

    def skill_rows(self) -> list[SkillRow]:
        return _padded(self.skills, SkillRow, self.extra_rows.get("skill", 0), MAX_SKILLS)

    def programme_rows(self) -> list[ProgrammeRow]:
        return _padded(
            self.programmes, ProgrammeRow, self.extra_rows.get("programme", 0), MAX_PROGRAMMES
        )

    # --- the buttons that change the form, not the catalogue ---------------------------

    def add_language(self, wanted: str) -> str | None:
        """Adds a column for ``wanted``; a sentence saying why not, or None."""
        try:
            tag = normalise_language_tag(wanted[:LANGUAGE_TAG_LENGTH])
        except ValueError:
            return "Write a language code such as fr, de-AT or pt-BR."
        if tag in self.languages:
            return f"{language_name(tag)} is already in the form."
        if len(self.languages) >= MAX_LANGUAGES:
            return f"A micro-credential can have up to {MAX_LANGUAGES} languages."
        self.languages.append(tag)
        self.values.pop("new_language", None)
        return None

    def more_rows(self, kind: str) -> None:
        if kind in ("outcome", "skill", "programme"):
            self.extra_rows[kind] = MORE_ROWS

    def remove_language(self, tag: str) -> None:
        """Drops a language's column and its texts; the last language stays."""
        if tag in self.languages and len(self.languages) > 1:
            self.languages.remove(tag)

    # --- checking and building the entry ------------------------------------------------

    def entry(self) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """The catalogue entry as JSON (without its id), or None and the problems by input."""
        return checked_entry(self)


def _padded(rows: list[Any], blank: Any, extra: int, most: int) -> list[Any]:
    wanted = max(len(rows), min(len(rows) + BLANK_ROWS + extra, most))
    return [*rows, *(blank() for _ in range(wanted - len(rows)))]


def read_form(pairs: Iterable[tuple[str, Any]]) -> DesignerForm:
    """The form as the browser sent it (``request.form().multi_items()``); files ignored."""
    form = DesignerForm(languages=[], values={})
    data: dict[str, str] = {}
    for key, value in pairs:
        if not isinstance(value, str):
            continue
        if key == "languages":
            try:
                tag = normalise_language_tag(value[:LANGUAGE_TAG_LENGTH])
            except ValueError:
                continue
            if tag not in form.languages and len(form.languages) < MAX_LANGUAGES:
                form.languages.append(tag)
        else:
            data.setdefault(key, value)
    if not form.languages:
        form.languages = ["en"]
    default = data.get("default_language", "")
    if default in form.languages:
        form.languages.remove(default)
        form.languages.insert(0, default)
    outcomes: dict[int, dict[str, str]] = {}
    skills: dict[int, SkillRow] = {}
    programmes: dict[int, ProgrammeRow] = {}
    for key, value in data.items():
        head, _, language = key.partition(".")
        if head in TEXTS_BY_KEY and language in form.languages:
            form.texts.setdefault(head, {})[language] = value
        elif head == "grading_name" and language in form.languages:
            form.grading_name[language] = value
        elif row := _ROW.match(key):
            kind, index, rest = row.group(1), int(row.group(2)), row.group(3)
            if kind == "outcome" and index < MAX_OUTCOMES and rest in form.languages:
                outcomes.setdefault(index, {})[rest] = value
            elif kind == "skill" and index < MAX_SKILLS:
                skill = skills.setdefault(index, SkillRow())
                if rest == "uri":
                    skill.uri = value
                elif rest.removeprefix("label.") in form.languages:
                    skill.label[rest.removeprefix("label.")] = value
            elif kind == "programme" and index < MAX_PROGRAMMES:
                programme = programmes.setdefault(index, ProgrammeRow())
                if rest == "url":
                    programme.url = value
                elif rest.removeprefix("name.") in form.languages:
                    programme.name[rest.removeprefix("name.")] = value
        elif "." not in key:
            form.values[key] = value
    form.outcomes = [
        outcomes[i] for i in sorted(outcomes) if any(v.strip() for v in outcomes[i].values())
    ]
    form.skills = [skills[i] for i in sorted(skills) if not skills[i].blank()]
    form.programmes = [programmes[i] for i in sorted(programmes) if not programmes[i].blank()]
    return form


def form_of(entry: Mapping[str, Any]) -> DesignerForm:
    """A saved entry (its JSON) as the form that edits it."""
    model = CatalogueEntry.model_validate(entry)
    languages = [model.language]
    for _, text in _localized(model):
        languages.extend(tag for tag in text if tag not in languages)
    form = DesignerForm(languages=languages[:MAX_LANGUAGES])
    for text_field in TEXT_FIELDS:
        value = getattr(model, text_field.key)
        if value is not None:
            form.texts[text_field.key] = value.texts()
    form.outcomes = [outcome.texts() for outcome in model.learning_outcomes]
    form.skills = [SkillRow(skill.uri, skill.label.texts()) for skill in model.skills]
    values = form.values
    values["ects"] = _number(model.ects)
    values["workload_hours"] = _number(model.workload_hours)
    values["eqf_level"] = str(model.eqf_level)
    if model.nqf_level:
        values["nqf_framework"] = model.nqf_level.framework
        values["nqf_level"] = model.nqf_level.level
        values["nqf_uri"] = model.nqf_level.uri
    if model.field_of_study:
        code = isced_code_named(model.field_of_study.texts())
        values["field_of_study"] = code or "as-written"
        if code is None:  # written in the JSON page: kept as it is unless changed here
            values["field_of_study_as_written"] = json.dumps(model.field_of_study.texts())
    values["participation"] = model.participation.value
    values["supervision"] = model.supervision.value if model.supervision else ""
    if model.stackability:
        values["integration"] = model.stackability.integration.value
        form.programmes = [
            ProgrammeRow(programme.name.texts(), programme.url or "")
            for programme in model.stackability.stackable_toward
        ]
    if model.grading:
        form.grading_name = model.grading.name.texts()
        values["grading_result_type"] = model.grading.result_type
        values["grading_values"] = ", ".join(model.grading.allowed_values)
        values["grading_required"] = model.grading.required_value or ""
    values["learning_resources"] = "\n".join(model.learning_resources)
    return form


def _localized(model: CatalogueEntry) -> Iterable[tuple[str, dict[str, str]]]:
    for text_field in TEXT_FIELDS:
        value = getattr(model, text_field.key)
        if value is not None:
            yield text_field.key, value.texts()
    for outcome in model.learning_outcomes:
        yield "outcome", outcome.texts()


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")
