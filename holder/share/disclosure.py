"""Exactly what a presentation discloses, field by field, for the consent page.

``ldp_vc`` and ``jwt_vc_json`` have no selective disclosure: the verifier receives the whole
credential as the issuer signed it. So the consent page lists every value in it, in every
language it carries, not only the claims the verifier named. The JSON-LD ``@context``
(vocabulary definitions, no personal data) and the issuer's signature are each shown as
one line rather than in full.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from holder.i18n import _, lazy_gettext
from holder.share.matching import Candidate

MAX_FIELDS = 400
MAX_VALUE_CHARS = 500
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# JWT registered claims, as a person would call them.
_CLAIM_LABELS = {
    "iss": lazy_gettext("Issuer"),
    "sub": lazy_gettext("Subject (your wallet's identifier)"),
    "nbf": lazy_gettext("Valid from (seconds since 1970)"),
    "exp": lazy_gettext("Expires (seconds since 1970)"),
    "iat": lazy_gettext("Issued (seconds since 1970)"),
    "jti": lazy_gettext("Credential id"),
    "vc": lazy_gettext("Credential"),
}


@dataclass(frozen=True)
class DisclosedField:
    label: str
    value: str


def disclosed_fields(candidate: Candidate) -> list[DisclosedField]:
    """Every field of the credential as it will be sent, in document order."""
    source = candidate.jwt_claims if candidate.jwt_claims is not None else candidate.credential
    fields = list(_flatten(source, ()))
    if len(fields) > MAX_FIELDS:
        hidden = len(fields) - MAX_FIELDS
        fields = [*fields[:MAX_FIELDS], DisclosedField("…", f"and {hidden} more fields")]
    return fields


def _flatten(value: Any, path: tuple[str, ...]) -> Iterator[DisclosedField]:
    if path and path[-1] == "@context":
        yield DisclosedField(_label(path), "vocabulary definitions (no personal data)")
    elif path and path[-1] == "proof" and isinstance(value, dict | list):
        yield DisclosedField(_label(path), "the issuer's signature")
    elif isinstance(value, dict):
        for key, member in value.items():
            yield from _flatten(member, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield from _flatten(item, (*path, f"#{index}") if len(value) > 1 else path)
    else:
        yield DisclosedField(_label(path), _text(value))


def _label(path: tuple[str, ...]) -> str:
    return " › ".join(
        str(_CLAIM_LABELS[step]) if i == 0 and step in _CLAIM_LABELS else _words(step)
        for i, step in enumerate(path)
    ) or _("Value")


def _words(step: str) -> str:
    """``credentialSubject`` → ``Credential subject``."""
    words = _CAMEL.sub(" ", step.lstrip("@")).lower()
    return words[:1].upper() + words[1:]


def _text(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"
