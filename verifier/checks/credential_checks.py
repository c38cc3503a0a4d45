"""The checks of one credential that need nothing but the credential (and who presented it):
the issuer's signature, the holder binding, the OB 3.0 shape; and the checks of an item
that is no credential at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.credentials.formats.base import VerificationResult
from shared.credentials.formats.validity import credential_window
from shared.credentials.formats.vcdm import shown, subject_id
from shared.credentials.microcredential.parse import parse_credential
from shared.errors import CredstackError
from verifier.checks.facts import achievement_facts, subject_facts
from verifier.checks.report import Check, Outcome
from verifier.checks.wording import plain


@dataclass(frozen=True)
class Presenter:
    """Who presented a credential: the presentation's holder, and whether its signature
    proves that holder signed it."""

    holder: str | None
    proven: bool


def unreadable_item_checks(index: int) -> list[Check]:
    """Every per-credential check of an item that is neither a JSON credential nor a JWT."""
    reason = "This item of the presentation is neither a JSON credential nor a JWT."
    return [
        Check("holder_binding", Outcome.UNKNOWN, reason, index),
        Check("credential_signature", Outcome.FAILED, reason, index),
        Check("trusted_issuer", Outcome.UNKNOWN, reason, index),
        Check("status", Outcome.UNKNOWN, reason, index),
        Check("validity_dates", Outcome.UNKNOWN, reason, index),
        Check("credential_shape", Outcome.FAILED, reason, index),
    ]


def credential_signature(result: VerificationResult, index: int) -> Check:
    """The issuer's signature alone: date complaints are the "validity_dates" check's."""
    _, date_problems = credential_window(result.document)
    remaining = [problem for problem in result.problems if problem not in date_problems]
    if result.verified or (result.document and not remaining and result.signer):
        return Check(
            "credential_signature",
            Outcome.PASSED,
            "The issuer's signature holds: nothing was changed since it was signed.",
            index,
        )
    reason = " ".join(plain(remaining, "credential", result.document))
    return Check(
        "credential_signature",
        Outcome.FAILED,
        reason or "The issuer's signature could not be checked.",
        index,
    )


def holder_binding(document: dict[str, Any], presenter: Presenter | None, index: int) -> Check:
    if presenter is None:
        return Check(
            "holder_binding",
            Outcome.NOT_APPLICABLE,
            "A credential checked on its own is not presented by anyone: there is no "
            "presenter to compare with the person it was issued to.",
            index,
        )
    subject = subject_id(document)
    if subject is None:
        return Check(
            "holder_binding",
            Outcome.FAILED,
            "The credential names no subject, so it cannot be tied to the presenter.",
            index,
        )
    if presenter.holder != subject:
        return Check(
            "holder_binding",
            Outcome.FAILED,
            f"The credential was issued to {shown(subject)}, but presented by "
            f"{shown(presenter.holder)}.",
            index,
        )
    if not presenter.proven:
        return Check(
            "holder_binding",
            Outcome.UNKNOWN,
            "The presentation names the credential's subject as holder, but its signature "
            "does not prove the holder signed it.",
            index,
        )
    return Check(
        "holder_binding",
        Outcome.PASSED,
        "Presented by the person it was issued to (their key signed the presentation).",
        index,
    )


def shape_check(
    document: dict[str, Any], index: int
) -> tuple[Check, dict[str, Any], dict[str, Any]]:
    """OB 3.0 with every mandatory EU element; and the achievement's and subject's facts."""
    try:
        view = parse_credential(document)
    except CredstackError as error:
        return Check("credential_shape", Outcome.FAILED, error.description, index), {}, {}
    achievement, subject = achievement_facts(view), subject_facts(view)
    missing = achievement["missing_elements"]
    if missing:
        reason = (
            "An Open Badges 3.0 credential, but these mandatory EU micro-credential elements "
            f"are missing or unusable: {'; '.join(missing)}."
        )
        return Check("credential_shape", Outcome.FAILED, reason, index), achievement, subject
    passed = Check(
        "credential_shape",
        Outcome.PASSED,
        "An Open Badges 3.0 micro-credential with every mandatory EU element.",
        index,
    )
    return passed, achievement, subject
