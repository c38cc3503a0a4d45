"""Cohorts: one CSV upload awards a micro-credential to a whole group of learners.

Issuing is two steps. ``check`` reads the file and checks every row, with the CSV's own
rules and with the award model (the rules a single award is held to), and refuses the file
with every problem at once; nothing is created. ``create`` then makes all awards and offers
in the caller's transaction, so a cohort is created whole or not at all, and returns the
offers' links and transaction codes: they exist in clear only in that result (the database
keeps hashes), so whoever calls it must hand them to the registrar at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.admin.audit import record
from issuer.awards.offers import NewOffer, Offers
from issuer.awards.schemas import OfferOut
from issuer.awards.service import Awards, award_model
from issuer.catalogue.service import Catalogue, CatalogueItem
from issuer.cohorts.csvfile import FILE, CohortRow, ParsedFile, RowProblem, parse_cohort
from issuer.models import Award, Cohort, Organisation
from issuer.settings import IssuerSettings
from shared.clock import new_id, utcnow
from shared.credentials.microcredential.elements import element
from shared.credentials.microcredential.validation import InvalidMicroCredential, Problem
from shared.errors import Conflict, InvalidInput, NotFound

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_ROWS = 50_000
# A file that is wrong throughout (dates in the wrong form on every line) is fixed once for
# all lines; listing the first thousand problems says as much as listing fifty thousand.
MAX_PROBLEMS_LISTED = 1000
# Rows created per step; the progress a page shows moves by this much.
CHUNK_ROWS = 500

Progress = Callable[[int], None]

_LEARNER = element("learner").label
_GRADE = element("grade").label
_PERIOD = element("time_period").label


class InvalidCohort(InvalidInput):
    """The file was refused; ``problems`` names every bad line, field and reason."""

    def __init__(self, problems: list[RowProblem]):
        lines = len({problem.line for problem in problems})
        super().__init__(
            f"The file was refused, nothing was created: {len(problems)} problem(s) on "
            f"{lines} line(s). Correct them and upload the whole file again."
        )
        self.problems = problems

    @property
    def listed(self) -> list[RowProblem]:
        return self.problems[:MAX_PROBLEMS_LISTED]

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "problems": [asdict(problem) for problem in self.listed],
            "problems_total": len(self.problems),
        }


class FileTooLarge(InvalidInput):
    status_code = 413

    def __init__(self) -> None:
        super().__init__(
            f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; "
            f"split the cohort into several files of at most {MAX_ROWS} learners."
        )


@dataclass(frozen=True)
class CohortPlan:
    """A checked file, ready to create: every row passed every rule."""

    achievement_id: str
    title: dict[str, str]
    file_name: str | None
    rows: list[CohortRow]
    delimiter: str


@dataclass(frozen=True)
class IssuedOffer:
    """One line of the links file: a learner, their award and their offer's secrets."""

    row: CohortRow
    award_id: str
    offer: NewOffer

    def as_row(self, settings: IssuerSettings) -> dict[str, object]:
        """The columns of ``csvfile.OFFER_COLUMNS``, links as a single award's offer has them."""
        recipient = self.row.recipient
        links = OfferOut.of(self.award_id, self.offer, settings)
        return {
            "line": self.row.line,
            "name": recipient.name,
            "email": recipient.email,
            "student_id": recipient.student_id,
            "award_id": self.award_id,
            "credential_offer_uri": links.credential_offer_uri,
            "wallet_link": links.wallet_link,
            "qr_png_url": links.qr_png_url,
            "tx_code": links.tx_code,
        }


@dataclass(frozen=True)
class CreatedCohort:
    cohort: Cohort
    offers: list[IssuedOffer]


