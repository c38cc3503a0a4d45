"""Is a credential still good? Revocation and suspension from the issuer's status lists, and
expiry from the credential's own dates.

Each ``StatusList2021Entry`` (or ``BitstringStatusListEntry``) in ``credentialStatus``, plus
our ``suspensionStatus`` extension member, names a list credential. It is fetched through the
runtime's guarded client, its proof verified (``ldp_vc``), and its issuer must be the
credential's issuer; then the bit is read. A list that cannot be fetched, verified or read
makes the status "unknown", never "valid" (interop note 8).

Privacy (security checklist B.6, BSL §6.3): every fetch tells the issuer that someone holds
one of the credentials on that list, so verified lists are kept briefly and shared by every
learner of this wallet, and an expired credential is not looked up at all.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from holder.models import StoredCredential
from holder.wallet.store import CredentialStore
from holder.wallet.summary import credential_object
from holder.wallet.views import (
    EXPIRED,
    REVOKED,
    SUSPENDED,
    UNKNOWN,
    VALID,
    credential_members,
)
from shared.clock import utcnow
from shared.credentials.formats import get_format
from shared.credentials.formats.base import SignedDocument
from shared.credentials.formats.validity import parse_date, parse_numeric_date
from shared.credentials.formats.vcdm import issuer_id
from shared.credentials.status_list import (
    BSL_ENTRY_TYPE,
    ENTRY_TYPE,
    EntryStatus,
    StatusPurpose,
    read_entry_status,
)
from shared.did.resolver import DIDResolver
from shared.errors import CredstackError, FetchFailed, VerificationFailed
from shared.http import fetch_json

log = logging.getLogger(__name__)

LIST_MEDIA_TYPES = "application/vc+ld+json, application/ld+json;q=0.9, application/json;q=0.8"
REVOCATION = StatusPurpose.REVOCATION.value
SUSPENSION = StatusPurpose.SUSPENSION.value
PURPOSES = {REVOCATION, SUSPENSION}


class StatusListCache:
    """Verified status list credentials by URL, for ``ttl_seconds``; at most ``max_lists``.

    Lists are public documents, so one cache serves every learner of the wallet; that is
    also what keeps the number of fetches (and what an issuer learns from them) low.
    Failures are not cached: the next refresh tries again.
    """

    def __init__(
        self,
        ttl_seconds: float = 300,
        max_lists: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_lists
        self._clock = clock
        self._lists: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    def get(self, url: str) -> dict[str, Any] | None:
        found = self._lists.get(url)
        if found is None:
            return None
        stored_at, document = found
        if self._clock() - stored_at > self._ttl:
            del self._lists[url]
            return None
        return document

    def put(self, url: str, document: dict[str, Any]) -> None:
        self._lists[url] = (self._clock(), document)
        self._lists.move_to_end(url)
        while len(self._lists) > self._max:
            self._lists.popitem(last=False)


def status_entries(credential: dict[str, Any]) -> list[dict[str, Any]]:
    """The revocation and suspension entries of a credential (VC members, not JWT claims)."""
    found: list[dict[str, Any]] = []
    for member in ("credentialStatus", "suspensionStatus"):
        value = credential.get(member)
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict) and entry.get("statusPurpose") in PURPOSES:
                found.append(entry)
    return found


def expiry_of(claims: dict[str, Any]) -> datetime | None:
    """``expirationDate`` / ``validUntil`` of the VC, or a VC-JWT's ``exp``, whichever is first."""
    credential = credential_members(claims)
    moments = [
        parse_date(credential.get(member), member)[0] for member in ("expirationDate", "validUntil")
    ]
    moments.append(parse_numeric_date(claims.get("exp"), "exp")[0])
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None


@dataclass
class StatusChecker:
    http: httpx.AsyncClient
    resolver: DIDResolver
    cache: StatusListCache
    clock: Callable[[], datetime] = utcnow

    async def status_of(self, document: SignedDocument, format_name: str) -> str:
        """valid, revoked, suspended, expired or unknown."""
        try:
            claims = credential_object(document, format_name)
        except CredstackError:
            return UNKNOWN
        expires = expiry_of(claims)
        if expires is not None and expires <= self.clock():
            return EXPIRED  # settled by the credential's own date: no fetch
        credential = credential_members(claims)
        issuer = issuer_id(credential) or (
            claims["iss"] if isinstance(claims.get("iss"), str) else None
        )
        statuses = [await self._entry_status(entry, issuer) for entry in status_entries(credential)]
        if any(s is not None and s.set and s.purpose == REVOCATION for s in statuses):
            return REVOKED
        if any(s is not None and s.set and s.purpose == SUSPENSION for s in statuses):
            return SUSPENDED
        if any(s is None for s in statuses):
            return UNKNOWN
        # Every bit read and clear (or no list at all: nothing to revoke it by), not expired.
        return VALID

    async def _entry_status(self, entry: dict[str, Any], issuer: str | None) -> EntryStatus | None:
        url = entry.get("statusListCredential")
        if entry.get("type") not in (ENTRY_TYPE, BSL_ENTRY_TYPE) or not isinstance(url, str):
            return None
        try:
            list_credential = await self._verified_list(url)
            if issuer is None or issuer_id(list_credential) != issuer:
                raise VerificationFailed("the list is not signed by the credential's issuer")
            return read_entry_status(entry, list_credential)
        except CredstackError as error:
            # Hosts only: a list URL may carry identifiers (security checklist D.7).
            log.info("status list at %s not usable: %s", _host(url), error.description)
            return None

    async def _verified_list(self, url: str) -> dict[str, Any]:
        cached = self.cache.get(url)
        if cached is not None:
            return cached
        document = await fetch_json(self.http, url, accept=LIST_MEDIA_TYPES)
        if not isinstance(document, dict):
            raise FetchFailed(f"{_host(url)} answered with something other than a credential.")
        result = await get_format("ldp_vc", self.resolver).verify_credential(document)
        result.raise_for_problems()
        self.cache.put(url, document)
        return document


def _host(url: str) -> str:
    return urlsplit(url).hostname or "(no host)"


async def refresh(store: CredentialStore, record: StoredCredential, checker: StatusChecker) -> str:
    """Check one credential now and store what was found."""
    status = await checker.status_of(store.document(record), record.format)
    await store.set_status(record, status)
    return status
