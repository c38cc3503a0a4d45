"""The "trusted_issuer" check, asking the trust list once per issuer for one answer.

Policy: an issuer missing from the trust list fails the check ("unknown issuer") unless the
request says ``trusted_issuers_only=False``; then the check passes, saying the issuer is not
on the list but the request accepts any issuer. A pasted document (no request) is held to
the trust list. A new answer asks again, so a university removed from the list is refused
at once.
"""

from __future__ import annotations

from shared.credentials.formats.vcdm import shown
from shared.errors import CredstackError
from verifier.checks.expectation import Expectation
from verifier.checks.report import Check, Outcome
from verifier.trust.entries import UNKNOWN_ISSUER, TrustedIssuer, TrustedIssuers


class IssuerTrust:
    """The trust list's answers for one answer or document: the credentials of one answer,
    often all from one university, cost one look-up, not one each."""

    def __init__(self, trust: TrustedIssuers) -> None:
        self._trust = trust
        self._entries: dict[str, TrustedIssuer | None] = {}

    async def check(
        self, issuer: str | None, genuine: bool, expectation: Expectation, index: int
    ) -> tuple[TrustedIssuer | None, Check]:
        if not genuine:
            return None, Check(
                "trusted_issuer",
                Outcome.UNKNOWN,
                "The issuer's signature does not hold, so who issued this credential cannot "
                "be told.",
                index,
            )
        if issuer is None:
            return None, Check(
                "trusted_issuer", Outcome.FAILED, "The credential names no issuer.", index
            )
        try:
            if issuer not in self._entries:
                self._entries[issuer] = await self._trust.lookup(issuer)
            entry = self._entries[issuer]
        except CredstackError as error:
            return None, Check(
                "trusted_issuer",
                Outcome.UNKNOWN,
                f"The trust list could not be read: {error.description}",
                index,
            )
        if entry is not None:
            accredited = f", accredited by {entry.accreditation}" if entry.accreditation else ""
            return entry, Check(
                "trusted_issuer",
                Outcome.PASSED,
                f"Issued by {entry.name.text} ({entry.country}){accredited}, which is on the "
                "trust list.",
                index,
            )
        constraints = expectation.constraints
        if constraints is not None and not constraints.trusted_issuers_only:
            return None, Check(
                "trusted_issuer",
                Outcome.PASSED,
                f"The issuer {shown(issuer)} is not on the trust list ({UNKNOWN_ISSUER}), but "
                "this request accepts credentials from any issuer.",
                index,
            )
        return None, Check(
            "trusted_issuer",
            Outcome.FAILED,
            f"The issuer {shown(issuer)} is not on the trust list: an {UNKNOWN_ISSUER}.",
            index,
        )
