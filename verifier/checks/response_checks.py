"""The checks of the answer as a whole: whether it is readable and answers the request
("response"), the claims a DCQL query asked for, and the request's constraints."""

from __future__ import annotations

from typing import Any

from verifier.checks.claims import missing_claims
from verifier.checks.constraints import evaluate
from verifier.checks.expectation import Expectation
from verifier.checks.report import Check, Outcome, PresentedCredential, Report


def response_check(problems: list[str], read_as: str) -> Check:
    if problems:
        return Check("response", Outcome.FAILED, " ".join(dict.fromkeys(problems)))
    return Check("response", Outcome.PASSED, read_as)


def claims_problems(
    expectation: Expectation, answers: str | None, document: dict[str, Any]
) -> list[str]:
    """The claims the DCQL query ``answers`` asked for that the credential lacks."""
    queries = (expectation.dcql_query or {}).get("credentials")
    query = next((q for q in queries or [] if isinstance(q, dict) and q.get("id") == answers), None)
    if answers is None or query is None or not document:
        return []
    missing = missing_claims(query, document)
    if not missing:
        return []
    return [
        f"The credential answering {answers[:40]!r} lacks {', '.join(missing)}, which the "
        "request asked for."
    ]


def constraints_check(expectation: Expectation, credentials: list[PresentedCredential]) -> Check:
    if expectation.constraints is None:
        return Check(
            "constraints", Outcome.NOT_APPLICABLE, "No request was made, so nothing was asked for."
        )
    return evaluate(expectation.constraints, credentials)[0]


def could_not_check() -> Report:
    return Report(
        [Check("response", Outcome.UNKNOWN, "The answer could not be checked; please try again.")],
        [],
        None,
    )
