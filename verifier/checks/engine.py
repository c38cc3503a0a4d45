"""Every check on what a wallet posted, or on a document someone pasted, as one Report.

Order of work for a wallet's answer (OpenID4VP 1.0 §5 in the spec notes):
1. read the ``vp_token`` (tokens.read_answer): shape, sizes, and whether it answers the
   request ("response");
2. each presentation: its signature by the holder's ``authentication`` key
   ("presentation_signature"), its nonce ("nonce") and audience ("audience");
3. each credential inside: subject = presenter ("holder_binding"), the issuer's signature
   ("credential_signature"), the issuer on the trust list ("trusted_issuer"), revocation and
   suspension ("status"), dates ("validity_dates"), OB 3.0 with every mandatory EU element
   ("credential_shape");
4. what the request asked for ("constraints").

Every applicable check runs and is reported; one that could not run is UNKNOWN, never
PASSED. A wrong nonce anywhere rejects the whole response (the "response" check fails too).

Policy decisions:
- Trusted issuer: an issuer missing from the trust list fails the check ("unknown issuer")
  unless the request says ``trusted_issuers_only=False``; then the check passes, saying the
  issuer is not on the list but the request accepts any issuer. A pasted document (no
  request) is held to the trust list.
- A credential whose signature does not hold is not looked up any further (trust, status):
  those checks are UNKNOWN, because nothing in it can be believed.
- Dates are checked here once ("validity_dates"), so the formats verify signatures with a
  window wide enough never to reject on dates themselves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from shared.credentials.formats import credential_formats
from shared.credentials.formats.base import SignedDocument, VerificationResult
from shared.credentials.formats.validity import (
    DEFAULT_LEEWAY,
    Clock,
    Window,
    credential_window,
    parse_date,
    utc_now,
)
from shared.credentials.formats.vcdm import (
    PRESENTATION_TYPE,
    binding_problems,
    did_of,
    issuer_id,
    shown,
    subject_id,
)
from shared.credentials.microcredential.parse import parse_credential
from shared.credentials.status_check import Status, StatusCheck
from shared.crypto.jose import unverified_claims
from shared.did.resolver import DIDResolver
from shared.errors import CredstackError
from verifier.checks.claims import missing_claims
from verifier.checks.constraints import Constraints, evaluate
from verifier.checks.facts import achievement_facts, subject_facts
from verifier.checks.report import Check, Outcome, PresentedCredential, Report
from verifier.checks.tokens import (
    JWT_VC_JSON,
    MAX_CREDENTIALS,
    Answer,
    Presentation,
    decode,
    format_of,
    read_answer,
)
from verifier.checks.wording import in_words, plain
from verifier.trust.entries import UNKNOWN_ISSUER, TrustedIssuer, TrustedIssuers

log = logging.getLogger(__name__)

# Wide enough that the formats never refuse on dates; "validity_dates" judges them.
_DATES_ELSEWHERE = timedelta(days=365 * 200)
PASSED, FAILED, NA, UNKNOWN = (
    Outcome.PASSED,
    Outcome.FAILED,
    Outcome.NOT_APPLICABLE,
    Outcome.UNKNOWN,
)


@dataclass(frozen=True)
class Expectation:
    """What the stored request expects; None = not applicable (public "verify a file")."""

    nonce: str | None
    audience: str | None  # the full client_id, prefix included (interop note 7)
    constraints: Constraints | None
    dcql_query: dict[str, Any] | None = None
    presentation_definition: dict[str, Any] | None = None


@dataclass
class _Found:
    """What checking the presentations has found so far."""

    checks: list[Check] = field(default_factory=list)
    credentials: list[PresentedCredential] = field(default_factory=list)
    holder: str | None = None
    response_problems: list[str] = field(default_factory=list)
    # The trust list's answer per issuer DID: the credentials of one answer, often all from
    # one university, cost one look-up, not one each.
    trust_entries: dict[str, TrustedIssuer | None] = field(default_factory=dict)


@dataclass
class _Presented:
    """One presentation's own checks, and whose it is."""

    own: dict[str, Check]  # presentation_signature, nonce, audience
    holder: str | None
    holder_proven: bool
    credentials: list[object]
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
            return _could_not_check()

    async def check_document(self, document: str | dict[str, Any]) -> Report:
        """The report on a credential or presentation pasted by a person (JSON or JWT)."""
        try:
            return in_words(await self._check_document(document))
        except Exception:
            log.exception("checking a pasted document failed")
            return _could_not_check()

    async def _check_document(self, document: object) -> Report:
        value, problem = decode(document, "document")
        kind = format_of(value) if problem is None else None
        if problem or kind is None:
            reason = problem or "The document is neither a JSON credential nor a JWT."
            return Report([Check("response", FAILED, reason)], [], None)
        assert isinstance(value, dict | str)
        no_request = Expectation(nonce=None, audience=None, constraints=None)
        if _is_presentation(value):
            answer = Answer([Presentation(value, kind)])
            return await self._report(answer, no_request, read_as="Read as a presentation.")
        found = _Found()
        found.checks.append(Check("response", PASSED, "Read as a single credential."))
        lone = "A credential checked on its own is not part of a presentation: "
        found.checks += [
            Check("presentation_signature", NA, lone + "there is no presenter's signature."),
            Check("nonce", NA, lone + "no request, so no nonce to match."),
            Check("audience", NA, lone + "no request, so no audience to match."),
        ]
        await self._check_credential(found, value, None, no_request)
        found.checks.append(_constraints_check(no_request, found.credentials))
        return Report(found.checks, found.credentials, None)

    async def _report(
        self,
        answer: Answer,
        expectation: Expectation,
        read_as: str = "The answer is readable and answers the request.",
    ) -> Report:
        found = _Found(response_problems=list(answer.problems))
        presented = [await self._presentation(p, expectation) for p in answer.presentations]
        if not presented:
            found.response_problems.append("The answer holds no presentation credstack can read.")
        holders = {p.holder for p in presented if p.holder}
        found.holder = next(iter(holders)) if len(holders) == 1 else None
        if len(holders) > 1:
            found.response_problems.append("The presentations come from different holders.")
        if any(p.own["nonce"].outcome is FAILED for p in presented):
            found.response_problems.insert(
                0, "A presentation carries the wrong nonce, so the whole answer is rejected."
            )
        for name in ("presentation_signature", "nonce", "audience"):
            found.checks.append(_combined(name, [p.own[name] for p in presented]))
        for item in presented:
            if not item.credentials:
                found.response_problems.append("A presentation carries no credential.")
            for credential in item.credentials:
                if len(found.credentials) >= MAX_CREDENTIALS:
                    found.response_problems.append(
                        f"The answer holds more than {MAX_CREDENTIALS} credentials; the rest "
                        "were not checked."
                    )
                    break
                document = await self._check_credential(found, credential, item, expectation)
                found.response_problems += _claims_problems(expectation, item.answers, document)
        found.checks.insert(0, _response_check(found.response_problems, read_as))
        found.checks.append(_constraints_check(expectation, found.credentials))
        return Report(found.checks, found.credentials, found.holder)

    async def _presentation(
        self, presentation: Presentation, expectation: Expectation
    ) -> _Presented:
        fmt = self._presentation_formats[presentation.format]
        document = presentation.document
        carried_nonce, carried_audience = _binding_of(document, presentation.format)
        result = await fmt.verify_presentation(
            document,
            nonce=carried_nonce if isinstance(carried_nonce, str) else "",
            audience=carried_audience if isinstance(carried_audience, str) else "",
        )
        signature = _presentation_signature(
            result, presentation.format, carried_nonce, carried_audience
        )
        holder = result.document.get("holder")
        holder = holder if isinstance(holder, str) else None
        signer = did_of(result.signer) if result.signer else None
        credentials = result.document.get("verifiableCredential")
        if credentials is None:
            credentials = []
        elif not isinstance(credentials, list):
            credentials = [credentials]
        return _Presented(
            own={
                "presentation_signature": signature,
                "nonce": _nonce_check(carried_nonce, expectation.nonce),
                "audience": _audience_check(carried_audience, expectation.audience),
            },
            holder=holder,
            holder_proven=signature.outcome is PASSED and holder is not None and signer == holder,
            credentials=credentials,
            answers=presentation.answers,
        )

    async def _check_credential(
        self,
        found: _Found,
        signed: object,
        presentation: _Presented | None,
        expectation: Expectation,
    ) -> dict[str, Any]:
        """Run the per-credential checks on ``signed``; the credential as read (or {})."""
        index = len(found.credentials)
        kind = format_of(signed)
        if kind is None:
            found.credentials.append(
                PresentedCredential(index, "unknown", None, None, False, None, None, "unknown")
            )
            reason = "This item of the presentation is neither a JSON credential nor a JWT."
            found.checks += [
                Check("holder_binding", UNKNOWN, reason, index),
                Check("credential_signature", FAILED, reason, index),
                Check("trusted_issuer", UNKNOWN, reason, index),
                Check("status", UNKNOWN, reason, index),
                Check("validity_dates", UNKNOWN, reason, index),
                Check("credential_shape", FAILED, reason, index),
            ]
            return {}
        assert isinstance(signed, dict | str)
        result = await self._credential_formats[kind].verify_credential(signed)
        document = result.document
        signature = _credential_signature(result, index)
        genuine = signature.outcome is PASSED
        issuer = issuer_id(document)
        entry, trusted_check = await self._trusted_issuer(
            found, issuer, genuine, expectation, index
        )
        status_text, status_check = await self._status_check(document, genuine, index)
        shape, achievement, subject = _shape(document, index)
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
            _holder_binding(document, presentation, index),
            signature,
            trusted_check,
            status_check,
            self._validity_dates(document, index),
            shape,
        ]
        return document

    async def _trusted_issuer(
        self,
        found: _Found,
        issuer: str | None,
        genuine: bool,
        expectation: Expectation,
        index: int,
    ) -> tuple[TrustedIssuer | None, Check]:
        if not genuine:
            return None, Check(
                "trusted_issuer",
                UNKNOWN,
                "The issuer's signature does not hold, so who issued this credential cannot "
                "be told.",
                index,
            )
        if issuer is None:
            return None, Check("trusted_issuer", FAILED, "The credential names no issuer.", index)
        try:
            if issuer not in found.trust_entries:
                found.trust_entries[issuer] = await self._trust.lookup(issuer)
            entry = found.trust_entries[issuer]
        except CredstackError as error:
            return None, Check(
                "trusted_issuer",
                UNKNOWN,
                f"The trust list could not be read: {error.description}",
                index,
            )
        if entry is not None:
            accredited = f", accredited by {entry.accreditation}" if entry.accreditation else ""
            return entry, Check(
                "trusted_issuer",
                PASSED,
                f"Issued by {entry.name.text} ({entry.country}){accredited}, which is on the "
                "trust list.",
                index,
            )
        constraints = expectation.constraints
        if constraints is not None and not constraints.trusted_issuers_only:
            return None, Check(
                "trusted_issuer",
                PASSED,
                f"The issuer {shown(issuer)} is not on the trust list ({UNKNOWN_ISSUER}), but "
                "this request accepts credentials from any issuer.",
                index,
            )
        return None, Check(
            "trusted_issuer",
            FAILED,
            f"The issuer {shown(issuer)} is not on the trust list: an {UNKNOWN_ISSUER}.",
            index,
        )

    async def _status_check(
        self, document: dict[str, Any], genuine: bool, index: int
    ) -> tuple[str, Check]:
        if not genuine:
            reason = (
                "Not looked up: the issuer's signature does not hold, so the credential's "
                "status entries cannot be believed."
            )
            return Status.UNKNOWN.value, Check("status", UNKNOWN, reason, index)
        try:
            result = await self._status.check(document, look_up_expired=True)
        except CredstackError as error:
            reason = f"The status could not be checked: {error.description}"
            return Status.UNKNOWN.value, Check("status", UNKNOWN, reason, index)
        if result.status in (Status.REVOKED, Status.SUSPENDED):
            outcome = FAILED
        elif result.status is Status.UNKNOWN:
            outcome = UNKNOWN
        elif result.entries == 0:
            outcome = NA
        else:
            outcome = PASSED
        return result.status.value, Check("status", outcome, result.reason, index)

    def _validity_dates(self, document: dict[str, Any], index: int) -> Check:
        """VCDM 1.1 ``issuanceDate``/``expirationDate`` (a JWT's nbf/exp, as the format
        filled them in) and 2.0 ``validFrom``/``validUntil``: the narrowest window holds."""
        stated, problems = credential_window(document)
        starts, more = parse_date(document.get("validFrom"), "validFrom")
        ends, most = parse_date(document.get("validUntil"), "validUntil")
        if starts is not None:  # a 2.0 credential has validFrom instead of issuanceDate
            problems = [p for p in problems if "no issuanceDate" not in p]
        starts_at = [m for m in (stated.not_before, starts) if m is not None]
        ends_at = [m for m in (stated.not_after, ends) if m is not None]
        window = Window(
            not_before=max(starts_at) if starts_at else None,
            not_after=min(ends_at) if ends_at else None,
        )
        problems += more + most + window.problems("credential", self._clock(), DEFAULT_LEEWAY)
        if problems:
            return Check("validity_dates", FAILED, " ".join(problems), index)
        since = window.not_before.date().isoformat() if window.not_before else "its issue"
        until = window.not_after.date().isoformat() if window.not_after else None
        ending = f"until {until}" if until else "with no end date"
        return Check("validity_dates", PASSED, f"Valid from {since}, {ending}.", index)


