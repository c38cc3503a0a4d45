"""The SQL of the OpenID4VCI endpoints.

Every single-use value is spent by one conditional UPDATE whose WHERE clause says "still
unused", and the caller acts only if that UPDATE returned the row. The database decides
which of two concurrent requests wins, on SQLite (one writer at a time) as on PostgreSQL
(row locks, re-checked WHERE under READ COMMITTED), and across replicas.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Update, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from issuer.models import (
    AccessToken,
    Achievement,
    AchievementVersion,
    CredentialOffer,
    IssuedCredential,
    Nonce,
    Organisation,
)
from shared.db import insert_or_on_conflict

HOUSEKEEPING_EVERY = 64


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


async def catalogue_version(session: AsyncSession) -> tuple[Any, ...]:
    """What changes whenever the catalogue does, in one aggregate query: a micro-credential
    added or removed (count), edited (its new version) or retired or reinstated (updated_at);
    an organisation added (organisations are never renamed or removed)."""
    organisations = select(func.count(Organisation.id)).scalar_subquery()
    row = (
        await session.execute(
            select(
                func.count(Achievement.id),
                func.coalesce(func.sum(Achievement.current_version), 0),
                func.max(Achievement.updated_at),
                organisations,
            )
        )
    ).one()
    return tuple(row)


async def offer(session: AsyncSession, offer_id: str) -> CredentialOffer | None:
    return await session.get(CredentialOffer, offer_id)


async def achievement_of(session: AsyncSession, version_id: str) -> str | None:
    """The achievement an awarded version belongs to."""
    version = await session.get(AchievementVersion, version_id)
    return version.achievement_id if version is not None else None


async def take_tx_code_attempt(
    session: AsyncSession, offer_id: str, *, max_attempts: int
) -> int | None:
    """Take one tx_code attempt of the offer's ``max_attempts``, before the code is compared:
    the count rises only while it is below the limit, in one statement, so that however many
    requests (and replicas) race, no more than ``max_attempts`` comparisons are ever made.
    Returns the attempt's number, or None when none is left or the offer is closed."""
    attempt: int | None = await _one_returned(
        session,
        update(CredentialOffer)
        .where(*_offer_open(offer_id), CredentialOffer.tx_code_failures < max_attempts)
        .values(tx_code_failures=CredentialOffer.tx_code_failures + 1)
        .returning(CredentialOffer.tx_code_failures),
    )
    return attempt


async def lock_offer(session: AsyncSession, offer_id: str, *, now: datetime) -> bool:
    """Withdraw the offer (its last tx_code attempt failed); True if it was still open."""
    return await _spent(
        session,
        update(CredentialOffer).where(*_offer_open(offer_id)).values(invalidated_at=now),
        CredentialOffer.id,
    )


def _redeeming(offer_id: str, now: datetime, *more: ColumnElement[bool]) -> Update:
    """Mark the offer redeemed if it is open and unexpired (and ``more`` holds)."""
    return (
        update(CredentialOffer)
        .where(*_offer_open(offer_id), CredentialOffer.expires_at > now, *more)
        .values(redeemed_at=now)
    )


async def redeem_offer(session: AsyncSession, offer_id: str, *, now: datetime) -> bool:
    """Mark the offer redeemed if it still can be; True for exactly one caller, ever."""
    return await _spent(session, _redeeming(offer_id, now), CredentialOffer.id)


async def redeem_offer_without_tx_code(
    session: AsyncSession, offer_id: str, *, now: datetime
) -> str | None:
    """Most redemptions in one statement: redeem the offer if it is open, unexpired and
    needs no tx_code; its award's id, or None (the caller then reads the offer to say why)."""
    award_id: str | None = await _one_returned(
        session,
        _redeeming(offer_id, now, CredentialOffer.tx_code_hash.is_(None)).returning(
            CredentialOffer.award_id
        ),
    )
    return award_id


def add_access_token(
    session: AsyncSession,
    token_hash: str,
    *,
    offer_id: str,
    award_id: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    session.add(
        AccessToken(
            token_hash=token_hash,
            offer_id=offer_id,
            award_id=award_id,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def access_token(session: AsyncSession, token_hash: str) -> AccessToken | None:
    return await session.get(AccessToken, token_hash)


async def add_nonce(
    session: AsyncSession, value_hash: str, *, now: datetime, ttl: timedelta
) -> None:
    # Housekeeping rides on one nonce creation in HOUSEKEEPING_EVERY, so the table stays as
    # small as its traffic (nonces a lifetime past their expiry can only ever be answered
    # with invalid_nonce) without a DELETE in every request, where concurrent requests
    # would also queue for the same expired rows.
    if secrets.randbelow(HOUSEKEEPING_EVERY) == 0:
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


async def credential_was_issued(
    session: AsyncSession, offer_id: str, configuration_id: str
) -> bool:
    """A cheap look before signing; the unique constraint decides in the end."""
    found = await session.scalar(
        select(IssuedCredential.id).where(
            IssuedCredential.offer_id == offer_id,
            IssuedCredential.configuration_id == configuration_id,
        )
    )
    return found is not None


async def add_issued_credential(
    session: AsyncSession,
    credential_id: str,
    *,
    award_id: str,
    offer_id: str,
    configuration_id: str,
    credential_format: str,
    holder_did: str,
    now: datetime,
) -> bool:
    """Record the credential; False when the offer already yielded one of this
    configuration (the unique (offer, configuration) pair; a concurrent request may have
    won a moment ago, even on another replica). One ``INSERT … ON CONFLICT DO NOTHING``:
    the refused insert leaves the request's transaction as it was, without a savepoint."""
    inserted = await session.scalar(
        insert_or_on_conflict(session, IssuedCredential)
        .values(
            id=credential_id,
            award_id=award_id,
            offer_id=offer_id,
            configuration_id=configuration_id,
            format=credential_format,
            holder_did=holder_did,
            issued_at=now,
        )
        .on_conflict_do_nothing(index_elements=["offer_id", "configuration_id"])
        .returning(IssuedCredential.id)
    )
    return inserted is not None


async def issued_credential(session: AsyncSession, credential_id: str) -> IssuedCredential | None:
    return await session.get(IssuedCredential, credential_id)
