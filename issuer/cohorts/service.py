"""Cohorts: one CSV upload awards a micro-credential to a whole group of learners.

Issuing is three steps, each its own unit of work, so that none is lost when the issuer
stops half-way:
- ``check`` reads the file and checks every row, with the CSV's own rules and with the award
  model (the rules a single award is held to), and refuses the file with every problem at
  once; ``register`` then records the upload with its file and its idempotency key. The
  same key again finds the first cohort instead of making a second one.
- ``create_chunk``, called by the cohort's job (``issuer.cohorts.job``) until it returns 0,
  creates the awards of the next chunk of rows. Each chunk commits with the cohort's
  progress, so a job that died goes on where it stopped, and never makes a row's award twice.
- ``links`` makes the links file: a fresh offer (new link, new PIN where the file asked for
  one) for every award not yet received. Offer secrets exist in clear only in its result
  (the database keeps hashes), so whoever calls it hands it to the registrar at once; making
  the file again withdraws the offers of the file before.
A cohort may instead e-mail each learner their offer (``email_offers``): ``awards_created``
queues the messages of each chunk in the chunk's own transaction, so a job killed at any
moment neither loses nor doubles an e-mail. The links file then leaves alone every award
whose e-mailed offer is still live ("sent by e-mail") and offers anew only to the others
(no e-mail address, a failed message, an offer that expired).
No credential is signed here: credentials are signed when a wallet redeems its offer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from issuer.admin.audit import record, record_many
from issuer.awards.offers import NewOffer, Offers
from issuer.awards.service import learner_payload
from issuer.catalogue.service import Catalogue, CatalogueItem
from issuer.cohorts import repository
from issuer.cohorts.csvfile import FILE, CohortRow, ParsedFile, RowProblem, parse_cohort
from issuer.cohorts.keys import file_digest
from issuer.cohorts.repository import CohortState, LinkRow
from issuer.mail.repository import FAILED, QUEUED, SENT
from issuer.mail.service import UNAVAILABLE, email_new_offers, mail_available
from issuer.models import Award, Cohort, Organisation
from issuer.organisations.service import awarding_body
from issuer.settings import IssuerSettings
from issuer.status.allocation import allocate
from shared.clock import new_id, utcnow
from shared.credentials.microcredential.elements import element
from shared.credentials.microcredential.model import AwardingBody, CatalogueEntry
from shared.credentials.microcredential.validation import (
    InvalidMicroCredential,
    Problem,
    load_award,
    load_catalogue_entry,
)
from shared.errors import Conflict, InvalidInput, NotFound
from shared.tokens import new_token

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_ROWS = 50_000
# A file that is wrong throughout (dates in the wrong form on every line) is fixed once for
# all lines; listing the first thousand problems says as much as listing fifty thousand.
MAX_PROBLEMS_LISTED = 1000
# Rows created per committed step: the most a job that dies can lose and do again, and the
# step the progress a page shows moves by. Larger chunks cost fewer commits and status-list
# reads; 1,000 keeps each transaction (and SQLite's write lock) well under a second.
CHUNK_ROWS = 1000
# Offers made per statement when the links file is made (SQLite binds at most 32,766 values).
LINK_BATCH = 2000

ALREADY_RECEIVED = "already received"
NEW_OFFER = "new offer"
SENT_BY_EMAIL = "sent by e-mail"

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
    """A checked file, ready to record: every row passed every rule."""

    achievement_id: str
    version_id: str
    organisation_id: str
    title: dict[str, str]
    file_name: str | None
    data: bytes
    rows: list[CohortRow]
    delimiter: str


@dataclass(frozen=True)
class Registered:
    cohort: Cohort
    new: bool  # False: the same upload was made before, this is its cohort


@dataclass(frozen=True)
class LinkLine:
    """One line of the links file: a learner, their award and a fresh offer, or why none."""

    row: LinkRow
    offer: NewOffer | None

    @property
    def status(self) -> str:
        if self.offer is not None:
            return NEW_OFFER
        if self.row.received:
            return ALREADY_RECEIVED
        return (
            SENT_BY_EMAIL if self.row.emailed and self.row.status == "active" else self.row.status
        )

    def as_row(self, settings: IssuerSettings) -> dict[str, object]:
        """The columns of ``csvfile.OFFER_COLUMNS``, links as a single award's offer has them."""
        values: dict[str, object] = {
            "line": self.row.line,
            "name": self.row.name,
            "email": self.row.email,
            "student_id": self.row.student_id,
            "award_id": self.row.award_id,
            "status": self.status,
        }
        if self.offer is not None:
            links = self.offer.links(settings)
            values |= {
                "credential_offer_uri": links["credential_offer_uri"],
                "wallet_link": links["wallet_link"],
                # The QR code's address, as the awards API gives it (OfferOut); built here
                # without a pydantic model per row: the file has up to 50,000 rows.
                "qr_png_url": f"{links['offer_object_uri']}/qr.png",
                "tx_code": self.offer.tx_code,
            }
        return values


