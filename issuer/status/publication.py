"""Signed status list credentials, as ``GET /status/{list_id}`` serves them.

Verifiers fetch a list every time they check a credential, often many at once, while a list
changes only when a registrar revokes or suspends something. So each list's signed document
is kept in memory for as long as the list is unchanged (its version tag covers the bits and
``updated_at``), and signing happens once per change and replica, not once per fetch.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from issuer.models import StatusList
from issuer.organisations.service import Organisations
from issuer.settings import IssuerSettings
from issuer.status.service import AwardStatuses
from issuer.status.urls import status_list_url
from shared.clock import as_utc
from shared.credentials.formats import get_format
from shared.credentials.status_list import Bitstring, StatusPurpose, status_list_credential
from shared.did.resolver import DIDResolver

DEFAULT_MAX_LISTS = 256


@dataclass(frozen=True)
class PublishedList:
    body: bytes  # the signed StatusList2021Credential, serialised once
    etag: str


def version_tag(status_list: StatusList) -> str:
    """A weak ETag: replicas sign the same list at different moments, so their documents
    differ in the proof only; they are equivalent, not byte-identical."""
    digest = hashlib.sha256()
    digest.update(status_list.id.encode())
    digest.update(as_utc(status_list.updated_at).isoformat().encode())
    digest.update(status_list.bits)
    return f'W/"{digest.hexdigest()[:32]}"'


class SignedListCache:
    """The latest signed document of each list, for the ``max_lists`` most recently read."""

    def __init__(self, max_lists: int = DEFAULT_MAX_LISTS) -> None:
        self._max_lists = max_lists
        self._entries: OrderedDict[str, PublishedList] = OrderedDict()
        # One signing at a time: a burst of fetches after a change signs once, not N times.
        self._signing = asyncio.Lock()

    def get(self, list_id: str, etag: str) -> PublishedList | None:
        entry = self._entries.get(list_id)
        if entry is None or entry.etag != etag:
            return None
        self._entries.move_to_end(list_id)
        return entry

    def put(self, list_id: str, entry: PublishedList) -> None:
        self._entries[list_id] = entry  # replaces the list's older version, if any
        self._entries.move_to_end(list_id)
        while len(self._entries) > self._max_lists:
            self._entries.popitem(last=False)

    @property
    def signing(self) -> asyncio.Lock:
        return self._signing


class StatusListPublisher:
    def __init__(
        self,
        session: AsyncSession,
        settings: IssuerSettings,
        kek: bytes,
        cache: SignedListCache,
    ) -> None:
        self._session = session
        self._settings = settings
        self._organisations = Organisations(session, settings, kek)
        self._cache = cache

    async def published(self, list_id: str) -> PublishedList:
        status_list = await AwardStatuses(self._session).published_list(list_id)
        etag = version_tag(status_list)
        cached = self._cache.get(list_id, etag)
        if cached is not None:
            return cached
        async with self._cache.signing:
            cached = self._cache.get(list_id, etag)  # signed while this request waited
            if cached is None:
                cached = PublishedList(await self._sign(status_list), etag)
                self._cache.put(list_id, cached)
        return cached

    async def _sign(self, status_list: StatusList) -> bytes:
        organisation = await self._organisations.get(status_list.organisation_id)
        key = await self._organisations.signing_key(organisation)
        unsigned = status_list_credential(
            list_url=status_list_url(self._settings.base_url, status_list.id),
            issuer=organisation.did,
            purpose=StatusPurpose(status_list.purpose),
            bits=Bitstring(status_list.bits),
            # The moment the list last changed: every replica then states the same date.
            issued_at=as_utc(status_list.updated_at),
        )
        # Signing an ldp_vc resolves no DID, so the resolver needs no HTTP client.
        signed = await get_format("ldp_vc", DIDResolver()).sign_credential(unsigned, key)
        return json.dumps(signed, separators=(",", ":")).encode()
