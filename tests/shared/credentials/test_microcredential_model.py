"""The award refuses a micro-credential that lacks an EU element or holds an impossible value,
and says which element it is."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from shared.credentials.microcredential.catalogue import load_catalogue
from shared.credentials.microcredential.elements import MANDATORY
from shared.credentials.microcredential.model import Award
from shared.credentials.microcredential.validation import (
    InvalidMicroCredential,
    load_award,
    load_catalogue_entry,
)
from shared.errors import InvalidInput
from tests.shared.credentials.test_microcredential_samples import (
    full_award_data,
    minimal_award_data,
)

# Where each mandatory element sits in an award's JSON; deleting it must be refused.
MANDATORY_PATHS: dict[str, tuple[str, ...]] = {
    "Identification of the learner": ("learner",),
    "Title of the micro-credential": ("entry", "title"),
    "Country(ies)/Region(s) of the issuer": ("awarding_body", "country_code"),
    "Awarding body(ies)": ("awarding_body",),
    "Date of issuing": ("issued_at",),
    "Learning outcomes": ("entry", "learning_outcomes"),
    "Notional workload (ECTS)": ("entry", "ects"),
    "Level (EQF/NQF)": ("entry", "eqf_level"),
    "Type of assessment": ("entry", "assessment_type"),
    "Form of participation": ("entry", "participation"),
    "Type of quality assurance": ("entry", "quality_assurance"),
}

ENDS_BEFORE_START = {"start": "2025-05-02", "end": "2025-05-01"}
NOT_AN_ESCO_SKILL = {"uri": "https://example.org/skills/1", "label": {"en": "teamwork"}}


def without(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return data


def with_value(data: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return data


def refusal(data: dict[str, Any]) -> InvalidMicroCredential:
    with pytest.raises(InvalidMicroCredential) as caught:
        load_award(data)
    return caught.value


def test_the_table_covers_every_mandatory_element() -> None:
    """The parametrised test below covers each of the 11 Annex I mandatory elements."""
    assert sorted(MANDATORY_PATHS) == sorted(element.label for element in MANDATORY)
    assert len(MANDATORY) == 11


@pytest.mark.parametrize("label", sorted(MANDATORY_PATHS))
def test_an_award_missing_a_mandatory_element_is_refused_naming_it(label: str) -> None:
    """Leaving out any mandatory element is refused, and the error names that element."""
    error = refusal(without(minimal_award_data(), MANDATORY_PATHS[label]))
    assert error.elements == [label]
    assert label in error.description
    assert isinstance(error, InvalidInput)
    assert error.status_code == 400


@pytest.mark.parametrize(
    ("label", "path", "empty"),
    [
        ("Learning outcomes", ("entry", "learning_outcomes"), []),
        ("Title of the micro-credential", ("entry", "title"), {"en": "  "}),
        ("Identification of the learner", ("learner",), {}),
        ("Type of assessment", ("entry", "assessment_type"), {}),
    ],
)
def test_an_empty_mandatory_element_is_refused_naming_it(
    label: str, path: tuple[str, ...], empty: Any
) -> None:
    """An empty list, a blank text or an empty learner counts as missing."""
    assert refusal(with_value(minimal_award_data(), path, empty)).elements == [label]


@pytest.mark.parametrize(
    ("label", "path", "value"),
    [
        ("Notional workload (ECTS)", ("entry", "ects"), -5),
        ("Notional workload (ECTS)", ("entry", "ects"), 0),
        ("Notional workload (ECTS)", ("entry", "workload_hours"), -1),
        ("Level (EQF/NQF)", ("entry", "eqf_level"), 9),
        ("Level (EQF/NQF)", ("entry", "eqf_level"), 0),
        ("Country(ies)/Region(s) of the issuer", ("awarding_body", "country_code"), "DEU"),
        ("Form of participation", ("entry", "participation"), "by correspondence"),
        ("Date of issuing", ("issued_at",), "2025-03-01T09:00:00"),  # no time zone
        ("Time period of the learning", ("activity_period",), ENDS_BEFORE_START),
        ("Awarding body(ies)", ("awarding_body", "id"), "https://uni.example"),
        ("Skills (ESCO)", ("entry", "skills"), [NOT_AN_ESCO_SKILL]),
    ],
)  # fmt: skip
def test_an_out_of_range_value_is_refused_naming_the_element(
    label: str, path: tuple[str, ...], value: Any
) -> None:
    """Negative or zero ECTS, EQF outside 1–8, an activity that ends before it starts, an
    issuer that is not a DID, a non-ESCO skill… are refused with the element named."""
    assert label in refusal(with_value(minimal_award_data(), path, value)).elements


def test_hours_alone_are_enough_when_the_micro_credential_carries_no_credits() -> None:
    """Notional workload: ECTS where credit-bearing, otherwise a number of hours."""
    data = without(minimal_award_data(), ("entry", "ects"))
    data["entry"]["workload_hours"] = 20
    assert load_award(data).entry.workload_hours == 20


def test_a_grade_outside_the_grading_scheme_is_refused() -> None:
    """A grade must be one of the scheme's allowed values."""
    assert refusal(with_value(full_award_data(), ("grade",), "A+")).elements == ["Grade achieved"]