@dataclass(frozen=True)
class CohortLinks:
    cohort: Cohort
    lines: list[LinkLine]

    @property
    def offered(self) -> int:
        return sum(line.offer is not None for line in self.lines)


@dataclass(frozen=True)
class Delivery:
    """How a cohort's e-mailed offers are doing, for its page and the API."""

    queued: int
    sent: int
    failed: int
    without_email: int  # learners whose line had no address: the links file is theirs


class Cohorts:
    def __init__(self, session: AsyncSession, settings: IssuerSettings, kek: bytes) -> None:
        self._session = session
        self._settings = settings
        self._kek = kek
        self._catalogue = Catalogue(session, settings.base_url)

    async def check(
        self, achievement_id: str, data: bytes, *, file_name: str | None = None
    ) -> CohortPlan:
        """Check every row; raises InvalidCohort naming each problem, creates nothing."""
        if len(data) > MAX_FILE_BYTES:
            raise FileTooLarge()
        item = await self._catalogue.awardable(achievement_id)
        organisation = await self._organisation(item.achievement.organisation_id)
        # Reading and checking 10,000 rows takes a second of CPU: off the event loop, so
        # the node keeps answering wallets meanwhile.
        parsed = await asyncio.to_thread(_checked, data, item.version.entry, organisation)
        if parsed.problems:
            raise InvalidCohort(parsed.problems)
        return CohortPlan(
            achievement_id=achievement_id,
            version_id=item.version.id,
            organisation_id=organisation.id,
            title=item.version.entry["title"],
            file_name=file_name,
            data=data,
            rows=parsed.rows,
            delimiter=parsed.delimiter,
        )

    async def register(
        self, plan: CohortPlan, *, key: str, actor: str, email_offers: bool = False
    ) -> Registered:
        """Record a checked upload to be created by its job, or find the one with its key.

        The same key with another file (or for another micro-credential) is refused: the
        key names one upload, and guessing which one was meant would award the wrong people.
        ``email_offers``: e-mail each learner their offer (refused when e-mail is not set
        up); the same upload again keeps the choice it was first made with.
        """
        if email_offers and not mail_available(self._settings):
            raise Conflict(UNAVAILABLE)
        cohort_id = new_id()
        now = utcnow()
        inserted = await repository.insert_cohort(
            self._session,
            {
                "id": cohort_id,
                "achievement_version_id": plan.version_id,
                "organisation_id": plan.organisation_id,
                "idempotency_key": key,
                "file_name": plan.file_name,
                "file_digest": file_digest(plan.data),
                "file_data": plan.data,
                "delimiter": plan.delimiter,
                "row_count": len(plan.rows),
                "state": CohortState.QUEUED,
                "done": 0,
                "email_offers": email_offers,
                "created_at": now,
                "created_by": actor,
                "updated_at": now,
            },
        )
        cohort = await repository.by_key(self._session, plan.organisation_id, key)
        if cohort is None:  # inserted, or found: it exists in this transaction either way
            raise NotFound("The cohort just recorded is missing.")
        if inserted:
            await record(
                self._session,
                actor,
                "cohort.create",
                target=f"cohort:{cohort.id}",
                details={"achievement": plan.achievement_id, "rows": len(plan.rows), "key": key},
            )
            return Registered(cohort, new=True)
        same_item = await self._catalogue.version(cohort.achievement_version_id)
        if cohort.file_digest != file_digest(plan.data) or (
            same_item.achievement_id != plan.achievement_id
        ):
            raise Conflict(
                f"This idempotency key was used for another file or micro-credential (cohort "
                f"{cohort.id}); nothing was created. Use a new key for a different upload."
            )
        if cohort.state == CohortState.FAILED:
            await repository.requeue(self._session, cohort.id)
            await self._session.refresh(cohort)
        return Registered(cohort, new=False)

    async def create_chunk(self, cohort_id: str, rows: Sequence[CohortRow]) -> int:
        """Create the awards of the next chunk of ``rows`` (the cohort's file, parsed); how
        many were created, 0 when the cohort is done (or not this worker's to run)."""
        claimed = await repository.claim(self._session, cohort_id)
        if claimed is None:
            return 0
        chunk = rows[claimed.done : claimed.done + CHUNK_ROWS]
        if not chunk:
            await repository.finish(self._session, cohort_id)
            return 0
        cohort = await repository.fresh(self._session, cohort_id)
        if cohort is None or cohort.organisation_id is None:
            raise NotFound(f"No cohort {cohort_id}.")
        award_ids = await self._insert_awards(cohort, cohort.organisation_id, chunk)
        await self.awards_created(cohort, award_ids)
        done = claimed.done + len(chunk)
        await repository.set_done(self._session, cohort_id, done)
        if done >= claimed.total:
            await repository.finish(self._session, cohort_id)
        return len(chunk)

    async def awards_created(self, cohort: Cohort, award_ids: list[str]) -> None:
        """Called once per chunk of a cohort's awards, in the transaction that creates them
        (so whatever it writes commits with them, or not at all; on a retried chunk it is
        called again only for awards created again). The one place for work that follows a
        cohort's awards: e-mailing learners their offers, when the registrar chose to."""
        if not cohort.email_offers or not award_ids:
            return
        awards = await repository.awards_of(self._session, award_ids)
        await email_new_offers(
            self._session,
            self._settings,
            self._kek,
            awards,
            [bool(award.cohort_tx_code) for award in awards],
            actor=cohort.created_by,
        )

    async def delivery(self, cohort: Cohort) -> Delivery | None:
        """The e-mails' progress, for a cohort whose offers are e-mailed (else None)."""
        if not cohort.email_offers:
            return None
        states = await repository.deliveries(self._session, cohort.id)
        return Delivery(
            queued=states.get(QUEUED, 0),
            sent=states.get(SENT, 0),
            failed=states.get(FAILED, 0),
            without_email=await repository.without_email(self._session, cohort.id),
        )

    async def links(self, cohort_id: str, *, actor: str) -> CohortLinks:
        """A fresh offer for every active award not yet received and without a live e-mailed
        offer; the earlier offers of those awards are withdrawn (``Offers.create_many``)."""
        cohort = await self.get(cohort_id)
        if cohort.state != CohortState.DONE:
            raise Conflict(
                f"The cohort is {cohort.state}: {cohort.done} of {cohort.row_count} awards "
                "exist. Its links file can be made once every award is created."
            )
        rows = await repository.link_rows(self._session, cohort_id)
        wanted = [
            row for row in rows if row.status == "active" and not row.received and not row.emailed
        ]
        offers: dict[str, NewOffer] = {}
        maker = Offers(self._session, self._settings, self._kek)
        for batch in _batches(wanted, LINK_BATCH):
            made = await maker.create_many(
                [row.award_id for row in batch], [row.tx_code for row in batch], actor=actor
            )
            offers |= {new.award_id: new for new in made}
        await repository.links_made(self._session, cohort_id)
        await record(
            self._session,
            actor,
            "cohort.links",
            target=f"cohort:{cohort.id}",
            details={"offers": len(offers), "awards": len(rows)},
        )
        return CohortLinks(cohort, [LinkLine(row, offers.get(row.award_id)) for row in rows])

    async def get(self, cohort_id: str) -> Cohort:
        cohort = await repository.fresh(self._session, cohort_id)
        if cohort is None:
            raise NotFound(f"No cohort {cohort_id}.")
        return cohort

    async def award_ids(self, cohort_id: str) -> list[str]:
        rows = await self._session.scalars(
            select(Award.id)
            .where(Award.cohort_id == cohort_id)
            .order_by(Award.cohort_line, Award.awarded_at)
        )
        return list(rows)

    async def recent(self, limit: int = 50) -> list[tuple[Cohort, CatalogueItem]]:
        """The latest cohorts with the catalogue version each was awarded from."""
        rows = await self._session.scalars(
            select(Cohort)
            .options(defer(Cohort.file_data, raiseload=True))  # a list has no use for files
            .order_by(Cohort.created_at.desc())
            .limit(limit)
        )
        cohorts = list(rows)
        return [(cohort, await self.item_of(cohort)) for cohort in cohorts]

    async def item_of(self, cohort: Cohort) -> CatalogueItem:
        version = await self._catalogue.version(cohort.achievement_version_id)
        current = await self._catalogue.current(version.achievement_id)
        return CatalogueItem(current.achievement, version)

    async def count(self) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(Cohort)) or 0)

    async def _insert_awards(
        self, cohort: Cohort, organisation_id: str, chunk: Sequence[CohortRow]
    ) -> list[str]:
        """The chunk's awards, in one INSERT with their status entries allocated together.
        The rows were checked against the award model when the file was uploaded, against
        the very catalogue version the cohort records."""
        statuses = await allocate(self._session, organisation_id, len(chunk))
        now = utcnow()
        rows = [
            _award_row(cohort, organisation_id, row, status, now)
            for row, status in zip(chunk, statuses, strict=True)
        ]
        await repository.insert_awards(self._session, rows)
        details = {"cohort": cohort.id}
        await record_many(
            self._session,
            cohort.created_by,
            "award.create",
            ((f"award:{row['id']}", details) for row in rows),
        )
        return [str(row["id"]) for row in rows]

    async def _organisation(self, organisation_id: str) -> Organisation:
        organisation = await self._session.get(Organisation, organisation_id)
        if organisation is None:
            raise NotFound("The micro-credential's organisation is missing.")
        return organisation


