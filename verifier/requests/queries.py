"""What a request asks for, in the two query languages wallets read.

- DCQL (OpenID4VP 1.0): one credential query per accepted format, each asking for an Open
  Badges 3.0 achievement credential by its fully expanded type IRIs (interop note 6), with
  the claims to disclose as claims path pointers (paths start at the VC root, also for
  ``jwt_vc_json``). With two formats, a ``credential_sets`` entry lets either (or both)
  answer.
- Presentation Exchange 2.0 (draft-era wallets): one input descriptor whose fields ask for
  the credential type (``$.type`` or, in a VC-JWT, ``$.vc.type``) and the claims to disclose.

Both only tell the wallet what to offer the learner. The verifier never relies on them: the
checks engine enforces every constraint on what comes back (VP "Security Checks").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from verifier.checks.constraints import Constraints

LDP_VC = "ldp_vc"
JWT_VC_JSON = "jwt_vc_json"
FORMATS = (LDP_VC, JWT_VC_JSON)

VC_VOCAB = "https://www.w3.org/2018/credentials#"
OB_VOCAB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
# AchievementCredential is an alias of OpenBadgeCredential in the OB 3.0.x contexts, but its
# own term in the 3.0.0 context.json that credstack's credentials name: either expansion.
ACHIEVEMENT_TYPE_VALUES = [
    [VC_VOCAB + "VerifiableCredential", OB_VOCAB + "OpenBadgeCredential"],
    [VC_VOCAB + "VerifiableCredential", OB_VOCAB + "AchievementCredential"],
]
ACHIEVEMENT_TYPE_NAMES = ["AchievementCredential", "OpenBadgeCredential"]

# Where each item a request may ask the learner to disclose (verifier.checks.facts
# DISCLOSABLE) is in an OB 3.0 credential (``None`` in a path: every item of an array).
# Names and identifiers are OB 3.0 IdentityObjects in the subject's ``identifier`` array.
_IDENTIFIERS: list[str | int | None] = ["credentialSubject", "identifier", None]
DISCLOSURE_PATHS: dict[str, list[str | int | None]] = {
    "name": _IDENTIFIERS,
    "email": _IDENTIFIERS,
    "national_id": _IDENTIFIERS,
    "student_id": _IDENTIFIERS,
    "grade": ["credentialSubject", "result", None],
    "activity_period": ["credentialSubject", "activityStartDate"],
}

# The proof types and algorithms the checks engine verifies (didkit: Ed25519Signature2020;
# jose: EdDSA and ES256).
LDP_PROOF_TYPES = ["Ed25519Signature2020"]
JWT_ALGS = ["EdDSA", "ES256"]


def accepted_formats(constraints: Constraints) -> list[str]:
    return [fmt for fmt in FORMATS if fmt in constraints.formats]


def disclosure_paths(constraints: Constraints) -> list[list[str | int | None]]:
    """The claims path pointers of the fields to disclose, each once, in the order asked."""
    paths: list[list[str | int | None]] = []
    for item in constraints.disclose:
        path = DISCLOSURE_PATHS[item]
        if path not in paths:
            paths.append(path)
    return paths


def _several(constraints: Constraints) -> bool:
    return constraints.max_credentials > 1


def query_id(fmt: str) -> str:
    return f"micro_credential_{fmt}"


def dcql_query(constraints: Constraints) -> dict[str, Any]:
    formats = accepted_formats(constraints)
    claims = [{"path": path} for path in disclosure_paths(constraints)]
    credentials = []
    for fmt in formats:
        query: dict[str, Any] = {
            "id": query_id(fmt),
            "format": fmt,
            "meta": {"type_values": ACHIEVEMENT_TYPE_VALUES},
        }
        if _several(constraints):
            query["multiple"] = True
        if claims:
            query["claims"] = claims
        credentials.append(query)
    dcql: dict[str, Any] = {"credentials": credentials}
    if len(formats) > 1:
        ids = [query_id(fmt) for fmt in formats]
        options: list[list[str]] = [[one] for one in ids]
        if _several(constraints):
            options.append(ids)
        dcql["credential_sets"] = [{"options": options, "required": True}]
    return dcql


def presentation_definition(
    constraints: Constraints, *, definition_id: str, title: str
) -> dict[str, Any]:
    formats = accepted_formats(constraints)
    fields: list[dict[str, Any]] = [
        {
            "path": ["$.type", "$.vc.type"],
            "filter": {"type": "array", "contains": {"enum": ACHIEVEMENT_TYPE_NAMES}},
        }
    ]
    fields.extend({"path": [_json_path(path)]} for path in disclosure_paths(constraints))
    descriptor: dict[str, Any] = {
        "id": "micro_credential",
        "name": title,
        "format": pe_formats(formats),
        "constraints": {"fields": fields},
    }
    descriptor["purpose"] = constraints.purpose
    return {
        "id": definition_id,
        "name": title,
        "purpose": constraints.purpose,
        "input_descriptors": [descriptor],
    }


def pe_formats(formats: Sequence[str]) -> dict[str, Any]:
    """Presentation Exchange / draft ``vp_formats`` names: the credential and its envelope."""
    named: dict[str, Any] = {}
    if LDP_VC in formats:
        named[LDP_VC] = {"proof_type": LDP_PROOF_TYPES}
        named["ldp_vp"] = {"proof_type": LDP_PROOF_TYPES}
    if JWT_VC_JSON in formats:
        named[JWT_VC_JSON] = {"alg": JWT_ALGS}
        named["jwt_vp_json"] = {"alg": JWT_ALGS}
    return named


def vp_formats_supported(formats: Sequence[str]) -> dict[str, Any]:
    """OpenID4VP 1.0 ``client_metadata.vp_formats_supported``."""
    supported: dict[str, Any] = {}
    if LDP_VC in formats:
        supported[LDP_VC] = {"proof_type_values": LDP_PROOF_TYPES}
    if JWT_VC_JSON in formats:
        supported[JWT_VC_JSON] = {"alg_values": JWT_ALGS}
    return supported


def _json_path(path: Sequence[str | int | None]) -> str:
    steps = []
    for step in path:
        if step is None:
            steps.append("[*]")
        elif isinstance(step, int):
            steps.append(f"[{step}]")
        else:
            steps.append(f".{step}")
    return "$" + "".join(steps)
