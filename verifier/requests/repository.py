"""The SQL of templates, presentation requests and their results.

A request takes exactly one response: the result is written by one conditional UPDATE whose
WHERE clause says "not answered yet, and not expired when the response arrived", and only
the caller whose UPDATE returned the row has its result kept. The database decides which of
two concurrent responses wins, on SQLite (one writer at a time) as on PostgreSQL (row lock,
WHERE re-checked under READ COMMITTED), and across replicas.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from verifier.models import PresentationRequest, Template


async def templates(session: AsyncSession, organisation_id: str) -> list[Template]:
    rows = await session.scalars(
        select(Template).where(Template.organisation_id == organisation_id).order_by(Template.name)
    )
    return list(rows)


async def template(session: AsyncSession, organisation_id: str, name: str) -> Template | None:
    return await session.scalar(
        select(Template).where(Template.organisation_id == organisation_id, Template.name == name)
    )


# Request ids are UUIDs and states 43 URL-safe characters; anything else (a NUL byte, which
# PostgreSQL refuses in text, or a megabyte of state) names no request and never reaches SQL.
_REQUEST_ID = re.compile(r"^[0-9a-f-]{36}$")
_STATE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


async def request_of(
    session: AsyncSession, organisation_id: str, request_id: str
) -> PresentationRequest | None:
    """The request, only if it is this organisation's."""
    if not _REQUEST_ID.match(request_id):
        return None
    return await session.scalar(
        select(PresentationRequest).where(
            PresentationRequest.id == request_id,
            PresentationRequest.organisation_id == organisation_id,
        )
    )


async def requests_of(
    session: AsyncSession, organisation_id: str, *, limit: int
) -> list[PresentationRequest]:
    rows = await session.scalars(
        select(PresentationRequest)
        .where(PresentationRequest.organisation_id == organisation_id)
        .order_by(PresentationRequest.created_at.desc())
        .limit(limit)
    )
    return list(rows)


async def request_by_id(session: AsyncSession, request_id: str) -> PresentationRequest | None:
    if not _REQUEST_ID.match(request_id):
        return None
    return await session.get(PresentationRequest, request_id)


async def request_by_state(session: AsyncSession, state: str) -> PresentationRequest | None:
    if not _STATE.match(state):
        return None
    return await session.scalar(
        select(PresentationRequest).where(PresentationRequest.state == state)
    )


async def mark_same_device(session: AsyncSession, request_id: str) -> None:
    await session.execute(
        update(PresentationRequest)
        .where(PresentationRequest.id == request_id, PresentationRequest.same_device.is_(False))
        .values(same_device=True)
        .execution_options(synchronize_session=False)
    )


async def store_result(
    session: AsyncSession, request_id: str, *, received_at: datetime, values: dict[str, Any]
) -> bool:
    """Write the response's result if the request was still open when it arrived; True for
    exactly one caller, ever."""
    result = await session.execute(
        update(PresentationRequest)
        .where(
            PresentationRequest.id == request_id,
            PresentationRequest.responded_at.is_(None),
            PresentationRequest.expires_at > received_at,
        )
        .values(responded_at=received_at, **values)
        .returning(PresentationRequest.id)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none() is not None
