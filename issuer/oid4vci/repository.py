"""The SQL of the OpenID4VCI endpoints.

Every single-use value is spent by one conditional UPDATE whose WHERE clause says "still
unused", and the caller acts only if that UPDATE returned the row. The database decides
which of two concurrent requests wins, on SQLite (one writer at a time) as on PostgreSQL
(row locks, re-checked WHERE under READ COMMITTED), and across replicas.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Update, case, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from issuer.models import AccessToken, CredentialOffer, IssuedCredential, Nonce


async def _one_returned(session: AsyncSession, statement: Update) -> Any | None:
    """What a conditional ``UPDATE … RETURNING`` of at most one row returned, or None when
    its WHERE clause no longer held (someone else spent the value first)."""
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return result.scalar_one_or_none()


async def _spent(session: AsyncSession, statement: Update, key: QueryableAttribute[Any]) -> bool:
    """True for the one caller whose conditional UPDATE found the row still unspent."""
    return await _one_returned(session, statement.returning(key)) is not None


def _offer_open(offer_id: str) -> tuple[ColumnElement[bool], ...]:
    """The offer is neither redeemed nor withdrawn."""
    return (
        CredentialOffer.id == offer_id,
        CredentialOffer.redeemed_at.is_(None),
        CredentialOffer.invalidated_at.is_(None),
    )


def _nonce_live(value_hash: str, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (Nonce.value_hash == value_hash, Nonce.used_at.is_(None), Nonce.expires_at > now)


async def offer(session: AsyncSession, offer_id: str) -> CredentialOffer | None:
    return await session.get(CredentialOffer, offer_id)


async def count_tx_code_failure(
    session: AsyncSession, offer_id: str, *, max_failures: int, now: datetime
) -> int | None:
    """Add one failed tx_code attempt; the attempt that reaches ``max_failures`` also
    invalidates the offer, in the same statement. Returns the new count, or None when the
    offer was no longer open (redeemed or invalidated meanwhile)."""
    failures = CredentialOffer.tx_code_failures + 1
    count: int | None = await _one_returned(
        session,
        update(CredentialOffer)
        .where(*_offer_open(offer_id))
        .values(
            tx_code_failures=failures,
            # SET expressions see the row as it was before this statement, on both databases.
            invalidated_at=case((failures >= max_failures, now), else_=None),
        )
        .returning(CredentialOffer.tx_code_failures),
    )
    return count


async def redeem_offer(session: AsyncSession, offer_id: str, *, now: datetime) -> bool:
    """Mark the offer redeemed if it still can be; True for exactly one caller, ever."""
    return await _spent(
        session,
        update(CredentialOffer)
        .where(*_offer_open(offer_id), CredentialOffer.expires_at > now)
        .values(redeemed_at=now),
        CredentialOffer.id,
    )


def add_access_token(
    session: AsyncSession,
    token_hash: str,
    offer: CredentialOffer,
    *,
    now: datetime,
    expires_at: datetime,
) -> None:
    session.add(
        AccessToken(
            token_hash=token_hash,
            offer_id=offer.id,
            award_id=offer.award_id,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def access_token(session: AsyncSession, token_hash: str) -> AccessToken | None:
    return await session.get(AccessToken, token_hash)


async def add_nonce(
    session: AsyncSession, value_hash: str, *, now: datetime, ttl: timedelta
) -> None:
    # Housekeeping rides on nonce creation, so the table stays as small as its traffic
    # (nonces a lifetime past their expiry can only ever be answered with invalid_nonce).
    await session.execute(delete(Nonce).where(Nonce.expires_at < now - ttl))
    session.add(Nonce(value_hash=value_hash, created_at=now, expires_at=now + ttl))


async def nonce_is_live(session: AsyncSession, value_hash: str, *, now: datetime) -> bool:
    """A read-only look, to refuse a stale nonce before spending effort on the request."""
    found = await session.scalar(select(Nonce.value_hash).where(*_nonce_live(value_hash, now)))
    return found is not None


async def use_nonce(session: AsyncSession, value_hash: str, *, now: datetime) -> bool:
    """Spend the nonce if it is known, unused and unexpired; True for exactly one caller."""
    return await _spent(
        session,
        update(Nonce).where(*_nonce_live(value_hash, now)).values(used_at=now),
        Nonce.value_hash,
    )


def add_issued_credential(
    session: AsyncSession,
    credential_id: str,
    *,
    award_id: str,
    credential_format: str,
    holder_did: str,
    now: datetime,
) -> None:
    session.add(
        IssuedCredential(
            id=credential_id,
            award_id=award_id,
            format=credential_format,
            holder_did=holder_did,
            issued_at=now,
        )
    )


async def issued_credential(session: AsyncSession, credential_id: str) -> IssuedCredential | None:
    return await session.get(IssuedCredential, credential_id)
