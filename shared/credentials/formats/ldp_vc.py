"""``ldp_vc``: credentials and presentations with a Linked Data proof, signed and checked by didkit.

Proof suites (didkit 0.3.3 has no DataIntegrityProof): Ed25519 keys sign with
``Ed25519Signature2020``, P-256 keys with ``JsonWebSignature2020``. The suite's context goes
into the document's own ``@context`` before signing; didkit would otherwise put it inside
``proof`` only, and the Digital Bazaar verifier then finds no proof it can use (interop
note 1).

Verification runs didkit with the expected proof purpose (and, for a presentation, the
expected challenge and domain), then checks here what didkit's report does not say
plainly: that the proof is by the issuer (or holder) the document names, that the nonce
and audience match, and that the credential is inside its validity window.

didkit fetches did:web documents itself, outside our private-network guard. So when the
signer is a did:web, its document is first fetched through the given resolver (whose client
carries the guard): a host that resolves to a private address is refused before didkit
goes near it. (didkit then resolves the name again, so a DNS answer that changes between
the two fetches is not covered.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from shared.credentials.formats.base import SignedDocument, VerificationResult
from shared.credentials.formats.validity import DEFAULT_LEEWAY, Clock, credential_window, utc_now
from shared.credentials.formats.vcdm import (
    CREDENTIAL_TYPE,
    PRESENTATION_TYPE,
    binding_problems,
    issuer_id,
    require_signer_is,
    signer_problems,
    type_problems,
)
from shared.crypto import didkit_bridge
from shared.crypto.keys import KeyAlgorithm, SigningKey
from shared.did.resolver import DIDResolver
from shared.errors import CredstackError

ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
JWS_2020_CONTEXT = "https://w3id.org/security/suites/jws-2020/v1"
ASSERTION_METHOD = "assertionMethod"
AUTHENTICATION = "authentication"

# didkit's report says this when no proof passes its filters (purpose, challenge, domain,
# a key the issuer's or holder's DID document lists for that purpose).
_NO_APPLICABLE_PROOF = "No applicable proof"


NO_REPORT: dict[str, Any] = {"checks": [], "warnings": [], "errors": []}


@dataclass(frozen=True)
class ProofSuite:
    type: str
    context: str


SUITES = {
    KeyAlgorithm.ED25519: ProofSuite("Ed25519Signature2020", ED25519_2020_CONTEXT),
    KeyAlgorithm.P256: ProofSuite("JsonWebSignature2020", JWS_2020_CONTEXT),
}


class LdpVc:
    name = "ldp_vc"

    def __init__(
        self,
        resolver: DIDResolver | None = None,
        *,
        clock: Clock = utc_now,
        leeway: timedelta = DEFAULT_LEEWAY,
    ) -> None:
        self._resolver = resolver
        self._clock = clock
        self._leeway = leeway

    async def _unsafe_signer(self, proof: dict[str, Any] | None) -> str | None:
        """Why the signer's did:web must not be fetched by didkit, or None when it may."""
        method = _verification_method(proof)
        did = method.split("#", 1)[0] if method else ""
        if self._resolver is None or not did.startswith("did:web:"):
            return None
        try:
            await self._resolver.resolve(did)
        except CredstackError as exc:
            return f"The signer's DID document could not be fetched safely: {exc.description}"
        return None

    async def sign_credential(self, credential: dict[str, Any], key: SigningKey) -> dict[str, Any]:
        require_signer_is(issuer_id(credential), key, "issuer")
        suite = SUITES[key.key.algorithm]
        signed = await didkit_bridge.issue_credential(
            _with_context(credential, suite.context),
            _options(key, suite, ASSERTION_METHOD),
            key.key,
        )
        return _as_object(signed)

    async def sign_presentation(
        self, presentation: dict[str, Any], key: SigningKey, *, nonce: str, audience: str
    ) -> dict[str, Any]:
        """Sign a presentation; a missing ``holder`` becomes the key's DID, so that the
        verifier can tell whose presentation it is."""
        holder = presentation.get("holder", key.did)
        require_signer_is(holder if isinstance(holder, str) else None, key, "holder")
        suite = SUITES[key.key.algorithm]
        options = {**_options(key, suite, AUTHENTICATION), "challenge": nonce, "domain": audience}
        document = _with_context({**presentation, "holder": holder}, suite.context)
        signed = await didkit_bridge.issue_presentation(document, options, key.key)
        return _as_object(signed)

    async def verify_credential(self, signed: SignedDocument) -> VerificationResult:
        if not isinstance(signed, dict):
            return _unreadable("credential")
        proof = _proof_with_purpose(signed, ASSERTION_METHOD)
        binding = _proof_problems(proof, ASSERTION_METHOD)
        binding += signer_problems("issuer", issuer_id(signed), _verification_method(proof))
        window, date_problems = credential_window(signed)
        date_problems += window.problems("credential", self._clock(), self._leeway)
        unsafe = await self._unsafe_signer(proof)
        if unsafe:
            return _result(signed, [unsafe, *binding, *date_problems], NO_REPORT, proof)
        report = await didkit_bridge.verify_credential(
            json.dumps(signed), {"proofPurpose": ASSERTION_METHOD}
        )
        problems = type_problems(signed, CREDENTIAL_TYPE) + _report_problems(report, binding)
        return _result(signed, problems + binding + date_problems, report, proof)

    async def verify_presentation(
        self, signed: SignedDocument, *, nonce: str, audience: str
    ) -> VerificationResult:
        """Check the presentation's own proof only; each embedded credential is verified on
        its own by the caller."""
        if not isinstance(signed, dict):
            return _unreadable("presentation")
        proof = _proof_with_purpose(signed, AUTHENTICATION)
        binding = _proof_problems(proof, AUTHENTICATION)
        if proof is not None:
            binding += binding_problems(
                proof.get("challenge"),
                proof.get("domain"),
                nonce=nonce,
                audience=audience,
                members=("proof's challenge", "proof's domain"),
            )
        holder = signed.get("holder")
        if holder is not None:
            binding += signer_problems(
                "holder", holder if isinstance(holder, str) else None, _verification_method(proof)
            )
        unsafe = await self._unsafe_signer(proof)
        if unsafe:
            return _result(signed, [unsafe, *binding], NO_REPORT, proof)
        options = {"proofPurpose": AUTHENTICATION, "challenge": nonce, "domain": audience}
        report = await didkit_bridge.verify_presentation(json.dumps(signed), options)
        problems = type_problems(signed, PRESENTATION_TYPE) + _report_problems(report, binding)
        return _result(signed, problems + binding, report, proof)