def parsed_rows(data: bytes | None) -> list[CohortRow]:
    """The rows of a recorded cohort's file (``repository.file_of``), as they were when it
    was checked; none once the file is dropped (every award exists)."""
    if data is None:
        return []
    return parse_cohort(data).rows


def _award_row(
    cohort: Cohort, organisation_id: str, row: CohortRow, status: Any, now: datetime
) -> dict[str, Any]:
    recipient = row.recipient
    return {
        "id": new_id(),
        "organisation_id": organisation_id,
        "achievement_version_id": cohort.achievement_version_id,
        "cohort_id": cohort.id,
        "cohort_line": row.line,
        "cohort_tx_code": row.tx_code,
        "learner_name": recipient.name,
        "learner_email": recipient.email,
        "learner_student_id": recipient.student_id,
        "grade": recipient.grade,
        "activity_start": recipient.activity_start,
        "activity_end": recipient.activity_end,
        "awarded_at": now,
        "created_by": cohort.created_by,
        "status": "active",
        "revocation_list_id": status.revocation.list_id,
        "revocation_index": status.revocation.index,
        "suspension_list_id": status.suspension.list_id,
        "suspension_index": status.suspension.index,
        "public_id": new_token(24),
    }


def _checked(data: bytes, entry: dict[str, Any], organisation: Organisation) -> ParsedFile:
    """The CSV's problems and the award model's, of every row."""
    parsed = parse_cohort(data)
    problems = list(parsed.problems)
    learners = len(parsed.rows) + len(parsed.flawed)
    if learners > MAX_ROWS:
        reason = f"{learners} learners; a cohort file holds at most {MAX_ROWS}"
        problems.append(RowProblem(1, FILE, reason))
        return ParsedFile([], problems, parsed.delimiter)
    # The entry and the awarding body are the same for every row: validated once here, they
    # are taken as they are by each row's model (pydantic does not check an instance again),
    # which makes checking a row some twenty times cheaper.
    model = _RowModel(load_catalogue_entry(entry), awarding_body(organisation), utcnow())
    reported = {(problem.line, problem.field) for problem in problems}
    for row in [*parsed.rows, *parsed.flawed]:
        try:
            model.check(row)
        except InvalidMicroCredential as exc:
            found = [RowProblem(row.line, _column(p), p.message) for p in exc.problems]
            problems += [p for p in found if (p.line, p.field) not in reported]
    problems.sort(key=lambda problem: problem.line)
    return ParsedFile(parsed.rows, problems, parsed.delimiter)


@dataclass(frozen=True)
class _RowModel:
    entry: CatalogueEntry
    body: AwardingBody
    issued_at: datetime

    def check(self, row: CohortRow) -> None:
        """The award model of the row (as ``issuer.awards.service.award_model`` builds it)."""
        recipient = row.recipient
        period = None
        if recipient.activity_start or recipient.activity_end:
            period = {"start": recipient.activity_start, "end": recipient.activity_end}
        load_award(
            {
                "entry": self.entry,
                "learner": learner_payload(recipient),
                "awarding_body": self.body,
                "issued_at": self.issued_at,
                "activity_period": period,
                "grade": recipient.grade,
            }
        )


def _column(problem: Problem) -> str:
    """The CSV column an award model problem belongs to, so the registrar knows which cell."""
    if problem.element == _LEARNER or problem.field.startswith("learner"):
        return "name"
    if problem.element == _GRADE:
        return "grade"
    if problem.element == _PERIOD or problem.field.startswith("activity_period"):
        return "activity_end" if "ends" in problem.message else "activity_start"
    return problem.field


def _batches(rows: list[LinkRow], size: int) -> Iterator[list[LinkRow]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
