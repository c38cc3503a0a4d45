"""Key proofs of the ``jwt`` proof type (OpenID4VCI 1.0 §8.2.1.1, Appendix F.1).

A proof shows that the wallet controls the key the credential will be bound to. Checked
here (security checklist A.5): ``typ`` is ``openid4vci-proof+jwt``; ``alg`` is EdDSA or
ES256; the header names the key by exactly one of ``kid`` (a did:key or did:jwk DID URL) or
``jwk`` (a public key), and ``x5c`` is not supported; the signature verifies with that key;
``aud`` is our issuer identifier, exactly; ``iat`` is within the allowed window; a ``nonce``
is present. Whether the nonce is live and unused is the caller's to decide: that is a
database question.

The holder is whoever the verified key says: the DID of the ``kid``, or the did:jwk of the
``jwk``. Nothing in the request body can name a different subject.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from issuer.oid4vci.configurations import PROOF_JWT_TYP, PROOF_SIGNING_ALGS
from issuer.oid4vci.errors import INVALID_PROOF
from shared.crypto import jose
from shared.crypto.public_keys import checked_public_jwk
from shared.did.document import AUTHENTICATION
from shared.did.jwk import did_jwk_from_jwk
from shared.did.resolver import DIDResolver
from shared.errors import CredstackError, ProtocolError

# DID methods a ``kid`` may use: both resolve locally, so checking a proof never makes the
# issuer fetch a URL the wallet chose.
KID_METHODS = ("did:key:", "did:jwk:")
_KEY_MEMBERS = ("kid", "jwk", "x5c")


@dataclass(frozen=True)
class KeyProof:
    holder_did: str
    nonce: str


def invalid_proof(description: str) -> ProtocolError:
    return ProtocolError(description, code=INVALID_PROOF)


class KeyProofs:
    def __init__(
        self,
        resolver: DIDResolver,
        *,
        audience: str,
        max_age_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._resolver = resolver
        self._audience = audience
        self._max_age = max_age_seconds
        self._clock = clock

    async def verify(self, proof_jwt: Any) -> KeyProof:
        """The holder and nonce of a valid proof; ``invalid_proof`` naming the first problem."""
        if not isinstance(proof_jwt, str):
            raise invalid_proof("A jwt proof is a compact JWS string.")
        try:
            header = jose.unverified_header(proof_jwt)
            public_jwk, holder_did = await self._signer(header)
            _, claims = jose.verify_jwt(
                proof_jwt,
                public_jwk,
                allowed_algs=PROOF_SIGNING_ALGS,
                expected_typ=PROOF_JWT_TYP,
            )
        except CredstackError as exc:  # malformed, unknown key, bad signature, wrong typ/alg
            if isinstance(exc, ProtocolError):
                raise
            raise invalid_proof(f"The proof was refused: {exc.description}") from None
        self._check_claims(claims)
        return KeyProof(holder_did=holder_did, nonce=claims["nonce"])

    async def _signer(self, header: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The public key the header names, and the holder DID it stands for."""
        named = [member for member in _KEY_MEMBERS if member in header]
        if len(named) != 1:
            raise invalid_proof("The proof header must name its key by exactly one of kid or jwk.")
        if named == ["x5c"]:
            raise invalid_proof("x5c key proofs are not supported; use a kid (DID URL) or jwk.")
        if named == ["jwk"]:
            public_jwk = checked_public_jwk(_json_object(header["jwk"]))
            return public_jwk, did_jwk_from_jwk(public_jwk)
        kid = header["kid"]
        if not isinstance(kid, str) or not kid.startswith(KID_METHODS):
            raise invalid_proof("The proof's kid must be a did:key or did:jwk DID URL.")
        public_jwk = await self._resolver.public_jwk(kid, relationship=AUTHENTICATION)
        return public_jwk, kid.split("#", 1)[0]

    def _check_claims(self, claims: dict[str, Any]) -> None:
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self._audience not in audiences:
            raise invalid_proof(f"The proof's aud must be this issuer, {self._audience}.")
        issued_at = claims.get("iat")
        if not isinstance(issued_at, int | float) or isinstance(issued_at, bool):
            raise invalid_proof("The proof has no iat.")
        if abs(self._clock() - issued_at) > self._max_age:
            raise invalid_proof(
                f"The proof's iat is more than {self._max_age} seconds away from now."
            )
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            raise invalid_proof("The proof has no nonce; get one from the nonce endpoint.")


def _json_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_proof("The proof's jwk header is not a JSON object.")
    return value