class Cohorts:
    def __init__(self, session: AsyncSession, settings: IssuerSettings, kek: bytes) -> None:
        self._session = session
        self._settings = settings
        self._kek = kek
        self._catalogue = Catalogue(session, settings.base_url)
        self._offers = Offers(session, settings, kek)

    async def check(
        self, achievement_id: str, data: bytes, *, file_name: str | None = None
    ) -> CohortPlan:
        """Check every row; raises InvalidCohort naming each problem, creates nothing."""
        if len(data) > MAX_FILE_BYTES:
            raise FileTooLarge()
        item = await self._catalogue.awardable(achievement_id)
        organisation = await self._organisation(item)
        # Reading and checking 10,000 rows takes a second or two of CPU: off the event loop,
        # so the node keeps answering wallets meanwhile.
        parsed = await asyncio.to_thread(_checked, data, item.version.entry, organisation)
        if parsed.problems:
            raise InvalidCohort(parsed.problems)
        title = item.version.entry["title"]
        return CohortPlan(achievement_id, title, file_name, parsed.rows, parsed.delimiter)

    async def create(
        self,
        plan: CohortPlan,
        *,
        actor: str,
        cohort_id: str | None = None,
        progress: Progress | None = None,
    ) -> CreatedCohort:
        """Create every award and offer of a checked file, in the caller's transaction."""
        item = await self._catalogue.awardable(plan.achievement_id)
        cohort = Cohort(
            id=cohort_id or new_id(),
            achievement_version_id=item.version.id,
            file_name=plan.file_name,
            row_count=len(plan.rows),
            created_at=utcnow(),
            created_by=actor,
        )
        self._session.add(cohort)
        await self._session.flush()
        await record(
            self._session,
            actor,
            "cohort.create",
            target=f"cohort:{cohort.id}",
            details={"achievement": plan.achievement_id, "rows": len(plan.rows)},
        )
        awards = Awards(self._session, self._settings.base_url)
        issued: list[IssuedOffer] = []
        for chunk in _chunks(plan.rows, CHUNK_ROWS):
            made = await awards.create_many(
                plan.achievement_id,
                [row.recipient for row in chunk],
                actor=actor,
                cohort_id=cohort.id,
            )
            if any(award.achievement_version_id != cohort.achievement_version_id for award in made):
                raise Conflict(
                    "The micro-credential was edited while the cohort was being created; "
                    "nothing was created. Upload the file again."
                )
            offers = await self._offers.create_many(
                made, [row.tx_code for row in chunk], actor=actor
            )
            issued += [
                IssuedOffer(row, award.id, offer)
                for row, award, offer in zip(chunk, made, offers, strict=True)
            ]
            if progress is not None:
                progress(len(issued))
        return CreatedCohort(cohort, issued)

    async def get(self, cohort_id: str) -> Cohort:
        cohort = await self._session.get(Cohort, cohort_id)
        if cohort is None:
            raise NotFound(f"No cohort {cohort_id}.")
        return cohort

    async def award_ids(self, cohort_id: str) -> list[str]:
        rows = await self._session.scalars(
            select(Award.id).where(Award.cohort_id == cohort_id).order_by(Award.awarded_at)
        )
        return list(rows)

    async def recent(self, limit: int = 50) -> list[tuple[Cohort, CatalogueItem]]:
        """The latest cohorts with the catalogue version each was awarded from."""
        rows = await self._session.scalars(
            select(Cohort).order_by(Cohort.created_at.desc()).limit(limit)
        )
        cohorts = list(rows)
        return [(cohort, await self.item_of(cohort)) for cohort in cohorts]

    async def item_of(self, cohort: Cohort) -> CatalogueItem:
        version = await self._catalogue.version(cohort.achievement_version_id)
        current = await self._catalogue.current(version.achievement_id)
        return CatalogueItem(current.achievement, version)

    async def count(self) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(Cohort)) or 0)

    async def _organisation(self, item: CatalogueItem) -> Organisation:
        organisation = await self._session.get(Organisation, item.achievement.organisation_id)
        if organisation is None:
            raise NotFound("The micro-credential's organisation is missing.")
        return organisation


def _checked(data: bytes, entry: dict[str, Any], organisation: Organisation) -> ParsedFile:
    """The CSV's problems and the award model's, of every row."""
    parsed = parse_cohort(data)
    problems = list(parsed.problems)
    learners = len(parsed.rows) + len(parsed.flawed)
    if learners > MAX_ROWS:
        reason = f"{learners} learners; a cohort file holds at most {MAX_ROWS}"
        problems.append(RowProblem(1, FILE, reason))
        return ParsedFile([], problems, parsed.delimiter)
    issued_at = utcnow()
    reported = {(problem.line, problem.field) for problem in problems}
    for row in [*parsed.rows, *parsed.flawed]:
        try:
            award_model(entry, organisation, row.recipient, issued_at)
        except InvalidMicroCredential as exc:
            found = [RowProblem(row.line, _column(p), p.message) for p in exc.problems]
            problems += [p for p in found if (p.line, p.field) not in reported]
    problems.sort(key=lambda problem: problem.line)
    return ParsedFile(parsed.rows, problems, parsed.delimiter)


def _column(problem: Problem) -> str:
    """The CSV column an award model problem belongs to, so the registrar knows which cell."""
    if problem.element == _LEARNER or problem.field.startswith("learner"):
        return "name"
    if problem.element == _GRADE:
        return "grade"
    if problem.element == _PERIOD or problem.field.startswith("activity_period"):
        return "activity_end" if "ends" in problem.message else "activity_start"
    return problem.field


def _chunks(rows: list[CohortRow], size: int) -> Iterator[list[CohortRow]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
