"""Every check on what a wallet posted, or on a document someone pasted, as one Report.

Order of work for a wallet's answer (OpenID4VP 1.0 §5 in the spec notes):
1. read the ``vp_token`` (tokens.read_answer): shape, sizes, and whether it answers the
   request ("response");
2. each presentation: its signature by the holder's ``authentication`` key
   ("presentation_signature"), its nonce ("nonce") and audience ("audience");
   presentation_checks;
3. each credential inside: subject = presenter ("holder_binding"), the issuer's signature
   ("credential_signature"), the issuer on the trust list ("trusted_issuer", issuer_trust),
   revocation and suspension ("status", credential_status), dates ("validity_dates",
   dates), OB 3.0 with every mandatory EU element ("credential_shape"); credential_checks.
   The credentials' signatures are checked at the same time as their presentation's
   (each on its own, so neither waits for the other's verdict);
4. what the request asked for ("constraints"; response_checks).

This module only puts those in order. Every applicable check runs and is reported; one that
could not run is UNKNOWN, never PASSED. A wrong nonce anywhere rejects the whole response
(the "response" check fails too). A credential whose signature does not hold is not looked
up any further (trust, status): those checks are UNKNOWN, because nothing in it can be
believed. Dates are checked once ("validity_dates"), so the formats verify signatures with
a window wide enough never to reject on dates themselves.

A ``Verifier`` holds what does not change between answers (the formats, the DID resolver's
remembered did:key documents, the status-list cache): the service builds it once and gives
each unit of work its own trust list with ``with_trust``.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from shared.credentials.formats import credential_formats
from shared.credentials.formats.base import VerificationResult
from shared.credentials.formats.validity import Clock, utc_now
from shared.credentials.formats.vcdm import did_of, issuer_id
from shared.credentials.status_check import StatusCheck
from shared.did.resolver import DIDResolver
from verifier.checks.credential_checks import (
    Presenter,
    credential_signature,
    holder_binding,
    shape_check,
    unreadable_item_checks,
)
from verifier.checks.credential_status import status_check
from verifier.checks.dates import validity_dates
from verifier.checks.expectation import NO_REQUEST, Expectation
from verifier.checks.issuer_trust import IssuerTrust
from verifier.checks.presentation_checks import (
    audience_check,
    binding_of,
    carried_credentials,
    combined,
    is_presentation,
    nonce_check,
    presentation_signature,
)
from verifier.checks.report import Check, Outcome, PresentedCredential, Report
from verifier.checks.response_checks import (
    claims_problems,
    constraints_check,
    could_not_check,
    response_check,
)
from verifier.checks.tokens import (
    MAX_CREDENTIALS,
    Answer,
    Presentation,
    decode,
    format_of,
    read_answer,
)
from verifier.checks.wording import in_words
from verifier.trust.entries import TrustedIssuers

__all__ = ["Expectation", "Verifier"]

log = logging.getLogger(__name__)

# Wide enough that the formats never refuse on dates; "validity_dates" judges them.
_DATES_ELSEWHERE = timedelta(days=365 * 200)
PRESENTATION_CHECKS = ("presentation_signature", "nonce", "audience")
# A credential's format and what checking its signature found.
_Signature = tuple[str, VerificationResult]


@dataclass
class _Found:
    """What checking one answer (or document) has found so far."""

    trust: IssuerTrust
    checks: list[Check] = field(default_factory=list)
    credentials: list[PresentedCredential] = field(default_factory=list)
    holder: str | None = None
    response_problems: list[str] = field(default_factory=list)


@dataclass
class _Presented:
    """One presentation's own checks, and whose it is."""

    own: dict[str, Check]  # presentation_signature, nonce, audience
    presenter: Presenter
    credentials: list[object]  # every credential it carries
    signatures: list[_Signature | None]  # the first ones' signature checks (MAX_CREDENTIALS)
    answers: str | None = None  # the DCQL query id it answers