def _is_presentation(value: dict[str, Any] | str) -> bool:
    if isinstance(value, dict):
        types = value.get("type")
        names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
        return PRESENTATION_TYPE in names
    try:
        return "vp" in unverified_claims(value)
    except CredstackError:
        return False


def _binding_of(document: SignedDocument, kind: str) -> tuple[object, object]:
    """The nonce and audience a presentation carries (LDP: the authentication proof's
    challenge and domain; JWT: the nonce and aud claims), unverified."""
    if kind == JWT_VC_JSON and isinstance(document, str):
        try:
            claims = unverified_claims(document)
        except CredstackError:
            return None, None
        return claims.get("nonce"), claims.get("aud")
    if isinstance(document, dict):
        proofs = document.get("proof")
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            if isinstance(proof, dict) and proof.get("proofPurpose") == "authentication":
                return proof.get("challenge"), proof.get("domain")
    return None, None


def _presentation_signature(
    result: VerificationResult, kind: str, nonce: object, audience: object
) -> Check:
    """The signature alone: the format also compared the nonce and audience (with the values
    the presentation carries); any such complaint belongs to the nonce/audience checks."""
    members = (
        ("nonce claim", "aud claim")
        if kind == JWT_VC_JSON
        else (
            "proof's challenge",
            "proof's domain",
        )
    )
    binding = binding_problems(
        nonce,
        audience,
        nonce=nonce if isinstance(nonce, str) else "",
        audience=audience if isinstance(audience, str) else "",
        members=members,
    )
    remaining = [problem for problem in result.problems if problem not in binding]
    remaining = plain(remaining, "presentation", result.document)
    if result.verified:
        return Check("presentation_signature", PASSED, "The presenter's signature holds.")
    if remaining:
        return Check("presentation_signature", FAILED, " ".join(remaining))
    if kind == JWT_VC_JSON:  # a JWT's signature is checked whatever its claims say
        return Check("presentation_signature", PASSED, "The presenter's signature holds.")
    return Check(
        "presentation_signature",
        UNKNOWN,
        "The presentation's proof has no challenge or domain, so its signature could not "
        "be checked.",
    )


