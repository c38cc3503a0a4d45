"""The few facts a credential card shows, read once when the credential is stored.

The summary is kept in plain JSON beside the sealed document (``credentials.summary``), so
the cards, the stack totals and the API list credentials without unsealing every one. It is
built from the credential as received (ours or anyone's Open Badges 3.0 credential), with
``shared.credentials.microcredential.parse`` doing the tolerant reading.

Keys (every one is always present; a value the credential does not carry is ``None``, or
``{}`` for the two language maps):

- ``title``: ``{language: text}``, the achievement's name (the credential's own ``name``
  when the achievement has none), the default language first;
- ``issuer_name``: ``{language: text}`` of the issuer profile's name;
- ``issuer_id``: the issuer's DID or URL;
- ``issued_at``, ``expires_at``: ISO 8601 timestamps (``issuanceDate``/``validFrom``,
  ``expirationDate``/``validUntil``; for a VC-JWT also ``nbf``);
- ``ects``: a number (our ``ectsCredits``; OB's ``creditsAvailable`` has no unit, so it is
  not taken for ECTS);
- ``eqf_level``: 1..8 from an EQF alignment;
- ``field_of_study``: OB's ``fieldOfStudy`` of the achievement, as the issuer wrote it;
- ``achievement_type``: e.g. ``MicroCredential``;
- ``language``: the achievement's ``inLanguage``, else the title's default language;
- ``subject_id``: ``credentialSubject.id`` (the JWT's ``sub``), the DID it is bound to;
- ``bound_to_me``: whether ``subject_id`` is the learner's DID (only when the caller says
  whose wallet it is; ``None`` otherwise). A credential bound to another DID can be kept
  and shown but not presented with holder binding.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from holder.i18n import _
from shared.credentials.formats.base import SignedDocument
from shared.credentials.microcredential import values as read
from shared.credentials.microcredential.i18n import LocalizedText
from shared.credentials.microcredential.parse import parse_credential
from shared.crypto.jose import unverified_claims
from shared.errors import InvalidInput

JWT_FORMATS = frozenset({"jwt_vc_json"})


def credential_object(document: SignedDocument, format_name: str) -> dict[str, Any]:
    """The credential as a JSON object: an ldp_vc as is, a VC-JWT's claims (``vc`` inside).

    Nothing is verified here: call this on a document that has been verified, or to decide
    how to verify it.
    """
    if isinstance(document, str):
        if format_name not in JWT_FORMATS:
            raise InvalidInput(f"A {format_name} credential is a JSON object, not a string.")
        return unverified_claims(document)
    if not isinstance(document, dict):
        raise InvalidInput(_("A credential is a JSON object or a JWT."))
    return document


def summarize(
    document: SignedDocument, format_name: str, *, holder_did: str | None = None
) -> dict[str, Any]:
    """The card facts of ``document``; InvalidInput when it is no Open Badges 3.0 credential.

    ``holder_did``, when given, fills ``bound_to_me``.
    """
    credential = credential_object(document, format_name)
    view = parse_credential(credential)
    achievement = view.achievement
    title = achievement.name or view.name
    subject_id = view.holder_did
    return {
        "title": _texts(title),
        "issuer_name": _texts(view.issuer.name if view.issuer else None),
        "issuer_id": view.issuer.id if view.issuer else None,
        "issued_at": _iso(view.issued_at),
        "expires_at": _iso(view.valid_until),
        "ects": float(achievement.ects) if achievement.ects is not None else None,
        "eqf_level": achievement.eqf_level,
        "field_of_study": _field_of_study(credential),
        "achievement_type": achievement.achievement_type,
        "language": achievement.language or (title.language if title else None),
        "subject_id": subject_id,
        "bound_to_me": None if holder_did is None else subject_id == holder_did,
    }


def _texts(text: LocalizedText | None) -> dict[str, str]:
    return text.texts() if text is not None else {}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _field_of_study(credential: Mapping[str, Any]) -> str | None:
    """OB 3.0 ``Achievement.fieldOfStudy``; the read model has no member for it."""
    vc = credential.get("vc")
    if "credentialSubject" not in credential and read.is_map(vc):
        credential = vc
    for subject in read.items(credential.get("credentialSubject")):
        if read.is_map(subject) and read.is_map(achievement := subject.get("achievement")):
            return read.string(achievement.get("fieldOfStudy"))
    return None
