"""The rules of the trust list: add, change, remove, replace, and load from the configured
file or URL. Called by the API (``endpoints.py``), the admin pages and the app's start-up.

A list that is refused leaves the stored list exactly as it was: every check happens before
the first write, and the caller's unit of work rolls back on any error.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.errors import Conflict, InvalidInput, NotFound
from verifier.trust.entries import TrustedIssuer
from verifier.trust.repository import TrustList
from verifier.trust.source import read_trust_list

LOADER = "system:trust-list-file"


@dataclass(frozen=True)
class LoadOutcome:
    source: str
    loaded: bool  # False: the file was the one loaded last time, the stored list was kept
    entries: int


class TrustListService:
    def __init__(self, session: AsyncSession) -> None:
        self._list = TrustList(session)

    async def entries(self) -> list[TrustedIssuer]:
        return await self._list.all()

    async def entry(self, did: str) -> TrustedIssuer:
        issuer = await self._list.lookup(did)
        if issuer is None:
            raise NotFound(f"{did} is not in the trust list.")
        return issuer

    async def add(self, issuer: TrustedIssuer, *, actor: str) -> TrustedIssuer:
        if await self._list.lookup(issuer.did) is not None:
            raise Conflict(f"{issuer.did} is already in the trust list; change that entry instead.")
        await self._list.put(issuer, position=None, actor=actor, now=utcnow())
        return issuer

    async def change(self, did: str, issuer: TrustedIssuer, *, actor: str) -> TrustedIssuer:
        """Overwrite the entry for ``did``; its DID itself cannot change (remove and add)."""
        await self.entry(did)
        if issuer.did != did:
            raise InvalidInput(
                f"An entry's DID cannot change ({did} → {issuer.did}); "
                "remove the entry and add the new DID instead."
            )
        await self._list.put(issuer, position=None, actor=actor, now=utcnow())
        return issuer

    async def remove(self, did: str) -> None:
        if not await self._list.remove(did):
            raise NotFound(f"{did} is not in the trust list.")

    async def replace(self, issuers: list[TrustedIssuer], *, actor: str) -> None:
        """Make the stored list exactly ``issuers``, in their order (already checked:
        ``verifier.trust.document.parse_list`` refuses duplicates)."""
        now = utcnow()
        await self._list.keep_only([issuer.did for issuer in issuers])
        for position, issuer in enumerate(issuers, start=1):
            await self._list.put(issuer, position=position, actor=actor, now=now)

    async def load(self, source: str, http: httpx.AsyncClient, *, force: bool) -> LoadOutcome:
        """Replace the stored list with the one at ``source``.

        Without ``force`` (at start) the file is loaded only if it is not the same file,
        byte for byte, loaded last time: edits made through the pages or the API since then
        survive a restart. ``TrustListRefused`` when it cannot be read or is not valid.
        """
        fetched = await read_trust_list(source, http)
        last = await self._list.last_load()
        if (
            not force
            and last is not None
            and (last.source, last.digest)
            == (
                fetched.source,
                fetched.digest,
            )
        ):
            return LoadOutcome(source, loaded=False, entries=len(fetched.issuers))
        await self.replace(fetched.issuers, actor=LOADER)
        await self._list.record_load(fetched.source, fetched.digest, len(fetched.issuers), utcnow())
        return LoadOutcome(source, loaded=True, entries=len(fetched.issuers))

    async def reload(self, source: str | None, http: httpx.AsyncClient) -> LoadOutcome:
        """Load the configured file or URL again, now (the operator edited it)."""
        if source is None:
            raise InvalidInput(
                "This verifier has no trust list file or URL configured "
                "(VERIFIER_TRUST_LIST_SOURCE); edit the list here instead."
            )
        return await self.load(source, http, force=True)
