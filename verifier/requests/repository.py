"""The SQL of templates, presentation requests and their results.

A request takes exactly one response: the result is written by one conditional UPDATE whose
WHERE clause says "not answered yet, and not expired when the response arrived", and only
the caller whose UPDATE returned the row has its result kept. The database decides which of
two concurrent responses wins, on SQLite (one writer at a time) as on PostgreSQL (row lock,
WHERE re-checked under READ COMMITTED), and across replicas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from verifier.models import PresentationRequest, Template
from verifier.webhooks.repository import has_enabled_endpoint


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


@dataclass(frozen=True)
class RequestToAnswer:
    """What taking a response needs of the request its state names, read as one row."""

    id: str
    organisation_id: str
    status: str
    responded_at: datetime | None
    expires_at: datetime
    same_device: bool
    nonce: str
    client_id: str
    constraints: dict[str, Any]
    dcql_query: dict[str, Any] | None
    presentation_definition: dict[str, Any] | None
    # Whether the organisation has a webhook endpoint to tell: when it has none (the usual
    # case), storing the result needs no query for endpoints.
    has_webhooks: bool


# Taking a response works on the table, not on ORM objects: nothing is built, tracked or
# flushed (the ORM's bulk-update path alone was about a twentieth of an answer's CPU).
_REQUESTS: Table = PresentationRequest.__table__  # type: ignore[assignment]
_TO_ANSWER = (
    *(_REQUESTS.c[name] for name in RequestToAnswer.__dataclass_fields__ if name != "has_webhooks"),
    has_enabled_endpoint(_REQUESTS.c.organisation_id).label("has_webhooks"),
)


# Built once with bound parameters: building the expressions, and their cache keys, for
# every answer cost more than executing them.
_BY_STATE = select(*_TO_ANSWER).where(_REQUESTS.c.state == bindparam("state"))
_STORE_RESULT = (
    update(_REQUESTS)
    .where(
        _REQUESTS.c.id == bindparam("answered_id"),
        _REQUESTS.c.responded_at.is_(None),
        _REQUESTS.c.expires_at > bindparam("arrived_at"),
    )
    .returning(_REQUESTS.c.id)
)


async def request_to_answer(session: AsyncSession, state: str) -> RequestToAnswer | None:
    """The request ``state`` names, with whether its organisation has webhooks: one
    statement, the columns as plain values."""
    if not _STATE.match(state):
        return None
    row = (await session.execute(_BY_STATE, {"state": state})).one_or_none()
    return None if row is None else RequestToAnswer(**row._asdict())


async def mark_same_device(session: AsyncSession, request_id: str) -> None:
    await session.execute(
        update(PresentationRequest)
        .where(PresentationRequest.id == request_id, PresentationRequest.same_device.is_(False))
        .values(same_device=True)
        .execution_options(synchronize_session=False)
    )


_SWAP_RESPONSE_CODE = (
    update(_REQUESTS)
    .where(
        _REQUESTS.c.id == bindparam("request_id"),
        _REQUESTS.c.response_code_hash == bindparam("given_hash"),
        _REQUESTS.c.responded_at.is_not(None),
    )
    .values(response_code_hash=bindparam("browser_hash"))
    .returning(_REQUESTS.c.id)
)


async def swap_response_code(
    session: AsyncSession, request_id: str, *, given_hash: str, browser_hash: str
) -> bool:
    """Replace the response code's hash by the browser secret's if ``given_hash`` is still
    the request's: True for exactly one caller, so the code works once."""
    result = await session.execute(
        _SWAP_RESPONSE_CODE,
        {"request_id": request_id, "given_hash": given_hash, "browser_hash": browser_hash},
    )
    return result.scalar_one_or_none() is not None


async def store_result(
    session: AsyncSession, request_id: str, *, received_at: datetime, values: dict[str, Any]
) -> bool:
    """Write the response's result if the request was still open when it arrived; True for
    exactly one caller, ever."""
    # The SET clause is made of the parameters' names: responded_at and ``values``.
    parameters = {"answered_id": request_id, "arrived_at": received_at}
    result = await session.execute(
        _STORE_RESULT, {**parameters, "responded_at": received_at, **values}
    )
    return result.scalar_one_or_none() is not None