def test_an_integrated_micro_credential_must_name_what_it_stacks_towards() -> None:
    """Integration/stackability: 'integrated' without a programme is refused."""
    data = with_value(full_award_data(), ("entry", "stackability"), {"integration": "integrated"})
    assert refusal(data).elements == ["Integration/stackability options"]


def test_every_text_starts_with_the_entry_language() -> None:
    """OB 3.0 has one inLanguage per achievement, so every text's default is that language."""
    data = with_value(minimal_award_data(), ("entry", "description"), {"de": "Beschreibung"})
    error = refusal(data)
    assert "description starts with 'de'" in error.description


def test_an_unhashed_name_identifier_is_refused_in_favour_of_learner_name() -> None:
    """The learner's name has one place (learner.name), so parsing gives back the same award."""
    data = with_value(
        minimal_award_data(),
        ("learner",),
        {"identifiers": [{"identity_type": "name", "value": "Alex Example"}]},
    )
    assert refusal(data).elements == ["Identification of the learner"]


def test_all_problems_are_reported_at_once() -> None:
    """A registrar fixing a catalogue entry sees every problem, not one per attempt."""
    data = without(without(minimal_award_data(), ("entry", "title")), ("issued_at",))
    assert refusal(data).elements == ["Title of the micro-credential", "Date of issuing"]


def test_optional_elements_are_kept() -> None:
    """Prerequisites, supervision, grade, stackability, resources, period and further
    information are carried when given."""
    loaded = load_award(full_award_data())
    entry = loaded.entry
    assert entry.prerequisites is not None
    assert entry.supervision is not None
    assert entry.stackability is not None
    assert entry.stackability.stackable_toward
    assert entry.learning_resources
    assert entry.further_information is not None
    assert loaded.grade == "B"
    assert loaded.activity_period is not None


def test_the_json_form_loads_back_to_the_same_award() -> None:
    """An award stored as JSON (texts as {language: text} maps) loads back unchanged."""
    original = load_award(full_award_data())
    stored = original.model_dump(mode="json")
    assert stored["entry"]["title"] == {
        "en": "Data Literacy for Public Administration",
        "de": "Datenkompetenz für die öffentliche Verwaltung",
    }
    assert Award.model_validate(stored) == original


def test_timestamps_are_normalised_to_utc_seconds() -> None:
    """The credential carries whole seconds in UTC, so the model does too."""
    data = with_value(minimal_award_data(), ("issued_at",), "2025-03-01T10:00:00.250+01:00")
    assert load_award(data).issued_at.isoformat() == "2025-03-01T09:00:00+00:00"


def test_a_catalogue_entry_error_names_the_element_and_entry() -> None:
    """Catalogue files report problems per entry, with the EU element named."""
    entry = minimal_award_data()["entry"]
    with pytest.raises(InvalidMicroCredential) as caught:
        load_catalogue_entry(with_value(entry, ("eqf_level",), 9))
    assert caught.value.elements == ["Level (EQF/NQF)"]
    document = json.dumps({"entries": [without(entry, ("title",))]})
    with pytest.raises(InvalidMicroCredential) as caught:
        load_catalogue(document)
    assert str(caught.value.problems[0]).startswith(
        "Title of the micro-credential (entries[0].title)"
    )
