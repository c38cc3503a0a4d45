"""Reading and writing the trust list's file format, with refusals a person can act on.

A bad list is refused whole, with one sentence naming the entry and what is wrong with it
("Entry 3 (did:web:uni.example): the country 'Germany' is not an ISO 3166-1 alpha-2 country
code such as 'DE'."), never with a validation library's wording; the caller keeps the list
it had.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shared.errors import InvalidInput
from shared.private_files import write_private_file
from verifier.trust.entries import TrustedIssuer
from verifier.trust.schemas import TrustEntry, TrustListDocument

SCHEMA_FILE = Path(__file__).parent / "trust-list.schema.json"
SCHEMA_URL = "https://credstack.example/schemas/verifier-trust-list.schema.json"

_FIELDS = {
    "did": "the DID",
    "name": "the name",
    "country": "the country",
    "accreditation": "the accreditation",
    "notes": "the notes",
}
_ENTRY_FIELDS = ", ".join(_FIELDS)
_KINDS = {
    "string_type": "must be text",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "list_type": "must be a list",
    "string_too_long": "is too long",
}


class TrustListRefused(InvalidInput):
    """A trust list (or one entry) that cannot be used; the description says why."""

    code = "invalid_trust_list"


def parse_document(raw: bytes | str) -> list[TrustedIssuer]:
    """The universities of a trust list file's bytes."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise TrustListRefused(
            f"The trust list is not valid JSON (line {exc.lineno}, column {exc.colno})."
        ) from None
    except (UnicodeDecodeError, RecursionError):
        raise TrustListRefused("The trust list is not readable JSON text.") from None
    return parse_list(data)


def parse_list(data: Any) -> list[TrustedIssuer]:
    """The universities of a trust list already parsed from JSON."""
    if not isinstance(data, dict) or not isinstance(data.get("universities"), list):
        raise TrustListRefused(
            'The trust list must be a JSON object with a "universities" list of entries.'
        )
    for position, item in enumerate(data["universities"], start=1):
        _check_entry(item, f"Entry {position}{_named(item)}")
    unknown = sorted(set(data) - {"universities", "$schema"})
    if unknown:
        raise TrustListRefused(
            f"The trust list has {_quoted(unknown)}, which it does not know; "
            'it holds only "universities" (and optionally "$schema").'
        )
    document = TrustListDocument.model_validate(data)
    _refuse_duplicates(document.universities)
    return [entry.to_issuer() for entry in document.universities]


def parse_entry(data: Any) -> TrustedIssuer:
    """One university, as the API receives it."""
    return _check_entry(data, f"The entry{_named(data)}").to_issuer()


def document_of(issuers: list[TrustedIssuer]) -> dict[str, Any]:
    """The file format's JSON for these universities."""
    document = TrustListDocument(universities=[TrustEntry.of(issuer) for issuer in issuers])
    return document.to_json()


def entry_json(issuer: TrustedIssuer) -> dict[str, Any]:
    return TrustEntry.of(issuer).model_dump(mode="json", exclude_none=True)


def merge_into_file(path: Path, issuer: TrustedIssuer) -> None:
    """Add ``issuer`` to the trust list file at ``path`` (created when missing), replacing
    an entry with the same DID and keeping every other entry as it was.

    For `credstack up`, which puts the demo university into the development trust list.
    The file is replaced in one rename, so a verifier reading it never sees half of it.
    """
    issuers = parse_document(path.read_bytes()) if path.exists() else []
    merged = [issuer if existing.did == issuer.did else existing for existing in issuers]
    if all(existing.did != issuer.did for existing in issuers):
        merged.append(issuer)
    text = json.dumps(document_of(merged), indent=2, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_file(path, text)


def _check_entry(item: Any, where: str) -> TrustEntry:
    if not isinstance(item, dict):
        raise TrustListRefused(f"{where} must be an object with {_ENTRY_FIELDS}.")
    try:
        return TrustEntry.model_validate(item)
    except ValidationError as exc:
        raise TrustListRefused(f"{where}: {_problem(exc.errors()[0])}.") from None


def _named(item: Any) -> str:
    """`` (did:web:…)`` when the entry carries a DID-looking value to name it by."""
    did = item.get("did") if isinstance(item, dict) else None
    if isinstance(did, str) and did.strip():
        return f" ({did.strip()[:100]})"
    return ""


def _problem(error: Any) -> str:
    """One pydantic error in our words: the field it concerns and what is wrong with it."""
    location = [str(part) for part in error.get("loc", ())]
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return f"{location[-1]!r} is not a field we know (an entry has {_ENTRY_FIELDS})"
    field = _field(location)
    if kind == "missing":
        return f"{field} is missing"
    if kind in ("value_error", "assertion_error"):
        # Our own validators' messages (shared.credentials): already in words.
        return f"{field}: {error.get('ctx', {}).get('error', 'not valid')}"
    return f"{field} {_KINDS.get(kind, 'is not valid')}"


def _field(location: list[str]) -> str:
    if not location:
        return "the entry"
    if location[0] == "accreditation" and len(location) > 1:
        return {"name": "the accreditation's name", "url": "the accreditation's web address"}.get(
            location[1], "the accreditation"
        )
    return _FIELDS.get(location[0], repr(location[0]))


def _refuse_duplicates(entries: list[TrustEntry]) -> None:
    first_at: dict[str, int] = {}
    for position, entry in enumerate(entries, start=1):
        if entry.did in first_at:
            raise TrustListRefused(
                f"Entries {first_at[entry.did]} and {position} both name {entry.did}; "
                "list each university once."
            )
        first_at[entry.did] = position


def _quoted(names: list[str]) -> str:
    return ", ".join(repr(name[:40]) for name in names[:5])
