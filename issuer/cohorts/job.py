"""A cohort's job: create its awards chunk after chunk until every row has one.

Restartable from any point: each chunk commits with the cohort's progress
(``Cohorts.create_chunk``), so a worker killed at any moment leaves either a chunk committed
whole or not at all, and the job run again (by the queue, on this replica or another) goes
on from the first row without an award. Running it twice at once is safe too, only wasted.
"""

from __future__ import annotations

import asyncio
import logging
import time

from issuer.cohorts import repository
from issuer.cohorts.repository import UNFINISHED
from issuer.cohorts.service import Cohorts, parsed_rows
from issuer.models import Cohort
from issuer.settings import IssuerSettings
from shared.db import session_scope
from shared.errors import CredstackError, NotFound
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

UNEXPECTED = (
    "An unexpected error stopped the cohort; the awards made so far are kept. Upload the same "
    "file again to go on from where it stopped."
)


async def run_cohort(runtime: ServiceRuntime, settings: IssuerSettings, cohort_id: str) -> None:
    """Create the cohort's missing awards; a failure is recorded on the cohort in words."""
    try:
        await _create_all(runtime, settings, cohort_id)
    except CredstackError as exc:
        await _fail(runtime, cohort_id, exc.description)
    except Exception:
        log.exception("cohort %s stopped", cohort_id)
        await _fail(runtime, cohort_id, UNEXPECTED)


async def _create_all(runtime: ServiceRuntime, settings: IssuerSettings, cohort_id: str) -> None:
    async with session_scope(runtime.sessions) as session:
        cohort = await repository.fresh(session, cohort_id)
        if cohort is None or cohort.state not in UNFINISHED:
            return
    # Parsing 10,000 rows takes a moment of CPU: off the event loop.
    rows = await asyncio.to_thread(parsed_rows, cohort)
    while True:
        async with session_scope(runtime.sessions) as session:
            cohorts = Cohorts(session, settings, runtime.key_encryption_key)
            if not await cohorts.create_chunk(cohort_id, rows):
                return


async def _fail(runtime: ServiceRuntime, cohort_id: str, error: str) -> None:
    async with session_scope(runtime.sessions) as session:
        await repository.fail(session, cohort_id, error)


async def wait_until_finished(runtime: ServiceRuntime, cohort_id: str, seconds: float) -> Cohort:
    """The cohort once done or failed, or as it is after ``seconds``. It is read from the
    database because its job may run in another process or on another replica."""
    deadline = time.monotonic() + seconds
    pause = 0.05
    while True:
        async with session_scope(runtime.sessions) as session:
            cohort = await repository.fresh(session, cohort_id)
        if cohort is None or cohort.state not in UNFINISHED or time.monotonic() >= deadline:
            if cohort is None:
                raise NotFound(f"No cohort {cohort_id}.")
            return cohort
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.5)