def _without_request(name: str) -> Check:
    return Check(
        name, NA, f"Checked on its own, not as an answer to a request: there is no {name} to match."
    )


def _nonce_check(carried: object, expected: str | None) -> Check:
    if expected is None:
        return _without_request("nonce")
    if carried == expected:
        return Check("nonce", PASSED, "The presentation was made for this request.")
    if carried is None:
        return Check("nonce", FAILED, "The presentation carries no nonce: it may be a replay.")
    return Check(
        "nonce",
        FAILED,
        "The presentation was made for another request (its nonce does not match): it may "
        "be a replay.",
    )


def _audience_check(carried: object, expected: str | None) -> Check:
    if expected is None:
        return _without_request("audience")
    if carried == expected or (isinstance(carried, list) and expected in carried):
        return Check("audience", PASSED, "The presentation is addressed to this verifier.")
    return Check(
        "audience",
        FAILED,
        f"The presentation is addressed to {shown(carried)}, not to this verifier "
        f"({shown(expected)}).",
    )


def _combined(name: str, checks: list[Check]) -> Check:
    """One response-level check from each presentation's: the worst one speaks."""
    if not checks:
        return Check(name, UNKNOWN, "There is no presentation to check.")
    for outcome in (FAILED, UNKNOWN):
        bad = [(n, c) for n, c in enumerate(checks, 1) if c.outcome is outcome]
        if bad:
            prefix = len(checks) > 1
            reason = " ".join(
                f"Presentation {n}: {c.reason}" if prefix else c.reason for n, c in bad
            )
            return Check(name, outcome, reason)
    return checks[0]


