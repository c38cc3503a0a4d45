"""The interface every credential format implements.

A format (``ldp_vc``, ``jwt_vc_json``, later ``dc+sd-jwt``) signs and verifies credentials and
presentations. Adding a format means adding one module in this package and naming it in the
registry (the package's ``__init__``); nothing else in the code base changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.crypto.keys import SigningKey
from shared.errors import VerificationFailed

# An ldp_vc credential is a JSON object; a jwt_vc_json credential is a compact JWT string.
SignedDocument = dict[str, Any] | str


@dataclass
class VerificationResult:
    """What verifying a credential or presentation found.

    ``document`` is the credential or presentation as a JSON object (decoded from the JWT
    for JWT formats), so callers read claims the same way whatever the format.
    """

    verified: bool
    document: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    signer: str | None = None  # the DID URL (verification method) that signed it

    def raise_for_problems(self) -> None:
        if not self.verified:
            raise VerificationFailed("; ".join(self.problems) or "verification failed")


class CredentialFormat(Protocol):
    name: str

    async def sign_credential(self, credential: dict[str, Any], key: SigningKey) -> SignedDocument:
        """Sign with ``proofPurpose`` assertionMethod; ``key.verification_method`` names the key."""
        ...

    async def verify_credential(self, signed: SignedDocument) -> VerificationResult: ...

    async def sign_presentation(
        self, presentation: dict[str, Any], key: SigningKey, *, nonce: str, audience: str
    ) -> SignedDocument:
        """Sign with ``proofPurpose`` authentication, bound to ``nonce`` (LDP: challenge)
        and ``audience`` (LDP: domain; JWT: aud)."""
        ...

    async def verify_presentation(
        self, signed: SignedDocument, *, nonce: str, audience: str
    ) -> VerificationResult: ...