def _with_context(document: dict[str, Any], suite_context: str) -> dict[str, Any]:
    """A copy of ``document`` whose ``@context`` ends with the suite's context."""
    context = document.get("@context", [])
    contexts = [context] if isinstance(context, str | dict) else list(context)
    if suite_context not in contexts:
        contexts.append(suite_context)
    return {**document, "@context": contexts}


def _options(key: SigningKey, suite: ProofSuite, purpose: str) -> dict[str, Any]:
    return {
        "proofPurpose": purpose,
        "verificationMethod": key.verification_method,
        "type": suite.type,
    }


def _as_object(signed: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(signed)
    return document


def _proofs(document: dict[str, Any]) -> list[dict[str, Any]]:
    proof = document.get("proof")
    proofs = proof if isinstance(proof, list) else [proof]
    return [item for item in proofs if isinstance(item, dict)]


def _proof_with_purpose(document: dict[str, Any], purpose: str) -> dict[str, Any] | None:
    return next((p for p in _proofs(document) if p.get("proofPurpose") == purpose), None)


def _verification_method(proof: dict[str, Any] | None) -> str | None:
    method = proof.get("verificationMethod") if proof is not None else None
    return method if isinstance(method, str) else None


def _proof_problems(proof: dict[str, Any] | None, purpose: str) -> list[str]:
    if proof is None:
        return [f"The document has no proof with proofPurpose {purpose}."]
    if _verification_method(proof) is None:
        return ["The proof names no verificationMethod."]
    return []


def _report_problems(report: dict[str, Any], binding: list[str]) -> list[str]:
    """didkit's errors, worded for a person. Its generic "No applicable proof" is left out
    when the binding checks here already say which expectation failed."""
    problems = []
    for error in report.get("errors", []):
        text = str(error)
        if text == _NO_APPLICABLE_PROOF:
            if binding:
                continue
            text = (
                "No proof matches: none has the expected purpose, challenge and domain and "
                "a key that the signer's DID document lists for that purpose."
            )
        elif text.startswith("signature error"):
            text = f"The signature does not match the document ({text})."
        elif "Expansion failed" in text:
            text = f"The document uses a term that its @context does not define ({text})."
        problems.append(text)
    return problems


def _result(
    document: dict[str, Any],
    problems: list[str],
    report: dict[str, Any],
    proof: dict[str, Any] | None,
) -> VerificationResult:
    verified = not problems and "proof" in report.get("checks", [])
    if not verified and not problems:
        problems = ["didkit did not check any proof."]
    return VerificationResult(
        verified=verified, document=document, problems=problems, signer=_verification_method(proof)
    )


def _unreadable(what: str) -> VerificationResult:
    return VerificationResult(
        verified=False, document={}, problems=[f"An ldp_vc {what} is a JSON object."]
    )
