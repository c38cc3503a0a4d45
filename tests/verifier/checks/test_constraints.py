"""What an employer may ask for: refused requests are explained field by field in words,
and a report is verified only when every check ran and none failed."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from verifier.checks.constraints import Constraints, constraint_errors
from verifier.checks.report import CHECK_NAMES, Check, Outcome, PresentedCredential, Report

ESCO_SKILL = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"


def errors(**data: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        Constraints.model_validate({"purpose": "Hiring", **data})
    return constraint_errors(caught.value)


def test_a_reasonable_request_is_accepted_with_defaults() -> None:
    constraints = Constraints.model_validate(
        {
            "purpose": "  Hiring   a data analyst ",
            "min_ects_total": "7.5",
            "field_of_study": "0613",
            "required_skills": [ESCO_SKILL, ESCO_SKILL],
            "disclose": ["name"],
        }
    )
    assert constraints.purpose == "Hiring a data analyst"
    assert constraints.formats == ["ldp_vc", "jwt_vc_json"]
    assert constraints.trusted_issuers_only is True
    assert (constraints.min_credentials, constraints.max_credentials) == (1, 5)
    assert constraints.required_skills == [ESCO_SKILL]


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"min_eqf_level": 9}, "min_eqf_level", "The EQF level is a whole number from 1 to 8."),
        ({"min_eqf_level": "high"}, "min_eqf_level", "whole number from 1 to 8"),
        ({"field_of_study": "ICT"}, "field_of_study", "is not an ISCED-F field code"),
        ({"required_skills": ["python"]}, "required_skills", "is not an ESCO skill address"),
        ({"disclose": ["password"]}, "disclose", "cannot be asked for; choose from name"),
        ({"formats": []}, "formats", "Choose at least one credential format."),
        ({"formats": ["mso_mdoc"]}, "formats", "from ldp_vc and jwt_vc_json"),
        ({"min_ects_total": -1}, "min_ects_total", "a number from 0 to 1000"),
        ({"min_ects_total": "1.234"}, "min_ects_total", "at most two decimals"),
        ({"issued_after": "yesterday"}, "issued_after", "a date such as 2025-01-31"),
        ({"purpose": "   "}, "purpose", "why you ask"),
        ({"colour": "blue"}, "colour", "is not something a request can ask for"),
        ({"min_credentials": 3, "max_credentials": 2}, "request", "cannot be fewer than"),
    ],
)
def test_refusals_are_in_words(data: dict[str, Any], field: str, words: str) -> None:
    found = errors(**data)
    assert field in found, found
    assert words in found[field]
    assert "pydantic" not in found[field]
    assert "Input should" not in found[field]


def test_a_missing_purpose_is_asked_for() -> None:
    with pytest.raises(ValidationError) as caught:
        Constraints.model_validate({})
    assert constraint_errors(caught.value) == {
        "purpose": "Say in a few words (at most 500 characters) why you ask; the learner sees it."
    }


def _report(*outcomes: Outcome, credentials: int = 1) -> Report:
    checks = [
        Check(name, Outcome.PASSED, "ok")
        for name in ("response", "presentation_signature", "nonce", "audience", "constraints")
    ]
    for index in range(credentials):
        checks += [
            Check(name, Outcome.PASSED, "ok", index)
            for name in CHECK_NAMES
            if name not in {c.name for c in checks if c.credential is None}
        ]
    for position, outcome in enumerate(outcomes):
        old = checks[position]
        checks[position] = Check(old.name, outcome, "changed", old.credential)
    presented = [
        PresentedCredential(i, "ldp_vc", None, None, False, None, None, "valid")
        for i in range(credentials)
    ]
    return Report(checks, presented, None)


def test_verified_needs_every_check_passed_or_not_applicable() -> None:
    assert _report().verified
    assert _report(Outcome.NOT_APPLICABLE).verified
    assert not _report(Outcome.FAILED).verified
    assert not _report(Outcome.UNKNOWN).verified
    assert [c.outcome for c in _report(Outcome.UNKNOWN).failed()] == [Outcome.UNKNOWN]


def test_verified_needs_a_credential_and_every_check_run() -> None:
    assert not _report(credentials=0).verified
    skipped = _report()
    skipped.checks = [c for c in skipped.checks if c.name != "status"]
    assert not skipped.verified
    assert not Report([], [], None).verified


def test_a_check_has_a_title_and_a_known_name() -> None:
    assert Check("status", Outcome.PASSED, "ok").title == "Not revoked or suspended"
    with pytest.raises(ValueError, match="unknown check"):
        Check("vibes", Outcome.PASSED, "ok")
