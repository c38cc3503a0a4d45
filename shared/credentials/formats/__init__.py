"""Credential formats by their OpenID4VCI/OpenID4VP names.

Adding a format (SD-JWT VC next) means one module in this package and one line in
``credential_formats``; services look formats up by name and never import a module here.
"""

from __future__ import annotations

from datetime import timedelta

from shared.credentials.formats.base import CredentialFormat, SignedDocument, VerificationResult
from shared.credentials.formats.jwt_vc_json import JwtVcJson
from shared.credentials.formats.ldp_vc import LdpVc
from shared.credentials.formats.validity import DEFAULT_LEEWAY, Clock, utc_now
from shared.did.resolver import DIDResolver
from shared.errors import InvalidInput

__all__ = [
    "CredentialFormat",
    "SignedDocument",
    "VerificationResult",
    "credential_formats",
    "get_format",
]


def credential_formats(
    resolver: DIDResolver, *, clock: Clock = utc_now, leeway: timedelta = DEFAULT_LEEWAY
) -> dict[str, CredentialFormat]:
    """Every format credstack signs and verifies; ``resolver`` finds the keys JWT formats name.

    (``ldp_vc`` resolves through didkit, which knows did:key, did:jwk and did:web; the
    resolver vets a did:web signer's host first.) ``clock`` and ``leeway`` decide the
    validity-window checks (a verifier that reports dates on their own widens ``leeway``).
    """
    formats: list[CredentialFormat] = [
        LdpVc(resolver, clock=clock, leeway=leeway),
        JwtVcJson(resolver, clock=clock, leeway=leeway),
    ]
    return {fmt.name: fmt for fmt in formats}


def get_format(name: str, resolver: DIDResolver) -> CredentialFormat:
    formats = credential_formats(resolver)
    if name not in formats:
        raise InvalidInput(
            f"Unknown credential format {name!r}; credstack supports {', '.join(sorted(formats))}.",
            code="unsupported_credential_format",
        )
    return formats[name]
