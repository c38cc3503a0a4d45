"""Status index allocation under concurrency: cohorts drawn from one list at once, and
allocations racing to open the next list when one fills up."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, update

from issuer.models import Organisation, StatusAllocation, StatusList
from issuer.status.allocation import FILL_LIMIT, AwardStatus, allocate
from shared.credentials.status_list import MIN_ENTRIES
from tests.issuer.conftest import RunningIssuer
from tests.support.rendezvous import rendezvous

LATEST_LIST_QUERY = "ORDER BY status_lists.sequence DESC"  # what allocation reads first
TINY_LIST = 16  # 12 indexes below the fill limit: concurrent random draws would collide


async def organisation_id(issuer: RunningIssuer) -> str:
    async with issuer.session() as session:
        found = (await session.scalars(select(Organisation.id))).one()
    return found


async def allocate_at_once(
    issuer: RunningIssuer, organisation: str, counts: list[int]
) -> list[AwardStatus]:
    """One allocation per count, each in its own unit of work, all having read the open list
    before any of them writes; every one of them must succeed."""

    async def one(count: int) -> list[AwardStatus]:
        async with issuer.session() as session:
            statuses = await allocate(session, organisation, count)
        return statuses

    with rendezvous(issuer.runtime.engine, len(counts), LATEST_LIST_QUERY):
        outcomes = await asyncio.gather(*(one(count) for count in counts), return_exceptions=True)
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    return [status for outcome in outcomes if isinstance(outcome, list) for status in outcome]


async def lists_and_allocations(
    issuer: RunningIssuer,
) -> tuple[list[tuple[str, int, int]], set[tuple[str, int]]]:
    """Every list as (purpose, sequence, allocated), and every (list id, index) taken."""
    async with issuer.session() as session:
        lists = await session.scalars(
            select(StatusList).order_by(StatusList.purpose, StatusList.sequence)
        )
        shapes = [(item.purpose, item.sequence, item.allocated) for item in lists]
        taken = await session.execute(select(StatusAllocation.list_id, StatusAllocation.index))
        allocations = {(list_id, index) for list_id, index in taken}
    return shapes, allocations


def handed_out(statuses: list[AwardStatus]) -> list[tuple[str, int]]:
    slots = [slot for status in statuses for slot in (status.revocation, status.suspension)]
    return [(slot.list_id, slot.index) for slot in slots]


async def test_concurrent_cohorts_on_one_list_get_distinct_indexes(issuer: RunningIssuer) -> None:
    """Two allocations of 2,000 indexes each at the same moment both succeed, and no index
    is given twice (drawn at random, 2,000 + 2,000 of 131,072 would collide ~30 times if
    each drew without seeing the other's)."""
    organisation = await organisation_id(issuer)
    async with issuer.session() as session:
        await allocate(session, organisation)

    statuses = await allocate_at_once(issuer, organisation, [2000, 2000])

    revocations = {s.revocation.index for s in statuses}
    suspensions = {s.suspension.index for s in statuses}
    assert len(revocations) == len(suspensions) == 4000
    async with issuer.session() as session:
        taken = await session.scalar(select(func.count()).select_from(StatusAllocation))
        allocated = list(await session.scalars(select(StatusList.allocated)))
    assert taken == 2 * 4001
    assert allocated == [4001, 4001]


async def test_allocations_racing_to_open_the_next_list_all_get_it(
    issuer: RunningIssuer,
) -> None:
    """Allocations that all find the open lists at their fill limit all try to open the next
    ones: one opens each, the others use it instead of failing on its sequence number, and
    no index is handed out twice."""
    organisation = await organisation_id(issuer)
    limit = int(MIN_ENTRIES * FILL_LIMIT)
    async with issuer.session() as session:
        await session.execute(update(StatusList).values(allocated=limit))

    statuses = await allocate_at_once(issuer, organisation, [1, 1, 1, 1])

    shapes, taken = await lists_and_allocations(issuer)
    assert shapes == [
        ("revocation", 1, limit),
        ("revocation", 2, 4),
        ("suspension", 1, limit),
        ("suspension", 2, 4),
    ]
    slots = handed_out(statuses)
    assert len(set(slots)) == len(slots) == 8
    assert set(slots) == taken


async def test_concurrent_allocations_fill_a_list_to_its_limit_only(
    issuer: RunningIssuer,
) -> None:
    """Allocations of 1 to 5 indexes at once on a list with room for 12 all read it with that
    room; they take exactly 12 from it, draw none twice, and continue in the next list."""
    organisation = await organisation_id(issuer)
    async with issuer.session() as session:
        await session.execute(update(StatusList).values(size=TINY_LIST, bits=bytes(TINY_LIST // 8)))

    statuses = await allocate_at_once(issuer, organisation, [1, 2, 3, 4, 5])

    shapes, taken = await lists_and_allocations(issuer)
    limit = int(TINY_LIST * FILL_LIMIT)
    assert shapes == [
        ("revocation", 1, limit),
        ("revocation", 2, 15 - limit),
        ("suspension", 1, limit),
        ("suspension", 2, 15 - limit),
    ]
    slots = handed_out(statuses)
    assert len(set(slots)) == len(slots) == 30
    assert set(slots) == taken
