"""The SQL of the trust list: one table that every replica reads.

``TrustList`` is what the checks use (``TrustedIssuers.lookup``); the writes below are
called by ``verifier.trust.service`` only. Writes are upserts and deletes by DID, so two
replicas loading the same file at start both succeed and leave one list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.credentials.microcredential.i18n import LocalizedText
from shared.db import insert_or_on_conflict
from verifier.models import TrustedIssuerRow, TrustListLoad
from verifier.trust.entries import TrustedIssuer

_ISSUERS: Table = TrustedIssuerRow.__table__  # type: ignore[assignment]
_LOOKUP = select(
    _ISSUERS.c.did,
    _ISSUERS.c.name,
    _ISSUERS.c.country,
    _ISSUERS.c.accreditation,
    _ISSUERS.c.accreditation_url,
    _ISSUERS.c.notes,
).where(_ISSUERS.c.did == bindparam("did"))


class _IssuerColumns(Protocol):
    """A trust-list row: an ORM object or a plain row of the same columns."""

    @property
    def did(self) -> str: ...
    @property
    def name(self) -> dict[str, Any]: ...
    @property
    def country(self) -> str: ...
    @property
    def accreditation(self) -> str: ...
    @property
    def accreditation_url(self) -> str | None: ...
    @property
    def notes(self) -> dict[str, Any] | None: ...


def _issuer(row: _IssuerColumns) -> TrustedIssuer:
    return TrustedIssuer(
        did=row.did,
        name=LocalizedText.model_validate(row.name),
        country=row.country,
        accreditation=row.accreditation,
        accreditation_url=row.accreditation_url,
        notes=dict(row.notes or {}),
    )


class TrustList:
    """The trust list as stored; implements ``verifier.trust.entries.TrustedIssuers``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lookup(self, did: str) -> TrustedIssuer | None:
        # A plain row from the table (every answer asks): no ORM object built and tracked.
        row = (await self._session.execute(_LOOKUP, {"did": did})).one_or_none()
        return _issuer(row) if row is not None else None

    async def all(self) -> list[TrustedIssuer]:
        rows = await self._session.scalars(
            select(TrustedIssuerRow).order_by(TrustedIssuerRow.position, TrustedIssuerRow.did)
        )
        return [_issuer(row) for row in rows]

    async def put(
        self, issuer: TrustedIssuer, *, position: int | None, actor: str, now: datetime
    ) -> None:
        """Insert or overwrite the entry for ``issuer.did``; ``position`` None keeps the
        entry's place (or puts a new one last)."""
        values: dict[str, Any] = {
            "did": issuer.did,
            "name": issuer.name.texts(),
            "country": issuer.country,
            "accreditation": issuer.accreditation,
            "accreditation_url": issuer.accreditation_url,
            "notes": dict(issuer.notes),
            "updated_at": now,
            "updated_by": actor,
        }
        if position is None:
            existing = await self._session.scalar(
                select(TrustedIssuerRow.position).where(TrustedIssuerRow.did == issuer.did)
            )
            last = await self._session.scalar(select(func.max(TrustedIssuerRow.position)))
            position = existing if existing is not None else (last or 0) + 1
        values["position"] = position
        insert = insert_or_on_conflict(self._session, TrustedIssuerRow).values(**values)
        await self._session.execute(
            insert.on_conflict_do_update(
                index_elements=[TrustedIssuerRow.did],
                set_={key: value for key, value in values.items() if key != "did"},
            )
        )

    async def remove(self, did: str) -> bool:
        result = await self._session.execute(
            delete(TrustedIssuerRow)
            .where(TrustedIssuerRow.did == did)
            .returning(TrustedIssuerRow.did)
        )
        return result.scalar_one_or_none() is not None

    async def keep_only(self, dids: Sequence[str]) -> None:
        await self._session.execute(
            delete(TrustedIssuerRow).where(TrustedIssuerRow.did.not_in(list(dids)))
        )

    async def last_load(self) -> TrustListLoad | None:
        latest: TrustListLoad | None = await self._session.scalar(
            select(TrustListLoad).order_by(TrustListLoad.id.desc()).limit(1)
        )
        return latest

    async def record_load(self, source: str, digest: str, entries: int, now: datetime) -> None:
        load = TrustListLoad(source=source, digest=digest, entries=entries, loaded_at=now)
        self._session.add(load)
        await self._session.flush()
