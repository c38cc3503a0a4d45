"""A learner's credentials: sealed at rest, and never visible to another learner.

Every read and delete is scoped to the learner; another learner's credential id answers
exactly like an id that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import DateTime, delete, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from holder.i18n import _
from holder.models import ActivityEvent, Learner, StoredCredential
from holder.wallet.views import CardSource
from shared.clock import new_id, utcnow
from shared.credentials.formats.base import SignedDocument
from shared.crypto.encryption import binding_data, seal, unseal
from shared.errors import CryptoError, NotFound

_LABEL = "credstack/wallet-credential/v1"
# The list (page and API) shows a page at a time: a wallet may hold thousands of credentials.
PAGE_SIZE = 25
MAX_PAGE = 200
_CARD_COLUMNS = (
    StoredCredential.id,
    StoredCredential.format,
    StoredCredential.source,
    StoredCredential.received_at,
    StoredCredential.status,
    StoredCredential.status_checked_at,
    StoredCredential.summary,
    StoredCredential.issuer_id,
)


def _binding(learner_id: str, credential_id: str) -> bytes:
    return binding_data(_LABEL, learner_id, credential_id)


class CredentialStore:
    def __init__(self, session: AsyncSession, learner: Learner, kek: bytes) -> None:
        self._session = session
        self._learner = learner
        self._kek = kek

    async def add(
        self,
        *,
        format_name: str,
        document: SignedDocument,
        summary: dict[str, Any],
        issuer_id: str,
        source: str,
        status: str = "unknown",
    ) -> StoredCredential:
        credential_id = new_id()
        plaintext = json.dumps({"format": format_name, "document": document}).encode()
        record = StoredCredential(
            id=credential_id,
            learner_id=self._learner.id,
            format=format_name,
            sealed_document=seal(plaintext, self._kek, _binding(self._learner.id, credential_id)),
            summary=summary,
            issuer_id=issuer_id,
            source=source,
            received_at=utcnow(),
            status=status,
        )
        self._session.add(record)
        await self.log("credential.add", {"credential": credential_id, "source": source})
        await self._session.flush()
        return record

    async def all(self) -> list[StoredCredential]:
        rows = await self._session.scalars(
            select(StoredCredential)
            .where(StoredCredential.learner_id == self._learner.id)
            .order_by(StoredCredential.received_at.desc())
        )
        return list(rows)

    async def page(self, limit: int, after: str | None = None) -> Sequence[CardSource]:
        """Up to ``limit`` credentials, newest first, following the credential ``after`` (the
        last of the page before; an id that is not this learner's starts from the newest).

        Only the columns a card shows, as plain rows: the sealed documents stay in the
        database, and no ORM object is built or tracked per card."""
        query = (
            select(*_CARD_COLUMNS)
            .where(StoredCredential.learner_id == self._learner.id)
            .order_by(StoredCredential.received_at.desc(), StoredCredential.id.desc())
            .limit(limit)
        )
        if after is not None:
            anchor = (
                await self._session.execute(
                    select(StoredCredential.received_at, StoredCredential.id).where(
                        StoredCredential.id == after,
                        StoredCredential.learner_id == self._learner.id,
                    )
                )
            ).one_or_none()
            if anchor is not None:
                # Keyset, not offset: the index finds the next page however deep it is.
                query = query.where(
                    tuple_(StoredCredential.received_at, StoredCredential.id)
                    < tuple_(
                        literal(anchor.received_at, DateTime(timezone=True)), literal(anchor.id)
                    )
                )
        rows: Sequence[CardSource] = (await self._session.execute(query)).all()
        return rows

    async def get(self, credential_id: str) -> StoredCredential:
        record = await self._session.scalar(
            select(StoredCredential).where(
                StoredCredential.id == credential_id,
                StoredCredential.learner_id == self._learner.id,
            )
        )
        if record is None:
            raise NotFound(_("No such credential in your wallet."))
        return record

    def document(self, record: StoredCredential) -> SignedDocument:
        """The credential as received (a JSON object for ldp_vc, a JWT for jwt_vc_json)."""
        plaintext = unseal(
            record.sealed_document, self._kek, _binding(record.learner_id, record.id)
        )
        if plaintext is None:
            raise CryptoError(f"Credential {record.id} could not be unsealed.")
        document: SignedDocument = json.loads(plaintext)["document"]
        return document

    async def delete(self, credential_id: str) -> None:
        record = await self.get(credential_id)
        await self._session.execute(
            delete(StoredCredential).where(StoredCredential.id == record.id)
        )
        await self.log("credential.delete", {"credential": credential_id})

    async def set_status(self, record: StoredCredential, status: str) -> None:
        """Record what a status check found (the record must be this learner's)."""
        if record.learner_id != self._learner.id:
            raise NotFound(_("No such credential in your wallet."))
        record.status = status
        record.status_checked_at = utcnow()
        await self._session.flush()

    async def log(self, action: str, details: dict[str, Any]) -> None:
        self._session.add(
            ActivityEvent(learner_id=self._learner.id, at=utcnow(), action=action, details=details)
        )
