"""Awarding a micro-credential to a learner.

An award is checked against the full micro-credential model before it is stored (the same
rules the credential will be built with), gets its status indexes, and is recorded in the
audit log. Cohorts go through ``create_many``, which checks every row before creating any.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.admin.audit import record_many
from issuer.catalogue.service import Catalogue, CatalogueItem
from issuer.models import AchievementVersion, Award, Organisation
from issuer.organisations.service import awarding_body
from issuer.status.allocation import allocate
from shared.clock import as_utc, new_id, utcnow
from shared.credentials.microcredential import model as mc
from shared.credentials.microcredential.validation import load_award
from shared.errors import NotFound
from shared.tokens import new_token


@dataclass(frozen=True)
class Recipient:
    """What the registrar says about the learner and the result."""

    name: str
    email: str | None = None
    student_id: str | None = None
    grade: str | None = None
    activity_start: date | None = None
    activity_end: date | None = None


def learner_payload(recipient: Recipient) -> dict[str, Any]:
    # The credential names the learner and is bound to their DID; e-mail and student id stay
    # in the issuer's records (they deliver the offer), not in a document shown to employers.
    return {"name": recipient.name}


def award_model(
    entry: dict[str, Any],
    organisation: Organisation,
    recipient: Recipient,
    issued_at: Any,
) -> mc.Award:
    """The shared model of an award; raises InvalidMicroCredential naming what is wrong."""
    period = None
    if recipient.activity_start or recipient.activity_end:
        period = {"start": recipient.activity_start, "end": recipient.activity_end}
    return load_award(
        {
            "entry": entry,
            "learner": learner_payload(recipient),
            "awarding_body": awarding_body(organisation).model_dump(mode="json"),
            "issued_at": issued_at,
            "activity_period": period,
            "grade": recipient.grade,
        }
    )


def recipient_of(award: Award) -> Recipient:
    return Recipient(
        name=award.learner_name,
        email=award.learner_email,
        student_id=award.learner_student_id,
        grade=award.grade,
        activity_start=award.activity_start,
        activity_end=award.activity_end,
    )


class Awards:
    def __init__(self, session: AsyncSession, base_url: str) -> None:
        self._session = session
        self._catalogue = Catalogue(session, base_url)

    async def create(self, achievement_id: str, recipient: Recipient, *, actor: str) -> Award:
        return (await self.create_many(achievement_id, [recipient], actor=actor))[0]

    async def create_many(
        self,
        achievement_id: str,
        recipients: list[Recipient],
        *,
        actor: str,
        cohort_id: str | None = None,
    ) -> list[Award]:
        """Create one award per recipient, all or none.

        Each recipient is checked against the model first; the first invalid one raises
        (cohort uploads check rows themselves beforehand to report every bad row).
        """
        item = await self._catalogue.awardable(achievement_id)
        organisation = await self._organisation(item)
        now = utcnow()
        for recipient in recipients:
            award_model(item.version.entry, organisation, recipient, now)
        statuses = await allocate(self._session, organisation.id, len(recipients))
        awards = [
            Award(
                id=new_id(),
                organisation_id=organisation.id,
                achievement_version_id=item.version.id,
                cohort_id=cohort_id,
                learner_name=recipient.name,
                learner_email=recipient.email,
                learner_student_id=recipient.student_id,
                grade=recipient.grade,
                activity_start=recipient.activity_start,
                activity_end=recipient.activity_end,
                awarded_at=now,
                created_by=actor,
                status="active",
                revocation_list_id=status.revocation.list_id,
                revocation_index=status.revocation.index,
                suspension_list_id=status.suspension.list_id,
                suspension_index=status.suspension.index,
                public_id=new_token(24),
            )
            for recipient, status in zip(recipients, statuses, strict=True)
        ]
        self._session.add_all(awards)
        await self._session.flush()
        await record_many(
            self._session,
            actor,
            "award.create",
            (
                (f"award:{award.id}", {"achievement": achievement_id, "cohort": cohort_id})
                for award in awards
            ),
        )
        return awards

    async def get(self, award_id: str) -> Award:
        award = await self._session.get(Award, award_id)
        if award is None:
            raise NotFound(f"No award {award_id}.")
        return award

    async def by_public_id(self, public_id: str) -> Award:
        award = await self._session.scalar(select(Award).where(Award.public_id == public_id))
        if award is None:
            raise NotFound("No such certificate.")
        return award

    async def model_of(self, award: Award) -> mc.Award:
        """The award as the shared model, exactly as it was made (its catalogue version)."""
        version = await self._session.get(AchievementVersion, award.achievement_version_id)
        organisation = await self._session.get(Organisation, award.organisation_id)
        if version is None or organisation is None:
            raise NotFound(f"Award {award.id} points at missing records.")
        return award_model(
            version.entry, organisation, recipient_of(award), as_utc(award.awarded_at)
        )

    async def _organisation(self, item: CatalogueItem) -> Organisation:
        organisation = await self._session.get(Organisation, item.achievement.organisation_id)
        if organisation is None:
            raise NotFound("The micro-credential's organisation is missing.")
        return organisation
