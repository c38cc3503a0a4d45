"""Cohorts created in the background of the running app, for the registrar's pages.

A page upload of 10,000 learners takes some seconds to create, so the page starts a job and
shows its progress. The finished job holds the offer links and PINs, which exist nowhere
else: they stay in this process's memory only, are shown only to requests signed in with the
token that uploaded the file, and only for ``KEEP_SECONDS`` after the job ends (or until the
registrar says they have saved them). A node with several replicas needs sticky sessions
for these pages; the JSON API returns the links in its response instead.

Jobs run one after another: each is one long write transaction, and on SQLite a second one
would only wait for the first's lock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from shared.errors import CredstackError

log = logging.getLogger(__name__)

KEEP_SECONDS = 30 * 60


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SAVING = "saving"
    DONE = "done"
    FAILED = "failed"


@dataclass
class CohortJob:
    id: str
    owner: str  # the hash of the token the uploader was signed in with
    title: dict[str, str]  # the micro-credential's title, LocalizedText JSON
    file_name: str | None
    total: int
    done: int = 0
    state: JobState = JobState.QUEUED
    error: str | None = None
    # The links file (CSV text with the offers' secrets), held only until ``expires_at``.
    links_csv: str | None = None
    finished_at: float | None = None
    expires_at: float | None = None
    forgotten: bool = False
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100

    def seconds_left(self, now: float) -> int:
        return max(0, int((self.expires_at or now) - now))

    def advance(self, done: int) -> None:
        self.done = done
        if done >= self.total:
            self.state = JobState.SAVING


# The work: creates the cohort in one transaction and returns the links file's text.
Work = Callable[[Callable[[int], None]], Awaitable[str]]


class CohortJobs:
    def __init__(
        self, keep_seconds: float = KEEP_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._jobs: dict[str, CohortJob] = {}
        self._keep = keep_seconds
        self._clock = clock
        self._one_at_a_time = asyncio.Lock()

    def start(self, job: CohortJob, work: Work) -> CohortJob:
        self._purge()
        self._jobs[job.id] = job
        # The registry holds the task, so it is not collected while it runs.
        job.task = asyncio.create_task(self._run(job, work), name=f"cohort {job.id}")
        return job

    def get(self, job_id: str, owner: str) -> CohortJob | None:
        """The job, for the session that started it only."""
        self._purge()
        job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def now(self) -> float:
        return self._clock()

    def forget_links(self, job_id: str, owner: str) -> None:
        job = self.get(job_id, owner)
        if job is not None:
            job.links_csv = None
            job.forgotten = True

    async def wait(self, job_id: str) -> None:
        """Until the job ends (tests, and a clean shutdown)."""
        job = self._jobs.get(job_id)
        if job is not None and job.task is not None:
            await asyncio.shield(job.task)

    async def _run(self, job: CohortJob, work: Work) -> None:
        async with self._one_at_a_time:
            job.state = JobState.RUNNING
            try:
                job.links_csv = await work(job.advance)
                job.state = JobState.DONE
            except CredstackError as exc:
                job.error = exc.description
                job.state = JobState.FAILED
            except Exception:  # the page reports it; the transaction was rolled back
                log.exception("cohort %s failed", job.id)
                job.error = "An unexpected error stopped the upload; nothing was created."
                job.state = JobState.FAILED
            finally:
                job.finished_at = self._clock()
                job.expires_at = job.finished_at + self._keep

    def _purge(self) -> None:
        now = self._clock()
        for job_id, job in list(self._jobs.items()):
            if job.expires_at is not None and job.expires_at <= now:
                del self._jobs[job_id]
