"""``jwt_vc_json``: credentials and presentations as JWTs (VC Data Model 1.1 §6.3).

Credential: the ``vc`` claim holds the credential without its proof; ``iss``, ``sub``,
``jti``, ``nbf`` and ``exp`` repeat its issuer, subject, id, issuanceDate and expirationDate
(``nbf``/``exp`` in whole seconds). Header: ``typ`` JWT, ``alg``, ``kid`` = the
verification method. Signing and checking the JWS is shared.crypto.jose's job.

Presentation: ``iss`` = the holder's DID, ``aud`` = the verifier's full client_id,
``nonce``, ``iat``/``nbf``/``exp`` (ten minutes), ``jti``, and ``vp`` holding the
presentation with its credentials as given (JWT strings or objects).

Verification resolves ``kid`` with the DID resolver, checks the signature and ``nbf``/``exp``
(shared.crypto.jose), that ``kid`` is a key of ``iss``, and that the registered claims agree
with the document they stand for. ``document`` is the credential or presentation rebuilt
from ``vc``/``vp``, with members the claims carry filled in where the object leaves them out.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from shared.credentials.formats.base import SignedDocument, VerificationResult
from shared.credentials.formats.validity import (
    DEFAULT_LEEWAY,
    Clock,
    Window,
    credential_window,
    iso_date,
    numeric_date,
    parse_date,
    parse_numeric_date,
    utc_now,
)
from shared.credentials.formats.vcdm import (
    CREDENTIAL_TYPE,
    PRESENTATION_TYPE,
    binding_problems,
    issuer_id,
    require_signer_is,
    shown,
    signer_problems,
    subject_id,
    type_problems,
)
from shared.crypto import jose
from shared.crypto.keys import SigningKey
from shared.did.resolver import DIDResolver
from shared.errors import CredstackError, InvalidInput

JWT_TYP = "JWT"
# The DID-document relationship the signing key must be listed under, by who signs.
_RELATIONSHIPS = {"issuer": "assertionMethod", "holder": "authentication"}
PRESENTATION_LIFETIME = timedelta(minutes=10)


@dataclass
class _Opened:
    """A JWT's claims with what checking its signature and signer found."""

    claims: dict[str, Any]
    kid: str | None
    problems: list[str]
    issued_at: datetime | None = None


class JwtVcJson:
    name = "jwt_vc_json"

    def __init__(
        self, resolver: DIDResolver, *, clock: Clock = utc_now, leeway: timedelta = DEFAULT_LEEWAY
    ) -> None:
        self._resolver = resolver
        self._clock = clock
        self._leeway = leeway

    async def sign_credential(self, credential: dict[str, Any], key: SigningKey) -> str:
        require_signer_is(issuer_id(credential), key, "issuer")
        return jose.sign_jwt(_credential_claims(credential), key, typ=JWT_TYP)

    async def sign_presentation(
        self, presentation: dict[str, Any], key: SigningKey, *, nonce: str, audience: str
    ) -> str:
        if "holder" in presentation:
            holder = presentation["holder"]
            require_signer_is(holder if isinstance(holder, str) else None, key, "holder")
        now = numeric_date(self._clock())
        claims = {
            "iss": key.did,
            "aud": audience,
            "nonce": nonce,
            "iat": now,
            "nbf": now,
            "exp": now + int(PRESENTATION_LIFETIME.total_seconds()),
            "jti": presentation.get("id") or f"urn:uuid:{uuid4()}",
            "vp": _without(presentation, "id", "proof"),
        }
        return jose.sign_jwt(claims, key, typ=JWT_TYP)

    async def verify_credential(self, signed: SignedDocument) -> VerificationResult:
        opened = await self._open(signed, "credential", role="issuer")
        document, problems = _credential_from_claims(opened.claims)
        if document:
            problems += type_problems(document, CREDENTIAL_TYPE)
            stated, date_problems = credential_window(document)
            problems += date_problems
            # nbf and exp, where present, were checked with the signature.
            window = Window(
                not_before=None if "nbf" in opened.claims else stated.not_before,
                not_after=None if "exp" in opened.claims else stated.not_after,
                issued_at=opened.issued_at,
            )
            problems += window.problems("credential", self._clock(), self._leeway)
        return _result(document, opened, problems)

    async def verify_presentation(
        self, signed: SignedDocument, *, nonce: str, audience: str
    ) -> VerificationResult:
        """Check the presentation's own signature and binding; each embedded credential is
        verified on its own by the caller."""
        opened = await self._open(signed, "presentation", role="holder")
        document, problems = _presentation_from_claims(opened.claims)
        if opened.claims:
            problems += binding_problems(
                opened.claims.get("nonce"),
                opened.claims.get("aud"),
                nonce=nonce,
                audience=audience,
                members=("nonce claim", "aud claim"),
            )
        if document:
            problems += type_problems(document, PRESENTATION_TYPE)
            window = Window(issued_at=opened.issued_at)
            problems += window.problems("presentation", self._clock(), self._leeway)
        return _result(document, opened, problems)

    async def _open(self, signed: SignedDocument, what: str, *, role: str) -> _Opened:
        """Decode, resolve ``kid``, verify the signature and time claims, and check that
        ``kid`` is a key of the ``iss`` DID (the ``role`` the JWT speaks for)."""
        if not isinstance(signed, str):
            return _Opened({}, None, [f"A jwt_vc_json {what} is a compact JWT string."])
        try:
            header, claims = jose.unverified(signed)
        except CredstackError as exc:
            return _Opened({}, None, [exc.description])
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid.startswith("did:"):
            return _Opened(
                claims, None, ["The JWT header names no signing key (kid) as a DID URL."]
            )
        problems = []
        try:
            public_jwk = await self._resolver.public_jwk(kid, relationship=_RELATIONSHIPS[role])
            jose.verify_jwt(
                signed,
                public_jwk,
                expected_typ=None,  # typ is optional for VC-JWTs; vc/vp tell the kinds apart
                now=self._clock().timestamp(),
                leeway_seconds=int(self._leeway.total_seconds()),
            )
        except CredstackError as exc:
            problems.append(exc.description)
        iss = claims.get("iss")
        problems += signer_problems(role, iss if isinstance(iss, str) else None, kid)
        issued_at, time_problems = parse_numeric_date(claims.get("iat"), "iat")
        return _Opened(claims, kid, problems + time_problems, issued_at)


