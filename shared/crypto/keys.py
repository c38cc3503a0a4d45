"""Asymmetric keys (Ed25519, P-256) as JWKs, with the private half kept out of sight.

A ``PrivateKey`` never prints its private members: ``repr`` shows the algorithm and the
public thumbprint, and only code in shared.crypto asks for ``private_jwk_json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from jwcrypto import jwk

from shared.errors import CryptoError


class KeyAlgorithm(StrEnum):
    ED25519 = "Ed25519"
    P256 = "P-256"

    @property
    def jose_alg(self) -> str:
        return _JOSE_ALG[self]

    @classmethod
    def from_jwk(cls, public_jwk: dict[str, str]) -> KeyAlgorithm:
        kty, crv = public_jwk.get("kty"), public_jwk.get("crv")
        if kty == "OKP" and crv == "Ed25519":
            return cls.ED25519
        if kty == "EC" and crv == "P-256":
            return cls.P256
        raise CryptoError(f"Unsupported key type {kty}/{crv}: use Ed25519 or P-256.")

    @classmethod
    def from_jose_alg(cls, alg: str) -> KeyAlgorithm:
        for algorithm, name in _JOSE_ALG.items():
            if name == alg:
                return algorithm
        raise CryptoError(f"Unsupported JOSE algorithm {alg!r}: use EdDSA or ES256.")


_JOSE_ALG = {KeyAlgorithm.ED25519: "EdDSA", KeyAlgorithm.P256: "ES256"}
PUBLIC_MEMBERS = {
    KeyAlgorithm.ED25519: ("kty", "crv", "x"),
    KeyAlgorithm.P256: ("kty", "crv", "x", "y"),
}


@dataclass(frozen=True, repr=False)
class PrivateKey:
    algorithm: KeyAlgorithm
    _jwk_json: str = field(compare=False)

    def public_jwk(self) -> dict[str, str]:
        """The public members only, in the order a JWK thumbprint uses."""
        private = json.loads(self._jwk_json)
        return {name: private[name] for name in PUBLIC_MEMBERS[self.algorithm]}

    def private_jwk_json(self) -> str:
        """The full JWK, private member included: for signing and encryption only."""
        return self._jwk_json

    def thumbprint(self) -> str:
        return str(jwk.JWK(**self.public_jwk()).thumbprint())

    def __repr__(self) -> str:
        return f"PrivateKey({self.algorithm.value}, thumbprint={self.thumbprint()})"

    __str__ = __repr__


def generate_key(algorithm: KeyAlgorithm = KeyAlgorithm.ED25519) -> PrivateKey:
    if algorithm is KeyAlgorithm.ED25519:
        key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    else:
        key = jwk.JWK.generate(kty="EC", crv="P-256")
    return PrivateKey(algorithm, key.export_private())


def private_key_from_jwk(jwk_json: str) -> PrivateKey:
    try:
        data = json.loads(jwk_json)
    except ValueError as exc:
        raise CryptoError("A stored key is not valid JSON.") from exc
    if "d" not in data:
        raise CryptoError("A private key was expected, but the JWK has no private member.")
    return PrivateKey(KeyAlgorithm.from_jwk(data), jwk_json)


@dataclass(frozen=True)
class SigningKey:
    """A private key together with the DID URL that names its public half."""

    key: PrivateKey
    verification_method: str

    @property
    def did(self) -> str:
        return self.verification_method.split("#", 1)[0]

    @property
    def jose_alg(self) -> str:
        return self.key.algorithm.jose_alg
