"""The designer's fields: which texts a micro-credential has, how long each may be, and
what the form calls them. Every limit here is stated on the form and checked on the server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError

from shared.credentials.microcredential.elements import element

MAX_LANGUAGES = 8
MAX_OUTCOMES = 30
MAX_SKILLS = 30
MAX_PROGRAMMES = 10
BLANK_ROWS = 2  # offered below the filled rows, so that a row can be added without script
MORE_ROWS = 3  # what "add more rows" adds
URI_LENGTH = 500
LANGUAGE_TAG_LENGTH = 35
GRADE_LENGTH = 50
GRADES_LENGTH = 500
NUMBER_LENGTH = 12
RESOURCES_LENGTH = 5000
# Open Badges result types a registrar is likely to pick, in words; the others by name.
RESULT_TYPE_WORDS = {
    "LetterGrade": "Letter grade (A, B, C …)",
    "Result": "Pass or fail",
    "Percent": "Percentage",
    "ScaledScore": "Score on a scale",
    "PerformanceLevel": "Performance level",
    "GradePointAverage": "Grade point average",
}
URI_PATTERN = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]+$")


@dataclass(frozen=True)
class TextField:
    """A text written once per language (a ``LocalizedText`` of the entry)."""

    key: str  # the entry's member
    label: str
    max_length: int
    required: bool
    multiline: bool
    hint: str = ""


TEXT_FIELDS = (
    TextField("title", element("title").label, 200, True, False),
    TextField("description", "Description", 2000, True, True, "What the learner does and learns."),
    TextField(
        "assessment_type",
        element("assessment_type").label,
        500,
        True,
        True,
        "For example: a written project graded by two examiners.",
    ),
    TextField(
        "quality_assurance",
        element("quality_assurance").label,
        500,
        True,
        True,
        "For example: internal quality assurance under the university's accredited system.",
    ),
    TextField(
        "prerequisites",
        element("prerequisites").label,
        1000,
        False,
        True,
        "What a learner needs before enrolling.",
    ),
    TextField("further_information", element("further_information").label, 2000, False, True),
)
TEXTS_BY_KEY = {text.key: text for text in TEXT_FIELDS}
OUTCOME_LENGTH = 500
SKILL_LABEL_LENGTH = 200
PROGRAMME_LENGTH = 200
GRADING_NAME_LENGTH = 100
NQF_LENGTHS = {"nqf_framework": 200, "nqf_level": 50, "nqf_uri": URI_LENGTH}
# Single-value inputs that are free text, with their limits (the rest are choices).
SINGLE_LENGTHS = {
    "ects": NUMBER_LENGTH,
    "workload_hours": NUMBER_LENGTH,
    **NQF_LENGTHS,
    "grading_values": GRADES_LENGTH,
    "grading_required": GRADE_LENGTH,
    "learning_resources": RESOURCES_LENGTH,
    "new_language": LANGUAGE_TAG_LENGTH,
}
SINGLE_LABELS = {
    "ects": "ECTS credits",
    "workload_hours": "Hours of learning",
    "nqf_framework": "National framework",
    "nqf_level": "Level in that framework",
    "nqf_uri": "Web address of that level",
    "grading_values": "Grades",
    "grading_required": "Grade needed to pass",
    "learning_resources": element("learning_resources").label,
    "new_language": "Language to add",
}


def in_sentence(label: str) -> str:
    """A label inside a sentence: ``Title of …`` → ``title of …``, ``ECTS credits`` kept."""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


@cache
def language_name(tag: str) -> str:
    """``de`` → ``German``; the tag itself when Babel does not know it."""
    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name("en")
    except (UnknownLocaleError, ValueError, TypeError):
        return tag
    return name[:1].upper() + name[1:] if name else tag
