"""Status-list indexes for new awards: random, never reused, one per purpose.

Every award gets a revocation index and a suspension index when it is made, so that all
copies of its credential (one per format) share them. Indexes are drawn at random (an index
in order would leak issuance order and cohort size) and a list is filled only to
``FILL_LIMIT`` so that drawing stays cheap; then the next list of the purpose is opened.

Replicas allocate concurrently (two cohort uploads, awards made while a cohort runs), so:
- a list's indexes are claimed with a compare-and-set on its ``allocated`` count, which also
  locks the list until commit, and only then drawn: two allocations never draw from one list
  at once, so none picks an index the other took (the primary key of ``status_allocations``
  would refuse it) and no list is filled past its limit;
- two allocations that both find the last list full both try to open the next one; the
  unique (organisation, purpose, sequence) key lets one win and the other rolls back only
  its insert (a savepoint) and uses the winner's list.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
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
        await _open_list(session, organisation_id, purpose, sequence=1)


async def _allocate(
    session: AsyncSession, organisation_id: str, purpose: StatusPurpose, count: int
) -> list[StatusSlot]:
    slots: list[StatusSlot] = []
    while len(slots) < count:
        status_list = await _latest_list(session, organisation_id, purpose)
        if status_list is None:  # an organisation made before its lists were opened with it
            await _open_list(session, organisation_id, purpose, sequence=1)
            continue
        take = await _claim(session, status_list, count - len(slots))
        if take == 0:
            await _open_list(session, organisation_id, purpose, status_list.sequence + 1)
            continue
        indexes = await _draw(session, status_list, take)
        await session.execute(
            insert(StatusAllocation),
            [{"list_id": status_list.id, "index": i, "created_at": utcnow()} for i in indexes],
        )
        slots += [StatusSlot(status_list.id, index) for index in indexes]
    return slots


async def _latest_list(
    session: AsyncSession, organisation_id: str, purpose: StatusPurpose
) -> StatusList | None:
    return await session.scalar(
        select(StatusList)
        .where(StatusList.organisation_id == organisation_id, StatusList.purpose == purpose)
        .order_by(StatusList.sequence.desc())
        .limit(1)
        # The list as it is now: this session may hold an older copy of it.
        .execution_options(populate_existing=True)
    )


async def _claim(session: AsyncSession, status_list: StatusList, wanted: int) -> int:
    """Count up to ``wanted`` more indexes of ``status_list`` as taken, as many as its fill
    limit leaves room for (0 when it is full), and hold the list until commit.

    The count read before may be stale, so the UPDATE is a compare-and-set: when another
    allocation changed the count in between, it changes nothing and is tried again with the
    count as it is now. The UPDATE that succeeds locks the list's row (PostgreSQL) or opens
    the write transaction (SQLite), so the indexes read by ``_draw`` afterwards include
    every concurrent allocation's.
    """
    while True:
        seen = status_list.allocated
        take = max(0, min(wanted, int(status_list.size * FILL_LIMIT) - seen))
        claimed = await session.execute(
            update(StatusList)
            .where(StatusList.id == status_list.id, StatusList.allocated == seen)
            .values(allocated=seen + take)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(status_list)
        if claimed.rowcount == 1:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
            return take


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


async def _open_list(
    session: AsyncSession, organisation_id: str, purpose: StatusPurpose, sequence: int
) -> None:
    """Open list ``sequence`` of the purpose, unless a concurrent allocation just opened it.

    The savepoint nests in the write transaction that ``_claim`` or the organisation's insert
    opened: SQLite's driver begins a transaction at the first write, and a savepoint opened
    before it would commit on release. Only the first list of an organisation made before
    lists were opened with it is committed that way, early, and an empty list is harmless.
    """
    try:
        async with session.begin_nested():
            session.add(
                StatusList(
                    id=new_id(),
                    organisation_id=organisation_id,
                    purpose=purpose.value,
                    sequence=sequence,
                    size=MIN_ENTRIES,
                    allocated=0,
                    bits=Bitstring.empty(MIN_ENTRIES).to_bytes(),
                    updated_at=utcnow(),
                )
            )
            await session.flush()
    except IntegrityError:
        latest = await _latest_list(session, organisation_id, purpose)
        if latest is None or latest.sequence < sequence:
            raise  # another constraint failed (no such organisation?): no race was lost
