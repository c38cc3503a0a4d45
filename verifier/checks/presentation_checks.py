"""The checks of a presentation itself: the presenter's signature, its nonce and audience,
and how the checks of several presentations combine into the response's."""

from __future__ import annotations

from typing import Any

from shared.credentials.formats.base import SignedDocument, VerificationResult
from shared.credentials.formats.vcdm import PRESENTATION_TYPE, binding_problems, shown
from shared.crypto.jose import unverified_claims
from shared.errors import CredstackError
from verifier.checks.report import Check, Outcome
from verifier.checks.tokens import JWT_VC_JSON
from verifier.checks.wording import plain


def is_presentation(value: dict[str, Any] | str) -> bool:
    """Whether a pasted document is a presentation (else it is read as a credential)."""
    if isinstance(value, dict):
        types = value.get("type")
        names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
        return PRESENTATION_TYPE in names
    try:
        return "vp" in unverified_claims(value)
    except CredstackError:
        return False


def _jwt_claims(jwt: str, claims: dict[str, Any] | None) -> dict[str, Any]:
    """A JWT presentation's claims, unverified: ``claims`` as already read (so that they are
    not decoded twice), else read now; empty when the JWT cannot be read."""
    if claims is not None:
        return claims
    try:
        return unverified_claims(jwt)
    except CredstackError:
        return {}


def binding_of(
    document: SignedDocument, kind: str, claims: dict[str, Any] | None = None
) -> tuple[object, object]:
    """The nonce and audience a presentation carries (LDP: the authentication proof's
    challenge and domain; JWT: the nonce and aud claims), unverified. ``claims``: a JWT's
    claims as already read."""
    if kind == JWT_VC_JSON and isinstance(document, str):
        read = _jwt_claims(document, claims)
        return read.get("nonce"), read.get("aud")
    if isinstance(document, dict):
        proofs = document.get("proof")
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            if isinstance(proof, dict) and proof.get("proofPurpose") == "authentication":
                return proof.get("challenge"), proof.get("domain")
    return None, None


def carried_credentials(
    document: SignedDocument, kind: str, claims: dict[str, Any] | None = None
) -> list[object]:
    """The credentials a presentation carries (``verifiableCredential``; JWT: in its ``vp``
    claim), read before its signature is checked: each is verified on its own, and whether
    the presentation's signature holds is its own check. ``claims`` as for ``binding_of``."""
    carrier: object = document
    if kind == JWT_VC_JSON and isinstance(document, str):
        carrier = _jwt_claims(document, claims).get("vp")
    if not isinstance(carrier, dict):
        return []
    credentials = carrier.get("verifiableCredential")
    if credentials is None:
        return []
    return credentials if isinstance(credentials, list) else [credentials]


def presentation_signature(
    result: VerificationResult, kind: str, nonce: object, audience: object
) -> Check:
    """The signature alone: the format also compared the nonce and audience (with the values
    the presentation carries); any such complaint belongs to the nonce/audience checks."""
    jwt_members = ("nonce claim", "aud claim")
    members = jwt_members if kind == JWT_VC_JSON else ("proof's challenge", "proof's domain")
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
        return Check("presentation_signature", Outcome.PASSED, "The presenter's signature holds.")
    if remaining:
        return Check("presentation_signature", Outcome.FAILED, " ".join(remaining))
    if kind == JWT_VC_JSON:  # a JWT's signature is checked whatever its claims say
        return Check("presentation_signature", Outcome.PASSED, "The presenter's signature holds.")
    return Check(
        "presentation_signature",
        Outcome.UNKNOWN,
        "The presentation's proof has no challenge or domain, so its signature could not "
        "be checked.",
    )


def without_request(name: str) -> Check:
    return Check(
        name,
        Outcome.NOT_APPLICABLE,
        f"Checked on its own, not as an answer to a request: there is no {name} to match.",
    )


def nonce_check(carried: object, expected: str | None) -> Check:
    if expected is None:
        return without_request("nonce")
    if carried == expected:
        return Check("nonce", Outcome.PASSED, "The presentation was made for this request.")
    if carried is None:
        return Check(
            "nonce", Outcome.FAILED, "The presentation carries no nonce: it may be a replay."
        )
    return Check(
        "nonce",
        Outcome.FAILED,
        "The presentation was made for another request (its nonce does not match): it may "
        "be a replay.",
    )


def audience_check(carried: object, expected: str | None) -> Check:
    if expected is None:
        return without_request("audience")
    if carried == expected or (isinstance(carried, list) and expected in carried):
        return Check("audience", Outcome.PASSED, "The presentation is addressed to this verifier.")
    return Check(
        "audience",
        Outcome.FAILED,
        f"The presentation is addressed to {shown(carried)}, not to this verifier "
        f"({shown(expected)}).",
    )


def combined(name: str, checks: list[Check]) -> Check:
    """One response-level check from each presentation's: the worst one speaks."""
    if not checks:
        return Check(name, Outcome.UNKNOWN, "There is no presentation to check.")
    for outcome in (Outcome.FAILED, Outcome.UNKNOWN):
        bad = [(n, c) for n, c in enumerate(checks, 1) if c.outcome is outcome]
        if bad:
            prefix = len(checks) > 1
            reason = " ".join(
                f"Presentation {n}: {c.reason}" if prefix else c.reason for n, c in bad
            )
            return Check(name, outcome, reason)
    return checks[0]
