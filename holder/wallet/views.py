"""What the cards, the detail page and the API show of a stored credential.

A card is read from the summary stored beside the sealed document (no unsealing for a list);
the detail page unseals the document and parses every EU element out of it. Everything here
comes from issuers, ours or not: the templates escape it, and nothing here trusts its shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from holder.i18n import lazy_gettext
from holder.models import StoredCredential
from holder.wallet.summary import credential_object
from shared.clock import as_utc, utcnow
from shared.credentials.formats.base import SignedDocument
from shared.credentials.microcredential.parse import parse_credential
from shared.credentials.microcredential.readmodel import CredentialView
from shared.errors import CredstackError

VALID = "valid"
REVOKED = "revoked"
SUSPENDED = "suspended"
EXPIRED = "expired"
UNKNOWN = "unknown"
STATUS_LABELS = {
    VALID: lazy_gettext("Valid"),
    REVOKED: lazy_gettext("Revoked"),
    SUSPENDED: lazy_gettext("Suspended"),
    EXPIRED: lazy_gettext("Expired"),
    UNKNOWN: lazy_gettext("Status unknown"),
}


def credential_members(claims: dict[str, Any]) -> dict[str, Any]:
    """The VC itself: a VC-JWT payload keeps it under ``vc``."""
    vc = claims.get("vc")
    return vc if isinstance(vc, dict) and "credentialSubject" not in claims else claims


def _text_map(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {"und": value}
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items() if isinstance(v, str)}
    return {}


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def _level(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


@dataclass(frozen=True)
class CardView:
    id: str
    format: str
    source: str
    received_at: datetime
    status: str
    status_checked_at: datetime | None
    title: dict[str, str]
    issuer_name: dict[str, str]
    issuer_id: str | None
    issued_at: datetime | None
    expires_at: datetime | None
    ects: Decimal | None
    eqf_level: int | None
    field_of_study: str | None
    achievement_type: str | None
    language: str | None
    subject_id: str | None  # the DID the credential is bound to
    # False: bound to another DID (an import from another wallet), so it cannot be presented
    # with proof of holding it; None: not known (a summary made without the learner's DID).
    bound_to_me: bool | None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, STATUS_LABELS[UNKNOWN]))


class CardSource(Protocol):
    """What a card is read from: a stored credential, or just its listed columns
    (``CredentialStore.page``), which leave the sealed document in the database."""

    id: str
    format: str
    source: str
    received_at: datetime
    status: str
    status_checked_at: datetime | None
    summary: Any
    issuer_id: str


def effective_status(record: CardSource, now: datetime | None = None) -> str:
    """The last checked status, except that a credential past its expiry shows as expired
    at once: the date is in the credential, no status list is needed for it."""
    if record.status in (REVOKED, SUSPENDED):
        return record.status
    expires = _moment(record.summary.get("expires_at"))
    if expires is not None and expires <= (now or utcnow()):
        return EXPIRED
    return record.status if record.status in STATUS_LABELS else UNKNOWN


def card_of(record: CardSource, now: datetime | None = None) -> CardView:
    summary = record.summary if isinstance(record.summary, dict) else {}
    return CardView(
        id=record.id,
        format=record.format,
        source=record.source,
        received_at=as_utc(record.received_at),
        status=effective_status(record, now),
        status_checked_at=as_utc(record.status_checked_at) if record.status_checked_at else None,
        title=_text_map(summary.get("title")),
        issuer_name=_text_map(summary.get("issuer_name")),
        issuer_id=_string(summary.get("issuer_id")) or record.issuer_id or None,
        issued_at=_moment(summary.get("issued_at")),
        expires_at=_moment(summary.get("expires_at")),
        ects=_decimal(summary.get("ects")),
        eqf_level=_level(summary.get("eqf_level")),
        field_of_study=_string(summary.get("field_of_study")),
        achievement_type=_string(summary.get("achievement_type")),
        language=_string(summary.get("language")),
        subject_id=_string(summary.get("subject_id")),
        bound_to_me=_flag(summary.get("bound_to_me")),
    )


@dataclass(frozen=True)
class DetailView:
    card: CardView
    view: CredentialView | None  # None when the document is not an OB 3.0 credential
    unreadable: str | None  # why it could not be parsed, when it could not
    missing_elements: list[str]  # EU elements this credential lacks (outside credentials)
    raw: str  # the document as stored: pretty JSON, or the compact JWT
    decoded: str | None  # a JWT's payload, pretty


def detail_of(record: StoredCredential, document: SignedDocument) -> DetailView:
    claims: dict[str, Any] = {}
    unreadable: str | None = None
    try:
        claims = credential_object(document, record.format)
    except CredstackError as error:
        unreadable = error.description
    view: CredentialView | None = None
    if unreadable is None:
        try:
            view = parse_credential(claims)
        except CredstackError as error:
            unreadable = error.description
    return DetailView(
        card=card_of(record),
        view=view,
        unreadable=unreadable,
        missing_elements=view.missing_elements() if view is not None else [],
        raw=document
        if isinstance(document, str)
        else json.dumps(document, indent=2, ensure_ascii=False),
        decoded=json.dumps(claims, indent=2, ensure_ascii=False)
        if isinstance(document, str) and claims
        else None,
    )
