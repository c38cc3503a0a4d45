"""StatusList2021: the bitstring behind revocation and suspension, and the list credential.

One list holds at least 131,072 entries so that a single index says little about who holds
it; index 0 is the left-most bit of the first byte. StatusList2021 encodes the list as GZIP
then unpadded base64url with no multibase prefix (Bitstring Status List adds a ``u``, which
``decode_list`` accepts when reading others' lists).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.errors import InvalidInput

MIN_ENTRIES = 131_072
MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024  # a hostile list must not expand without bound

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
STATUS_LIST_2021_CONTEXT = "https://w3id.org/vc/status-list/2021/v1"
ENTRY_TYPE = "StatusList2021Entry"
LIST_CREDENTIAL_TYPE = "StatusList2021Credential"
LIST_SUBJECT_TYPE = "StatusList2021"
BSL_ENTRY_TYPE = "BitstringStatusListEntry"
BSL_LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"


class StatusPurpose(StrEnum):
    REVOCATION = "revocation"
    SUSPENSION = "suspension"


class StatusListError(InvalidInput):
    """A status list or entry that cannot be read (the BSL spec's *_ERROR conditions)."""

    code = "status_list_error"


class Bitstring:
    """A fixed-size list of one-bit statuses."""

    def __init__(self, data: bytes | bytearray):
        self._bits = bytearray(data)

    @classmethod
    def empty(cls, entries: int = MIN_ENTRIES) -> Bitstring:
        if entries < MIN_ENTRIES or entries % 8:
            raise ValueError(f"a status list needs a multiple of 8, at least {MIN_ENTRIES} entries")
        return cls(bytes(entries // 8))

    def __len__(self) -> int:
        return len(self._bits) * 8

    def get(self, index: int) -> bool:
        self._check_range(index)
        return bool(self._bits[index // 8] & (0x80 >> (index % 8)))

    def set(self, index: int, value: bool) -> None:
        self._check_range(index)
        mask = 0x80 >> (index % 8)
        if value:
            self._bits[index // 8] |= mask
        else:
            self._bits[index // 8] &= ~mask & 0xFF

    def encode(self) -> str:
        # mtime=0: the same list always encodes to the same bytes, so caches can compare them.
        compressed = gzip.compress(bytes(self._bits), mtime=0)
        return base64.urlsafe_b64encode(compressed).decode().rstrip("=")

    def to_bytes(self) -> bytes:
        return bytes(self._bits)

    def _check_range(self, index: int) -> None:
        if not 0 <= index < len(self):
            raise StatusListError(f"status index {index} is outside the list (0..{len(self) - 1})")


def decode_list(encoded: str) -> Bitstring:
    """Decode a StatusList2021 (or Bitstring Status List, ``u``-prefixed) ``encodedList``."""
    text = encoded[1:] if encoded.startswith("u") else encoded
    try:
        compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        raw = decompressor.decompress(compressed, MAX_DECOMPRESSED_BYTES + 1)
    except (binascii.Error, ValueError, zlib.error) as exc:
        raise StatusListError("the status list is not valid base64url-encoded GZIP") from exc
    if len(raw) > MAX_DECOMPRESSED_BYTES:
        raise StatusListError("the status list expands beyond 16 MiB")
    if len(raw) * 8 < MIN_ENTRIES:
        raise StatusListError(
            f"the status list has {len(raw) * 8} entries; at least {MIN_ENTRIES} are required"
        )
    return Bitstring(raw)


def status_entry(list_url: str, index: int, purpose: StatusPurpose) -> dict[str, str]:
    """The ``credentialStatus`` object an issued credential carries."""
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose.value,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    *,
    list_url: str,
    issuer: str,
    purpose: StatusPurpose,
    bits: Bitstring,
    issued_at: datetime,
) -> dict[str, Any]:
    """The unsigned StatusList2021Credential; the issuer signs it like any credential."""
    return {
        "@context": [CREDENTIALS_V1, STATUS_LIST_2021_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "issuanceDate": issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": LIST_SUBJECT_TYPE,
            "statusPurpose": purpose.value,
            "encodedList": bits.encode(),
        },
    }


@dataclass(frozen=True)
class EntryStatus:
    purpose: str
    index: int
    set: bool  # True: revoked (revocation) or suspended (suspension)


def read_entry_status(entry: dict[str, Any], list_credential: dict[str, Any]) -> EntryStatus:
    """Read one entry's bit from an already verified list credential.

    The caller verifies the list credential's proof and trusts its issuer first; this checks
    that entry and list belong together (URL, purpose, type) and reads the bit.
    """
    if entry.get("type") not in (ENTRY_TYPE, BSL_ENTRY_TYPE):
        raise StatusListError(f"unsupported status entry type {entry.get('type')!r}")
    if entry.get("statusListCredential") != list_credential.get("id"):
        raise StatusListError("the status entry points at another list than the one given")
    types = list_credential.get("type", [])
    if LIST_CREDENTIAL_TYPE not in types and BSL_LIST_CREDENTIAL_TYPE not in types:
        raise StatusListError("the document is not a status list credential")
    subject = list_credential.get("credentialSubject") or {}
    purposes = subject.get("statusPurpose")
    purposes = purposes if isinstance(purposes, list) else [purposes]
    purpose = entry.get("statusPurpose")
    if purpose not in purposes:
        raise StatusListError(f"the list serves {purposes}, not the entry's purpose {purpose!r}")
    try:
        index = int(str(entry.get("statusListIndex")))
    except ValueError as exc:
        raise StatusListError("statusListIndex is not a base-10 integer") from exc
    bits = decode_list(str(subject.get("encodedList", "")))
    return EntryStatus(str(purpose), index, bits.get(index))