def _response_check(problems: list[str], read_as: str) -> Check:
    if problems:
        return Check("response", FAILED, " ".join(dict.fromkeys(problems)))
    return Check("response", PASSED, read_as)


def _claims_problems(
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


def _constraints_check(expectation: Expectation, credentials: list[PresentedCredential]) -> Check:
    if expectation.constraints is None:
        return Check("constraints", NA, "No request was made, so nothing was asked for.")
    return evaluate(expectation.constraints, credentials)[0]


def _credential_signature(result: VerificationResult, index: int) -> Check:
    """The issuer's signature alone: date complaints are the "validity_dates" check's."""
    _, date_problems = credential_window(result.document)
    remaining = [problem for problem in result.problems if problem not in date_problems]
    if result.verified or (result.document and not remaining and result.signer):
        return Check(
            "credential_signature",
            PASSED,
            "The issuer's signature holds: nothing was changed since it was signed.",
            index,
        )
    reason = " ".join(plain(remaining, "credential", result.document))
    return Check(
        "credential_signature",
        FAILED,
        reason or "The issuer's signature could not be checked.",
        index,
    )


def _holder_binding(document: dict[str, Any], presentation: _Presented | None, index: int) -> Check:
    if presentation is None:
        return Check(
            "holder_binding",
            NA,
            "A credential checked on its own is not presented by anyone: there is no "
            "presenter to compare with the person it was issued to.",
            index,
        )
    subject = subject_id(document)
    if subject is None:
        return Check(
            "holder_binding",
            FAILED,
            "The credential names no subject, so it cannot be tied to the presenter.",
            index,
        )
    if presentation.holder != subject:
        return Check(
            "holder_binding",
            FAILED,
            f"The credential was issued to {shown(subject)}, but presented by "
            f"{shown(presentation.holder)}.",
            index,
        )
    if not presentation.holder_proven:
        return Check(
            "holder_binding",
            UNKNOWN,
            "The presentation names the credential's subject as holder, but its signature "
            "does not prove the holder signed it.",
            index,
        )
    return Check(
        "holder_binding",
        PASSED,
        "Presented by the person it was issued to (their key signed the presentation).",
        index,
    )


def _shape(document: dict[str, Any], index: int) -> tuple[Check, dict[str, Any], dict[str, Any]]:
    try:
        view = parse_credential(document)
    except CredstackError as error:
        return Check("credential_shape", FAILED, error.description, index), {}, {}
    achievement, subject = achievement_facts(view), subject_facts(view)
    missing = achievement["missing_elements"]
    if missing:
        reason = (
            "An Open Badges 3.0 credential, but these mandatory EU micro-credential elements "
            f"are missing or unusable: {'; '.join(missing)}."
        )
        return Check("credential_shape", FAILED, reason, index), achievement, subject
    return (
        Check(
            "credential_shape",
            PASSED,
            "An Open Badges 3.0 micro-credential with every mandatory EU element.",
            index,
        ),
        achievement,
        subject,
    )


def _could_not_check() -> Report:
    return Report(
        [Check("response", UNKNOWN, "The answer could not be checked; please try again.")],
        [],
        None,
    )
