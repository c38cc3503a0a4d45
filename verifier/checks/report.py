"""What the verifier found, check by check, in words a recruiter understands.

A report is stored as JSON (``to_json`` / ``from_json``) and shown by the pages and the API.
It is "verified" only when there is a credential, every check ran, and none failed: a
check that could not run is UNKNOWN, which counts as a failure, never as a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shared.credentials.microcredential.i18n import LocalizedText


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"


CHECK_TITLES: dict[str, str] = {
    "response": "The answer is readable and answers the request",
    "presentation_signature": "Signed by the person presenting",
    "nonce": "Made for this request (not replayed)",
    "audience": "Addressed to this verifier",
    "holder_binding": "Presented by the person it was issued to",
    "credential_signature": "Signed by its issuer and unchanged",
    "trusted_issuer": "Issued by a trusted institution",
    "status": "Not revoked or suspended",
    "validity_dates": "Within its validity dates",
    "credential_shape": "A complete EU micro-credential",
    "constraints": "Meets what the request asked for",
}
CHECK_NAMES: tuple[str, ...] = tuple(CHECK_TITLES)
# Checks made once per presentation response, and once per presented credential.
RESPONSE_CHECKS = ("response", "presentation_signature", "nonce", "audience")
CREDENTIAL_CHECKS = (
    "holder_binding",
    "credential_signature",
    "trusted_issuer",
    "status",
    "validity_dates",
    "credential_shape",
)
GOOD = frozenset({Outcome.PASSED, Outcome.NOT_APPLICABLE})


@dataclass(frozen=True)
class Check:
    name: str  # one of CHECK_NAMES
    outcome: Outcome
    reason: str
    credential: int | None = None  # index into Report.credentials for per-credential checks

    def __post_init__(self) -> None:
        if self.name not in CHECK_TITLES:
            raise ValueError(f"unknown check {self.name!r}")

    @property
    def title(self) -> str:
        return CHECK_TITLES[self.name]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "credential": self.credential,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Check:
        return cls(
            name=str(data["name"]),
            outcome=Outcome(data["outcome"]),
            reason=str(data["reason"]),
            credential=data.get("credential"),
        )


@dataclass
class PresentedCredential:
    index: int
    format: str
    issuer_did: str | None
    issuer_name: LocalizedText | None  # from the trust list only; None = unknown issuer
    trusted: bool
    country: str | None
    accreditation: str | None
    status: str  # valid / revoked / suspended / expired / unknown
    achievement: dict[str, Any] = field(default_factory=dict)  # see verifier.checks.facts
    subject: dict[str, Any] = field(default_factory=dict)  # the learner's disclosed data

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "format": self.format,
            "issuer_did": self.issuer_did,
            "issuer_name": self.issuer_name.texts() if self.issuer_name else None,
            "trusted": self.trusted,
            "country": self.country,
            "accreditation": self.accreditation,
            "status": self.status,
            "achievement": self.achievement,
            "subject": self.subject,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PresentedCredential:
        name = data.get("issuer_name")
        return cls(
            index=int(data["index"]),
            format=str(data["format"]),
            issuer_did=data.get("issuer_did"),
            issuer_name=LocalizedText.model_validate(name) if name else None,
            trusted=bool(data.get("trusted")),
            country=data.get("country"),
            accreditation=data.get("accreditation"),
            status=str(data.get("status", "unknown")),
            achievement=dict(data.get("achievement") or {}),
            subject=dict(data.get("subject") or {}),
        )


@dataclass
class Report:
    checks: list[Check]
    credentials: list[PresentedCredential]
    holder: str | None

    @property
    def verified(self) -> bool:
        """At least one credential, every check ran for each, and none failed."""
        if not self.credentials or not self.checks:
            return False
        if any(check.outcome not in GOOD for check in self.checks):
            return False
        ran = {(check.name, check.credential) for check in self.checks}
        response_ran = all(any(name == n for n, _ in ran) for name in RESPONSE_CHECKS)
        each_ran = all(
            (name, credential.index) in ran
            for credential in self.credentials
            for name in CREDENTIAL_CHECKS
        )
        return response_ran and each_ran and any(n == "constraints" for n, _ in ran)

    def failed(self) -> list[Check]:
        """The checks that failed or could not run."""
        return [check for check in self.checks if check.outcome not in GOOD]

    def for_credential(self, index: int) -> list[Check]:
        return [check for check in self.checks if check.credential == index]

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "holder": self.holder,
            "checks": [check.to_json() for check in self.checks],
            "credentials": [credential.to_json() for credential in self.credentials],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        return cls(
            checks=[Check.from_json(item) for item in data.get("checks", [])],
            credentials=[PresentedCredential.from_json(c) for c in data.get("credentials", [])],
            holder=data.get("holder"),
        )
