"""The VC Data Model 1.1 members every format reads: who issued, who holds, who is the subject.

Both formats bind a signature to a party named in the document (the issuer of a
credential, the holder of a presentation); the checks and their wording live here so that
``ldp_vc`` and ``jwt_vc_json`` report the same problem the same way.
"""

from __future__ import annotations

from typing import Any

from shared.crypto.keys import SigningKey
from shared.errors import InvalidInput

CREDENTIALS_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
CREDENTIAL_TYPE = "VerifiableCredential"
PRESENTATION_TYPE = "VerifiablePresentation"

_SHOWN_CHARS = 80


def did_of(did_url: str) -> str:
    """The DID a DID URL belongs to (``did:key:z6Mk…#z6Mk…`` → ``did:key:z6Mk…``)."""
    return did_url.split("#", 1)[0].split("?", 1)[0]


def issuer_id(credential: dict[str, Any]) -> str | None:
    """``issuer`` is either the issuer's id or a Profile object carrying it."""
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def subject_id(credential: dict[str, Any]) -> str | None:
    """The id of the single credential subject; None for several subjects or none."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("id"), str):
        return str(subject["id"])
    return None


def shown(value: object) -> str:
    """A value quoted for a problem message, cut short so a hostile document cannot flood it."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def require_signer_is(party: str | None, key: SigningKey, role: str) -> None:
    """Refuse to sign a document that names someone other than the key's DID as ``role``."""
    if party != key.did:
        raise InvalidInput(
            f"The document names {shown(party)} as {role}, but the signing key is {key.did}'s."
        )


def signer_problems(role: str, party: str | None, verification_method: str | None) -> list[str]:
    """The signature must come from a key of the party the document names as ``role``."""
    if party is None:
        return [f"The document names no {role}."]
    if verification_method is None:
        return []  # the missing key is reported where the proof or header is read
    if did_of(verification_method) != party:
        return [
            f"The signature is by {shown(verification_method)}, "
            f"which is not a key of the {role} {shown(party)}."
        ]
    return []


def binding_problems(
    found_nonce: object,
    found_audience: object,
    *,
    nonce: str,
    audience: str,
    members: tuple[str, str],
) -> list[str]:
    """A presentation must carry exactly the verifier's nonce and audience (the full client_id,
    prefix included: interop note 7). ``members`` names where the format keeps them."""
    nonce_member, audience_member = members
    problems = []
    if found_nonce != nonce:
        problems.append(f"The {nonce_member} {shown(found_nonce)} is not the expected nonce.")
    if found_audience != audience:
        problems.append(
            f"The {audience_member} {shown(found_audience)} is not the expected audience "
            f"{shown(audience)}."
        )
    return problems


def type_problems(document: dict[str, Any], expected: str) -> list[str]:
    types = document.get("type")
    names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    if expected not in names:
        return [f"The document's type does not include {expected}."]
    return []
