"""The durable queue that runs cohort jobs, one interface over two engines.

- PostgreSQL: procrastinate (its own tables in the schema ``procrastinate`` of the issuer's
  database, reached with psycopg 3 at the issuer's database URL). Every replica runs a
  worker; a job is taken by one of them; a worker that dies stops sending heartbeats and its
  job is handed to another worker within a minute (``retry_stalled``); at start, every
  cohort left unfinished gets a job. The schema is applied when the issuer starts, once,
  under an advisory lock, if it is missing.
- SQLite (one node): an in-process worker. The cohort row is the queue: at start the worker
  takes every cohort left queued or running, and every so often any cohort that has made no
  progress for ``STALE_SECONDS`` (its worker process died while another one lives on).

Either way the job itself (``issuer.cohorts.job``) is what makes a restart safe: it goes on
from the cohort's committed progress, and two runs of one cohort never create a row twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Protocol

from sqlalchemy import make_url

from issuer.cohorts import repository
from issuer.cohorts.job import run_cohort
from issuer.settings import IssuerSettings
from shared.clock import utcnow
from shared.db import session_scope
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

# A cohort that moved on in this long is alive somewhere (a chunk takes under a second).
STALE_SECONDS = 60.0
SWEEP_SECONDS = 15.0

QUEUE = "cohorts"
TASK = "credstack.issuer.create_cohort"
STALLED_TASK = "credstack.issuer.retry_stalled_cohorts"
PROCRASTINATE_SCHEMA = "procrastinate"
# Any constant: replicas starting together apply the schema one at a time.
_SCHEMA_LOCK = 7_413_290_517


class CohortQueue(Protocol):
    async def enqueue(self, cohort_id: str) -> None:
        """Have the cohort's job run (again): safe to call for a cohort already queued."""


class CohortWorker:
    """The app's cohort queue: ``running`` is its background work (the app's lifespan),
    ``enqueue`` what the endpoints call."""

    def __init__(self, settings: IssuerSettings) -> None:
        self._settings = settings
        self._queue: CohortQueue | None = None

    @contextlib.asynccontextmanager
    async def running(self, runtime: ServiceRuntime) -> AsyncIterator[CohortQueue]:
        url = self._settings.resolved_database_url
        engine: contextlib.AbstractAsyncContextManager[CohortQueue]
        if url.startswith("postgresql"):
            engine = _procrastinate(runtime, self._settings, _psycopg_dsn(url))
        else:
            engine = _in_process(runtime, self._settings)
        async with engine as queue:
            self._queue = queue
            try:
                yield queue
            finally:
                self._queue = None

    async def enqueue(self, cohort_id: str) -> None:
        if self._queue is None:  # only while the app runs
            raise RuntimeError("the cohort queue is not running")
        await self._queue.enqueue(cohort_id)


# --- SQLite: one process --------------------------------------------------------------------


class InProcessQueue:
    def __init__(self, runtime: ServiceRuntime, settings: IssuerSettings) -> None:
        self._runtime = runtime
        self._settings = settings
        self._waiting: asyncio.Queue[str] = asyncio.Queue()
        self._pending: set[str] = set()  # queued or running here

    async def enqueue(self, cohort_id: str) -> None:
        if cohort_id not in self._pending:
            self._pending.add(cohort_id)
            self._waiting.put_nowait(cohort_id)

    async def work(self) -> None:
        """One cohort after another: each is a run of write transactions, and SQLite has
        one writer at a time anyway."""
        while True:
            cohort_id = await self._waiting.get()
            try:
                await run_cohort(self._runtime, self._settings, cohort_id)
            finally:
                self._pending.discard(cohort_id)

    async def sweep(self, *, stale: bool) -> None:
        """Queue the cohorts left unfinished (by a process that stopped), or only those that
        made no progress for a while."""
        idle_since = utcnow() - timedelta(seconds=STALE_SECONDS) if stale else None
        async with session_scope(self._runtime.sessions) as session:
            found = await repository.unfinished(session, idle_since=idle_since)
        for cohort_id in found:
            await self.enqueue(cohort_id)

    async def sweep_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sweep(stale=True)
            except Exception:  # a locked or unreachable database: try at the next sweep
                log.exception("looking for stalled cohorts failed")


