"""Checking a credential before it enters the wallet, and importing one from a file.

Whatever the way in (an OpenID4VCI issuer, a file from another wallet), a credential is
stored only after its issuer's signature verifies with the shared formats (did:key and
did:jwk locally, did:web through the service's guarded client) and it reads as an Open
Badges 3.0 credential; otherwise nothing is stored and the learner is told why.

Holder binding differs by the way in. A credential the wallet asked an issuer for must be
bound to the learner's DID, or it is refused (holder.receive). An imported one may be bound
to a DID this wallet does not hold (the learner's key in their previous wallet): it is
accepted, because it is still the learner's record, with ``bound_to_me: false`` in its
summary and a warning that it cannot be presented with proof of holding it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from holder.i18n import _, lazy_gettext
from holder.models import Learner, StoredCredential
from holder.wallet.store import CredentialStore
from holder.wallet.summary import summarize
from shared.credentials.formats import get_format
from shared.credentials.formats.base import SignedDocument
from shared.credentials.formats.vcdm import issuer_id
from shared.credentials.microcredential import values as read
from shared.did.resolver import DIDResolver
from shared.errors import InvalidInput, VerificationFailed
from shared.runtime import ServiceRuntime

MAX_IMPORT_BYTES = 1024 * 1024
SOURCE_IMPORT = "import"
# A compact JWS: three base64url parts (the signature may not be empty: unsigned is refused).
_COMPACT_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_PRESENTATION = "VerifiablePresentation"
NOT_BOUND_WARNING = lazy_gettext(
    "This credential is bound to another DID (%(subject)s), not to this wallet's. You can keep "
    "and show it, but you cannot present it to a verifier that asks for proof that it is yours."
)


@dataclass(frozen=True)
class CheckedCredential:
    """A credential whose signature verified, with the summary its card shows."""

    format: str
    document: SignedDocument
    summary: dict[str, Any]
    issuer_id: str

    @property
    def bound_to_me(self) -> bool:
        return self.summary["bound_to_me"] is True


@dataclass(frozen=True)
class Imported:
    record: StoredCredential
    warnings: list[str] = field(default_factory=list)


def credential_resolver(runtime: ServiceRuntime) -> DIDResolver:
    """did:web goes out through the guarded client; plain-http loopback only in development."""
    return DIDResolver(runtime.http, allow_http_loopback=runtime.settings.is_development)


async def check_credential(
    document: SignedDocument, format_name: str, *, resolver: DIDResolver, holder_did: str
) -> CheckedCredential:
    """Verify the issuer's signature (and validity dates), then read the card facts.

    VerificationFailed lists what failed; InvalidInput says it is no Open Badges credential.
    """
    result = await get_format(format_name, resolver).verify_credential(document)
    if not result.verified:
        raise VerificationFailed(
            _("The credential did not verify, so it was not stored:")
            + " "
            + "; ".join(result.problems)
        )
    summary = summarize(document, format_name, holder_did=holder_did)
    issuer = issuer_id(result.document)
    if issuer is None:
        raise InvalidInput(_("The credential names no issuer."))
    return CheckedCredential(format_name, document, summary, issuer)


def read_credential_file(content: bytes) -> tuple[str, SignedDocument]:
    """The format and document of a credential file: a JSON-LD credential with a proof
    (``ldp_vc``), or a VC-JWT (``jwt_vc_json``) as text, as a JSON string, or wrapped as an
    OpenID4VCI response's ``{"credential": …}``."""
    if not content.strip():
        raise InvalidInput(_("Choose the credential file to import."))
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            _("The file is larger than %(size)s KiB.", size=MAX_IMPORT_BYTES // 1024)
        )
    try:
        text = content.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise InvalidInput(
            _(
                "This is not a credential file: an Open Badges 3.0 credential is a JSON file "
                "or a JWT (text)."
            )
        ) from None
    if _COMPACT_JWT.match(text):
        return "jwt_vc_json", text
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInput(
            _("This file is neither JSON nor a JWT, so it cannot be an Open Badges 3.0 credential.")
        ) from None
    if read.is_map(value) and "credential" in value and "proof" not in value:
        value = value["credential"]
    if isinstance(value, str) and _COMPACT_JWT.match(value.strip()):
        return "jwt_vc_json", value.strip()
    if not isinstance(value, dict):
        raise InvalidInput(_("The file does not hold a credential (a JSON object or a JWT)."))
    if _PRESENTATION in read.strings(value.get("type")):
        raise InvalidInput(_("This file holds a presentation; import the credential itself."))
    if "proof" not in value:
        raise InvalidInput(
            _(
                "This credential carries no proof (signature), so the wallet cannot check who "
                "issued it. Export it from your other wallet with its proof, or as a JWT."
            )
        )
    return "ldp_vc", value


class Importer:
    def __init__(self, session: AsyncSession, runtime: ServiceRuntime, learner: Learner) -> None:
        self._session = session
        self._runtime = runtime
        self._learner = learner

    async def import_file(self, content: bytes) -> Imported:
        format_name, document = read_credential_file(content)
        checked = await check_credential(
            document,
            format_name,
            resolver=credential_resolver(self._runtime),
            holder_did=self._learner.did,
        )
        store = CredentialStore(self._session, self._learner, self._runtime.key_encryption_key)
        record = await store.add(
            format_name=checked.format,
            document=checked.document,
            summary=checked.summary,
            issuer_id=checked.issuer_id,
            source=SOURCE_IMPORT,
        )
        warnings = []
        if not checked.bound_to_me:
            subject = checked.summary["subject_id"] or "no DID"
            warnings.append(str(NOT_BOUND_WARNING) % {"subject": subject})
        return Imported(record, warnings)
