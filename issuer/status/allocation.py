"""Status-list indexes for new awards: random, never reused, one per purpose.

Every award gets a revocation index and a suspension index when it is made, so that all
copies of its credential (one per format) share them. Indexes are drawn at random (an index
in order would leak issuance order and cohort size) and a list is filled only to
``FILL_LIMIT`` so that drawing stays cheap. The primary key of ``status_allocations`` makes
reuse impossible, and a list is locked while indexes are drawn from it, so two replicas
allocating at once (two cohort uploads) never pick the same index and fail on that key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.models import StatusAllocation, StatusList
from shared.clock import new_id, utcnow
from shared.credentials.status_list import MIN_ENTRIES, Bitstring, StatusPurpose

FILL_LIMIT = 0.75
_random = secrets.SystemRandom()


@dataclass(frozen=True)
class StatusSlot:
    list_id: str
    index: int


@dataclass(frozen=True)
class AwardStatus:
    revocation: StatusSlot
    suspension: StatusSlot


async def allocate(
    session: AsyncSession, organisation_id: str, count: int = 1
) -> list[AwardStatus]:
    revocations = await _allocate(session, organisation_id, StatusPurpose.REVOCATION, count)
    suspensions = await _allocate(session, organisation_id, StatusPurpose.SUSPENSION, count)
    return [AwardStatus(r, s) for r, s in zip(revocations, suspensions, strict=True)]


async def open_first_lists(session: AsyncSession, organisation_id: str) -> None:
    """Open an organisation's first list of each purpose when the organisation is created,
    so that its first awards, made concurrently, never race to create the same list."""
    for purpose in StatusPurpose:
        await _list_with_room(session, organisation_id, purpose)


async def _allocate(
    session: AsyncSession, organisation_id: str, purpose: StatusPurpose, count: int
) -> list[StatusSlot]:
    slots: list[StatusSlot] = []
    while len(slots) < count:
        status_list = await _list_with_room(session, organisation_id, purpose)
        room = int(status_list.size * FILL_LIMIT) - status_list.allocated
        take = min(room, count - len(slots))
        # Count the indexes as taken before drawing them. This UPDATE locks the list's row
        # (PostgreSQL) or opens the write transaction (SQLite) until commit, so the indexes
        # read in _draw include every concurrent allocation's: two cohorts drawn at once
        # would otherwise pick some of the same indexes and one would fail on the key.
        await session.execute(
            update(StatusList)
            .where(StatusList.id == status_list.id)
            .values(allocated=StatusList.allocated + take)
        )
        indexes = await _draw(session, status_list, take)
        await session.execute(
            insert(StatusAllocation),
            [{"list_id": status_list.id, "index": i, "created_at": utcnow()} for i in indexes],
        )
        await session.refresh(status_list)
        slots += [StatusSlot(status_list.id, index) for index in indexes]
    return slots


async def _draw(session: AsyncSession, status_list: StatusList, count: int) -> list[int]:
    if count == 1:  # the common case: one award; a point lookup beats loading the list
        while True:
            index = secrets.randbelow(status_list.size)
            if await session.get(StatusAllocation, (status_list.id, index)) is None:
                return [index]
    used = set(
        await session.scalars(
            select(StatusAllocation.index).where(StatusAllocation.list_id == status_list.id)
        )
    )
    chosen: set[int] = set()
    while len(chosen) < count:
        index = _random.randrange(status_list.size)
        if index not in used:
            chosen.add(index)
    return list(chosen)


async def _list_with_room(
    session: AsyncSession, organisation_id: str, purpose: StatusPurpose
) -> StatusList:
    current = await session.scalar(
        select(StatusList)
        .where(StatusList.organisation_id == organisation_id, StatusList.purpose == purpose)
        .order_by(StatusList.sequence.desc())
        .limit(1)
    )
    if current is not None and current.allocated < int(current.size * FILL_LIMIT):
        return current
    status_list = StatusList(
        id=new_id(),
        organisation_id=organisation_id,
        purpose=purpose.value,
        sequence=(current.sequence + 1) if current else 1,
        size=MIN_ENTRIES,
        allocated=0,
        bits=Bitstring.empty(MIN_ENTRIES).to_bytes(),
        updated_at=utcnow(),
    )
    session.add(status_list)
    await session.flush()
    return status_list
