"""The catalogue: micro-credentials an organisation offers, in immutable versions.

Editing writes a new version and moves ``current_version``; awards keep pointing at the
version they were made from, so an edit never changes what was already awarded. A retired
micro-credential stays readable but cannot be awarded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.admin.audit import record
from issuer.models import Achievement, AchievementVersion, Organisation
from shared.clock import new_id, utcnow
from shared.credentials.microcredential.model import CatalogueEntry
from shared.credentials.microcredential.validation import load_catalogue_entry
from shared.errors import Conflict, NotFound

ACTIVE = "active"
RETIRED = "retired"


@dataclass(frozen=True)
class CatalogueItem:
    achievement: Achievement
    version: AchievementVersion

    @property
    def entry(self) -> CatalogueEntry:
        return CatalogueEntry.model_validate(self.version.entry)


def achievement_uri(base_url: str, achievement_id: str) -> str:
    return f"{base_url}/achievements/{achievement_id}"


class Catalogue:
    def __init__(self, session: AsyncSession, base_url: str) -> None:
        self._session = session
        self._base_url = base_url

    async def create(
        self, organisation: Organisation, data: dict[str, Any], *, actor: str
    ) -> CatalogueItem:
        """Add a micro-credential; ``data`` is a catalogue entry as JSON (its ``id`` is ours)."""
        achievement_id = new_id()
        entry = self._entry(achievement_id, data)
        now = utcnow()
        achievement = Achievement(
            id=achievement_id,
            organisation_id=organisation.id,
            status=ACTIVE,
            current_version=1,
            created_at=now,
            updated_at=now,
        )
        self._session.add(achievement)
        await self._session.flush()
        version = await self._add_version(achievement, 1, entry, actor)
        await record(
            self._session, actor, "achievement.create", target=f"achievement:{achievement_id}"
        )
        return CatalogueItem(achievement, version)

    async def edit(self, achievement_id: str, data: dict[str, Any], *, actor: str) -> CatalogueItem:
        achievement = await self._achievement(achievement_id)
        if achievement.status == RETIRED:
            raise Conflict("A retired micro-credential cannot be edited.")
        entry = self._entry(achievement_id, data)
        number = achievement.current_version + 1
        version = await self._add_version(achievement, number, entry, actor)
        achievement.current_version = number
        achievement.updated_at = utcnow()
        await record(
            self._session,
            actor,
            "achievement.edit",
            target=f"achievement:{achievement_id}",
            details={"version": number},
        )
        return CatalogueItem(achievement, version)

    async def retire(self, achievement_id: str, *, actor: str) -> Achievement:
        achievement = await self._achievement(achievement_id)
        achievement.status = RETIRED
        achievement.updated_at = utcnow()
        await record(
            self._session, actor, "achievement.retire", target=f"achievement:{achievement_id}"
        )
        return achievement

    async def current(self, achievement_id: str) -> CatalogueItem:
        achievement = await self._achievement(achievement_id)
        version = await self._session.scalar(
            select(AchievementVersion).where(
                AchievementVersion.achievement_id == achievement_id,
                AchievementVersion.version == achievement.current_version,
            )
        )
        if version is None:
            raise NotFound(f"Micro-credential {achievement_id} has no current version.")
        return CatalogueItem(achievement, version)

    async def awardable(self, achievement_id: str) -> CatalogueItem:
        item = await self.current(achievement_id)
        if item.achievement.status != ACTIVE:
            raise Conflict("This micro-credential is retired and can no longer be awarded.")
        return item

    async def version(self, version_id: str) -> AchievementVersion:
        version = await self._session.get(AchievementVersion, version_id)
        if version is None:
            raise NotFound(f"No catalogue version {version_id}.")
        return version

    async def versions(self, achievement_id: str) -> list[AchievementVersion]:
        rows = await self._session.scalars(
            select(AchievementVersion)
            .where(AchievementVersion.achievement_id == achievement_id)
            .order_by(AchievementVersion.version)
        )
        return list(rows)

    async def items(self, *, include_retired: bool = True) -> list[CatalogueItem]:
        query = (
            select(Achievement, AchievementVersion)
            .join(
                AchievementVersion,
                (AchievementVersion.achievement_id == Achievement.id)
                & (AchievementVersion.version == Achievement.current_version),
            )
            .order_by(Achievement.created_at)
        )
        if not include_retired:
            query = query.where(Achievement.status == ACTIVE)
        rows = await self._session.execute(query)
        return [CatalogueItem(achievement, version) for achievement, version in rows.all()]

    async def count(self) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(Achievement)) or 0)

    async def _achievement(self, achievement_id: str) -> Achievement:
        achievement = await self._session.get(Achievement, achievement_id)
        if achievement is None:
            raise NotFound(f"No micro-credential {achievement_id} in the catalogue.")
        return achievement

    def _entry(self, achievement_id: str, data: dict[str, Any]) -> CatalogueEntry:
        return load_catalogue_entry({**data, "id": achievement_uri(self._base_url, achievement_id)})

    async def _add_version(
        self, achievement: Achievement, number: int, entry: CatalogueEntry, actor: str
    ) -> AchievementVersion:
        version = AchievementVersion(
            id=new_id(),
            achievement_id=achievement.id,
            version=number,
            entry=entry.model_dump(mode="json"),
            created_at=utcnow(),
            created_by=actor,
        )
        self._session.add(version)
        await self._session.flush()
        return version
