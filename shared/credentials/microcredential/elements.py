"""The elements of Annex I of the Council Recommendation on micro-credentials (2022/C 243/02),
and where each lives in our models, so that an error can name the element a person knows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Element:
    key: str
    label: str
    mandatory: bool
    # Field paths (in an Award) that carry this element; the longest matching prefix wins.
    paths: tuple[tuple[str, ...], ...]


ELEMENTS: tuple[Element, ...] = (
    Element("learner", "Identification of the learner", True, (("learner",),)),
    Element("title", "Title of the micro-credential", True, (("entry", "title"),)),
    Element(
        "country",
        "Country(ies)/Region(s) of the issuer",
        True,
        (("awarding_body", "country_code"), ("awarding_body", "region")),
    ),
    Element(
        "awarding_body", "Awarding body(ies)", True, (("awarding_body",), ("co_awarding_bodies",))
    ),
    Element("date_of_issue", "Date of issuing", True, (("issued_at",),)),
    Element("learning_outcomes", "Learning outcomes", True, (("entry", "learning_outcomes"),)),
    Element(
        "workload",
        "Notional workload (ECTS)",
        True,
        (("entry", "ects"), ("entry", "workload_hours")),
    ),
    Element("level", "Level (EQF/NQF)", True, (("entry", "eqf_level"), ("entry", "nqf_level"))),
    Element("assessment_type", "Type of assessment", True, (("entry", "assessment_type"),)),
    Element("participation", "Form of participation", True, (("entry", "participation"),)),
    Element(
        "quality_assurance", "Type of quality assurance", True, (("entry", "quality_assurance"),)
    ),
    Element("prerequisites", "Prerequisites", False, (("entry", "prerequisites"),)),
    Element(
        "supervision",
        "Supervision and identity verification during assessment",
        False,
        (("entry", "supervision"),),
    ),
    Element("grade", "Grade achieved", False, (("grade",), ("entry", "grading"))),
    Element(
        "stackability", "Integration/stackability options", False, (("entry", "stackability"),)
    ),
    Element("learning_resources", "Learning resources", False, (("entry", "learning_resources"),)),
    Element("time_period", "Time period of the learning", False, (("activity_period",),)),
    Element(
        "further_information", "Further information", False, (("entry", "further_information"),)
    ),
    Element("skills", "Skills (ESCO)", False, (("entry", "skills"),)),
)

MANDATORY: tuple[Element, ...] = tuple(element for element in ELEMENTS if element.mandatory)
_BY_KEY = {element.key: element for element in ELEMENTS}


def element(key: str) -> Element:
    return _BY_KEY[key]


def element_at(path: tuple[str | int, ...]) -> Element | None:
    """The element a field path belongs to (``("entry", "title", "en")`` → title)."""
    names = tuple(str(part) for part in path)
    best: tuple[int, Element | None] = (0, None)
    for candidate in ELEMENTS:
        for prefix in candidate.paths:
            if names[: len(prefix)] == prefix and len(prefix) > best[0]:
                best = (len(prefix), candidate)
    return best[1]


class ElementValueError(ValueError):
    """A validator's refusal that concerns a whole element rather than the field it sits on.

    Pydantic keeps the exception in the error's context, so the loader can name the element
    even when the check ran on the enclosing model (for example "ECTS or hours, one of them").
    """

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.element = element(key)
