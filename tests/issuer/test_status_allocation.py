"""Status index allocation under concurrency: two cohorts allocated at once on one list."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from issuer.models import Organisation, StatusAllocation, StatusList
from issuer.status.allocation import AwardStatus, allocate
from tests.issuer.conftest import RunningIssuer


async def test_concurrent_cohorts_on_one_list_get_distinct_indexes(issuer: RunningIssuer) -> None:
    """Two allocations of 2,000 indexes each at the same moment both succeed, and no index
    is given twice (drawn at random, 2,000 + 2,000 of 131,072 would collide ~30 times if
    each drew without seeing the other's)."""
    async for session in issuer.session():
        organisation_id = (await session.scalars(select(Organisation.id))).one()
        await allocate(session, organisation_id)  # both lists exist before the race

    async def cohort() -> list[AwardStatus]:
        async for session in issuer.session():
            statuses = await allocate(session, organisation_id, 2000)
        return statuses

    first, second = await asyncio.gather(cohort(), cohort())
    revocations = {s.revocation.index for s in first} | {s.revocation.index for s in second}
    suspensions = {s.suspension.index for s in first} | {s.suspension.index for s in second}
    assert len(revocations) == len(suspensions) == 4000
    async for session in issuer.session():
        taken = await session.scalar(select(func.count()).select_from(StatusAllocation))
        allocated = list(await session.scalars(select(StatusList.allocated)))
    assert taken == 2 * 4001
    assert allocated == [4001, 4001]