class Verifier:
    """The checks engine. ``status`` is the shared status-list checker (with its cache) and
    ``resolver`` the DID resolver; both should use the runtime's guarded HTTP client."""

    def __init__(
        self,
        *,
        resolver: DIDResolver,
        status: StatusCheck,
        trust: TrustedIssuers,
        clock: Clock = utc_now,
    ) -> None:
        self._status = status
        self._trust = trust
        self._clock = clock
        self._presentation_formats = credential_formats(resolver, clock=clock)
        self._credential_formats = credential_formats(
            resolver, clock=clock, leeway=_DATES_ELSEWHERE
        )

    def with_trust(self, trust: TrustedIssuers) -> Verifier:
        """The same engine reading another trust list (one unit of work's)."""
        other = copy.copy(self)
        other._trust = trust
        return other

    async def check_response(
        self, vp_token: object, presentation_submission: object | None, expectation: Expectation
    ) -> Report:
        """The report on a wallet's answer to the request ``expectation`` describes."""
        try:
            answer = read_answer(
                vp_token,
                presentation_submission,
                dcql_query=expectation.dcql_query,
                presentation_definition=expectation.presentation_definition,
            )
            return in_words(await self._report(answer, expectation))
        except Exception:  # the last line: a hostile answer must not become a 500
            log.exception("checking a presentation response failed")
            return could_not_check()

    async def check_document(self, document: str | dict[str, Any]) -> Report:
        """The report on a credential or presentation pasted by a person (JSON or JWT)."""
        try:
            return in_words(await self._check_document(document))
        except Exception:
            log.exception("checking a pasted document failed")
            return could_not_check()

    async def _check_document(self, document: object) -> Report:
        value, problem = decode(document, "document")
        kind = format_of(value) if problem is None else None
        if problem or kind is None:
            reason = problem or "The document is neither a JSON credential nor a JWT."
            return Report([Check("response", Outcome.FAILED, reason)], [], None)
        assert isinstance(value, dict | str)
        if is_presentation(value):
            answer = Answer([Presentation(value, kind)])
            return await self._report(answer, NO_REQUEST, read_as="Read as a presentation.")
        found = _Found(IssuerTrust(self._trust))
        found.checks.append(Check("response", Outcome.PASSED, "Read as a single credential."))
        lone = "A credential checked on its own is not part of a presentation: "
        found.checks += [
            Check(
                "presentation_signature",
                Outcome.NOT_APPLICABLE,
                lone + "there is no presenter's signature.",
            ),
            Check("nonce", Outcome.NOT_APPLICABLE, lone + "no request, so no nonce to match."),
            Check(
                "audience", Outcome.NOT_APPLICABLE, lone + "no request, so no audience to match."
            ),
        ]
        verified = await self._credential_signature(value)
        await self._check_credential(found, value, verified, None, NO_REQUEST)
        found.checks.append(constraints_check(NO_REQUEST, found.credentials))
        return Report(found.checks, found.credentials, None)

    async def _report(
        self,
        answer: Answer,
        expectation: Expectation,
        read_as: str = "The answer is readable and answers the request.",
    ) -> Report:
        found = _Found(IssuerTrust(self._trust), response_problems=list(answer.problems))
        presented: list[_Presented] = []
        room = MAX_CREDENTIALS
        for presentation in answer.presentations:
            presented.append(await self._presentation(presentation, expectation, room))
            room -= len(presented[-1].signatures)
        if not presented:
            found.response_problems.append("The answer holds no presentation credstack can read.")
        holders = {p.presenter.holder for p in presented if p.presenter.holder}
        found.holder = next(iter(holders)) if len(holders) == 1 else None
        if len(holders) > 1:
            found.response_problems.append("The presentations come from different holders.")
        if any(p.own["nonce"].outcome is Outcome.FAILED for p in presented):
            found.response_problems.insert(
                0, "A presentation carries the wrong nonce, so the whole answer is rejected."
            )
        for name in PRESENTATION_CHECKS:
            found.checks.append(combined(name, [p.own[name] for p in presented]))
        if sum(len(item.credentials) for item in presented) > MAX_CREDENTIALS:
            found.response_problems.append(
                f"The answer holds more than {MAX_CREDENTIALS} credentials; the rest were not "
                "checked."
            )
        for item in presented:
            if not item.credentials:
                found.response_problems.append("A presentation carries no credential.")
            # zip stops at the credentials that were verified (the first MAX_CREDENTIALS).
            for credential, verified in zip(item.credentials, item.signatures, strict=False):
                document = await self._check_credential(
                    found, credential, verified, item.presenter, expectation
                )
                found.response_problems += claims_problems(expectation, item.answers, document)
        found.checks.insert(0, response_check(found.response_problems, read_as))
        found.checks.append(constraints_check(expectation, found.credentials))
        return Report(found.checks, found.credentials, found.holder)

    async def _presentation(
        self, presentation: Presentation, expectation: Expectation, room: int
    ) -> _Presented:
        """The presentation's own checks, with the signatures of the first ``room``
        credentials it carries verified at the same time: didkit checks each proof on its
        own threads, so a presentation and its credentials take about the time of the
        slowest one, not of all of them one after the other."""
        fmt = self._presentation_formats[presentation.format]
        document = presentation.document
        carried_nonce, carried_audience = binding_of(
            document, presentation.format, presentation.claims
        )
        credentials = carried_credentials(document, presentation.format, presentation.claims)
        result, signatures = await asyncio.gather(
            fmt.verify_presentation(
                document,
                nonce=carried_nonce if isinstance(carried_nonce, str) else "",
                audience=carried_audience if isinstance(carried_audience, str) else "",
            ),
            self._credential_signatures(credentials[:room]),
        )
        signature = presentation_signature(
            result, presentation.format, carried_nonce, carried_audience
        )
        holder = result.document.get("holder")
        holder = holder if isinstance(holder, str) else None
        signer = did_of(result.signer) if result.signer else None
        proven = signature.outcome is Outcome.PASSED and holder is not None and signer == holder
        return _Presented(
            own={
                "presentation_signature": signature,
                "nonce": nonce_check(carried_nonce, expectation.nonce),
                "audience": audience_check(carried_audience, expectation.audience),
            },
            presenter=Presenter(holder, proven),
            credentials=credentials,
            signatures=signatures,
            answers=presentation.answers,
        )

    async def _credential_signatures(self, credentials: list[object]) -> list[_Signature | None]:
        return list(await asyncio.gather(*map(self._credential_signature, credentials)))

    async def _credential_signature(self, signed: object) -> _Signature | None:
        """The credential's format and its signature check; None when it is in none."""
        kind = format_of(signed)
        if kind is None:
            return None
        assert isinstance(signed, dict | str)
        return kind, await self._credential_formats[kind].verify_credential(signed)

    async def _check_credential(
        self,
        found: _Found,
        signed: object,
        verified: _Signature | None,
        presenter: Presenter | None,
        expectation: Expectation,
    ) -> dict[str, Any]:
        """Run the per-credential checks on ``signed``, whose signature check is ``verified``
        (``_credential_signature``); the credential as read (or {})."""
        index = len(found.credentials)
        if verified is None:
            found.credentials.append(
                PresentedCredential(index, "unknown", None, None, False, None, None, "unknown")
            )
            found.checks += unreadable_item_checks(index)
            return {}
        kind, result = verified
        document = result.document
        signature = credential_signature(result, index)
        genuine = signature.outcome is Outcome.PASSED
        issuer = issuer_id(document)
        entry, trusted = await found.trust.check(issuer, genuine, expectation, index)
        status_text, status = await status_check(self._status, document, genuine, index)
        shape, achievement, subject = shape_check(document, index)
        found.credentials.append(
            PresentedCredential(
                index=index,
                format=kind,
                issuer_did=issuer,
                issuer_name=entry.name if entry else None,
                trusted=entry is not None,
                country=entry.country if entry else None,
                accreditation=entry.accreditation if entry else None,
                status=status_text,
                achievement=achievement,
                subject=subject,
            )
        )
        found.checks += [
            holder_binding(document, presenter, index),
            signature,
            trusted,
            status,
            validity_dates(document, self._clock(), index),
            shape,
        ]
        return document
