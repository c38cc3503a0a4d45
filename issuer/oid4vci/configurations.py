"""The credential configurations this issuer offers: every micro-credential in both formats.

A wallet picks the format it supports; the award comes from the pre-authorized code, so one
configuration per format serves the whole catalogue. Each micro-credential of the catalogue
also has a configuration per format of its own (``MicroCredential_ldp_vc__<achievement id>``)
whose display names the course, so that any wallet can show what it is before the learner
accepts; offers name those. Both kinds issue the same credential: a per-achievement one is
the format's configuration narrowed to one achievement, and counts as that format when the
issuer checks that an offer yields one credential per format.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.credentials.microcredential.build import CREDENTIAL_TYPES
from shared.credentials.microcredential.context import CREDENTIALS_V1, OPEN_BADGES_V3

LDP_VC = "MicroCredential_ldp_vc"
JWT_VC_JSON = "MicroCredential_jwt_vc_json"
FORMAT_OF = {LDP_VC: "ldp_vc", JWT_VC_JSON: "jwt_vc_json"}
ALL = tuple(FORMAT_OF)
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

# The key proofs a wallet may send, and the holder identifiers we bind credentials to. A
# did:web holder is left out on purpose: resolving it would make the credential endpoint
# fetch a URL the wallet chose.
PROOF_TYPE_JWT = "jwt"
PROOF_JWT_TYP = "openid4vci-proof+jwt"
PROOF_SIGNING_ALGS = ("EdDSA", "ES256")
BINDING_METHODS = ("did:key", "did:jwk", "jwk")


@dataclass(frozen=True)
class Configuration:
    """What the metadata says about one configuration, and what a draft-13 request names."""

    id: str
    format: str
    signing_algs: tuple[str, ...]
    # ldp_vc names its JSON-LD contexts; jwt_vc_json has no JSON-LD processing (1.0 A.1).
    contexts: tuple[str, ...] | None

    @property
    def types(self) -> tuple[str, ...]:
        return CREDENTIAL_TYPES

    def credential_definition(self) -> dict[str, list[str]]:
        definition = {"type": list(self.types)}
        if self.contexts is not None:
            definition = {"@context": list(self.contexts), **definition}
        return definition


ACHIEVEMENT_SEPARATOR = "__"


@dataclass(frozen=True)
class Requested:
    """A configuration id as a wallet names it: the format's configuration, and the
    achievement it is narrowed to (None for the catalogue-wide one)."""

    configuration: Configuration
    achievement_id: str | None


def achievement_configuration_id(configuration_id: str, achievement_id: str) -> str:
    return f"{configuration_id}{ACHIEVEMENT_SEPARATOR}{achievement_id}"


def achievement_configuration_ids(achievement_id: str) -> list[str]:
    """What an offer for an award of ``achievement_id`` names: its own configurations."""
    return [achievement_configuration_id(identifier, achievement_id) for identifier in ALL]


def resolve(configuration_id: str) -> Requested | None:
    """The configuration behind an id of either kind; None for an id we never published."""
    base, separator, achievement_id = configuration_id.partition(ACHIEVEMENT_SEPARATOR)
    configuration = CONFIGURATIONS.get(base)
    if configuration is None or (separator and not achievement_id):
        return None
    return Requested(configuration, achievement_id or None)


def format_of(configuration_id: str) -> str | None:
    requested = resolve(configuration_id)
    return requested.configuration.format if requested is not None else None


CONFIGURATIONS = {
    LDP_VC: Configuration(
        LDP_VC, FORMAT_OF[LDP_VC], ("Ed25519Signature2020",), (CREDENTIALS_V1, OPEN_BADGES_V3)
    ),
    JWT_VC_JSON: Configuration(JWT_VC_JSON, FORMAT_OF[JWT_VC_JSON], ("EdDSA",), None),
}