@contextlib.asynccontextmanager
async def _in_process(
    runtime: ServiceRuntime, settings: IssuerSettings
) -> AsyncIterator[CohortQueue]:
    queue = InProcessQueue(runtime, settings)
    await queue.sweep(stale=False)
    tasks = [
        asyncio.create_task(queue.work(), name="cohort worker"),
        asyncio.create_task(queue.sweep_now_and_then(), name="cohort sweeper"),
    ]
    try:
        yield queue
    finally:
        # A job cut short here goes on at the next start: its chunks are committed whole.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# --- PostgreSQL: procrastinate ------------------------------------------------------------------


def _psycopg_dsn(database_url: str) -> str:
    """The issuer's SQLAlchemy URL (postgresql+asyncpg://…) as a libpq connection string."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class ProcrastinateQueue:
    def __init__(self, app: object) -> None:
        self._app = app

    async def enqueue(self, cohort_id: str) -> None:
        import procrastinate.exceptions

        task = self._app.tasks[TASK]  # type: ignore[attr-defined]
        # One waiting job per cohort: a second enqueue while one waits adds nothing.
        with contextlib.suppress(procrastinate.exceptions.AlreadyEnqueued):
            await task.configure(queueing_lock=f"cohort:{cohort_id}").defer_async(
                cohort_id=cohort_id
            )


@contextlib.asynccontextmanager
async def _procrastinate(
    runtime: ServiceRuntime, settings: IssuerSettings, dsn: str
) -> AsyncIterator[CohortQueue]:
    # Imported here: only a PostgreSQL node needs procrastinate and psycopg loaded.
    import procrastinate

    # procrastinate logs every task registration and job at INFO: the issuer's log would be
    # mostly that. Its warnings and errors (a failed job, a lost connection) still show.
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    await _ensure_schema(dsn)
    connector = procrastinate.PsycopgConnector(
        conninfo=dsn,
        kwargs={"options": f"-c search_path={PROCRASTINATE_SCHEMA}"},
        min_size=1,
        max_size=4,
    )
    app = procrastinate.App(connector=connector)

    @app.task(name=TASK, queue=QUEUE)
    async def create_cohort(cohort_id: str) -> None:
        await run_cohort(runtime, settings, cohort_id)

    @app.periodic(cron="* * * * *", periodic_id=STALLED_TASK)
    @app.task(name=STALLED_TASK, queue=QUEUE, queueing_lock=STALLED_TASK)
    async def retry_stalled(timestamp: int) -> None:
        """Jobs whose worker stopped sending heartbeats (it died) are run again."""
        for job in await app.job_manager.get_stalled_jobs(task_name=TASK):
            await app.job_manager.retry_job(job)

    queue = ProcrastinateQueue(app)
    async with app.open_async():
        worker = asyncio.create_task(
            app.run_worker_async(
                queues=[QUEUE],
                name="cohorts",
                concurrency=1,
                install_signal_handlers=False,
                delete_jobs="successful",
                # A job still running when the app stops is cut short after this; its
                # committed chunks stay and it goes on at the next start.
                shutdown_graceful_timeout=5,
            ),
            name="procrastinate worker",
        )
        # Cohorts left unfinished (a crash between recording an upload and queueing it, a
        # whole node stopped) get a job. One another replica is running meanwhile gets a
        # second one: harmless, the chunks are claimed in the database.
        await _enqueue_unfinished(runtime, queue)
        try:
            yield queue
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker


async def _enqueue_unfinished(runtime: ServiceRuntime, queue: CohortQueue) -> None:
    async with session_scope(runtime.sessions) as session:
        found = await repository.unfinished(session)
    for cohort_id in found:
        await queue.enqueue(cohort_id)


async def _ensure_schema(dsn: str) -> None:
    """procrastinate's tables in their own schema, applied once: replicas starting together
    take turns on an advisory lock, and the second finds the tables there."""
    import psycopg
    from procrastinate.schema import SchemaManager

    connect = psycopg.AsyncConnection.connect
    async with await connect(dsn) as connection, connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        found = await connection.execute(
            "SELECT to_regclass(%s)", (f"{PROCRASTINATE_SCHEMA}.procrastinate_jobs",)
        )
        row = await found.fetchone()
        if row is not None and row[0] is not None:
            return
        await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {PROCRASTINATE_SCHEMA}")
        await connection.execute(f"SET LOCAL search_path TO {PROCRASTINATE_SCHEMA}")
        await connection.execute(SchemaManager.get_schema())