def _credential_claims(credential: dict[str, Any]) -> dict[str, Any]:
    issued, problems = parse_date(credential.get("issuanceDate"), "issuanceDate")
    expires, more = parse_date(credential.get("expirationDate"), "expirationDate")
    if issued is None or problems or more:
        raise InvalidInput(" ".join(problems + more) or "The credential has no issuanceDate.")
    claims: dict[str, Any] = {"iss": issuer_id(credential), "nbf": numeric_date(issued)}
    if (subject := subject_id(credential)) is not None:
        claims["sub"] = subject
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    if expires is not None:
        claims["exp"] = numeric_date(expires)
    claims["vc"] = _without(credential, "proof")
    return claims


def _credential_from_claims(claims: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """VCDM 1.1 §6.3.1: the credential in ``vc``, completed from ``iss``, ``jti``, ``sub``,
    ``nbf`` and ``exp``; a claim that contradicts the member it stands for is a problem."""
    if not claims:
        return {}, []
    vc = claims.get("vc")
    if not isinstance(vc, dict):
        return {}, ["The JWT has no vc claim holding the credential."]
    document = copy.deepcopy(vc)
    iss, jti, sub = claims.get("iss"), claims.get("jti"), claims.get("sub")
    problems = (
        _contradiction("iss", iss, "issuer", issuer_id(document))
        + _contradiction("jti", jti, "id", document.get("id"))
        + _contradiction("sub", sub, "credentialSubject id", subject_id(document))
    )
    _fill(document, "issuer", iss)
    _fill(document, "id", jti)
    subject = document.get("credentialSubject")
    if isinstance(subject, dict):
        _fill(subject, "id", sub)
    for claim, member in (("nbf", "issuanceDate"), ("exp", "expirationDate")):
        moment, _ = parse_numeric_date(claims.get(claim), claim)  # a bad value failed verify_jwt
        if moment is not None:
            _fill(document, member, iso_date(moment))
    return document, problems


def _presentation_from_claims(claims: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The presentation in ``vp``, its holder and id completed from ``iss`` and ``jti``."""
    if not claims:
        return {}, []
    vp = claims.get("vp")
    if not isinstance(vp, dict):
        return {}, ["The JWT has no vp claim holding the presentation."]
    document = copy.deepcopy(vp)
    iss, jti = claims.get("iss"), claims.get("jti")
    problems = _contradiction("iss", iss, "holder", document.get("holder")) + _contradiction(
        "jti", jti, "id", document.get("id")
    )
    _fill(document, "holder", iss)
    _fill(document, "id", jti)
    return document, problems


def _contradiction(claim: str, value: object, member: str, current: object) -> list[str]:
    if value is None or current is None or value == current:
        return []
    return [
        f"The {claim} claim {shown(value)} contradicts the document's {member} {shown(current)}."
    ]


def _fill(document: dict[str, Any], member: str, value: object) -> None:
    if member not in document and isinstance(value, str):
        document[member] = value


def _without(document: dict[str, Any], *members: str) -> dict[str, Any]:
    return {name: value for name, value in document.items() if name not in members}


def _result(document: dict[str, Any], opened: _Opened, problems: list[str]) -> VerificationResult:
    everything = opened.problems + problems
    if not document and not everything:
        everything = ["The JWT carries no credential or presentation."]
    return VerificationResult(
        verified=not everything, document=document, problems=everything, signer=opened.kid
    )
