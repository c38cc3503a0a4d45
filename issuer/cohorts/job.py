"""A cohort's job: create its awards chunk after chunk until every row has one.

Restartable from any point: each chunk commits with the cohort's progress
(``Cohorts.create_chunk``), so a worker killed at any moment leaves either a chunk committed
whole or not at all, and the job run again (by the queue, on this replica or another) goes
on from the first row without an award. Running it twice at once is safe too, only wasted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator, Sequence

from issuer.cohorts import repository
from issuer.cohorts.csvfile import CohortRow
from issuer.cohorts.repository import UNFINISHED
from issuer.cohorts.service import Cohorts, parsed_rows
from issuer.models import Cohort
from issuer.settings import IssuerSettings
from shared.db import session_scope
from shared.errors import CredstackError, NotFound
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

# How often an upload looks whether its cohort is done. Each look is one read by primary key;
# pauses of up to half a second kept a finished cohort waiting 0.25 s on average (0.5 s at
# worst) for its links file, a tenth of a second keeps it waiting 0.05 s.
FIRST_PAUSE = 0.05
LONGEST_PAUSE = 0.1

# The rows of files checked by uploads that are waiting, in this process, for their cohort's
# job, by cohort id (``lending_rows``).
_lent: dict[str, Sequence[CohortRow]] = {}


@contextlib.contextmanager
def lending_rows(cohort_id: str, rows: Sequence[CohortRow]) -> Iterator[None]:
    """Lend the rows an upload has just checked to its cohort's job while the upload waits:
    a job that runs in this process then need not read the file from the database and parse
    it again (the same bytes, so the same rows). A job that runs elsewhere, or after the
    upload stopped waiting, reads the file as always."""
    _lent[cohort_id] = rows
    try:
        yield
    finally:
        _lent.pop(cohort_id, None)


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
        rows = _lent.get(cohort_id)
        data = None if rows is not None else await repository.file_of(session, cohort_id)
    if rows is None:
        # Parsing 10,000 rows takes a moment of CPU: off the event loop.
        rows = await asyncio.to_thread(parsed_rows, data)
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
    pause = FIRST_PAUSE
    while True:
        async with session_scope(runtime.sessions) as session:
            cohort = await repository.fresh(session, cohort_id)
        if cohort is None or cohort.state not in UNFINISHED or time.monotonic() >= deadline:
            if cohort is None:
                raise NotFound(f"No cohort {cohort_id}.")
            return cohort
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)
