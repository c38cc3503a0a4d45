"""The catalogue API: micro-credentials as a registrar or a script sees them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel

from issuer.catalogue.service import CatalogueItem
from issuer.models import AchievementVersion
from shared.clock import as_utc

# A catalogue entry travels as plain JSON (the shared model's form, see
# docs/eu-microcredential-mapping.md), plus the slug of the organisation that offers it.
ORGANISATION_FIELD = "organisation"

# SQLite hands back naive datetimes; every time the issuer stores is UTC, and says so.
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


class VersionOut(BaseModel):
    version: int
    created_at: UtcDatetime
    created_by: str

    @classmethod
    def of(cls, version: AchievementVersion) -> VersionOut:
        return cls(
            version=version.version, created_at=version.created_at, created_by=version.created_by
        )


class VersionDetail(VersionOut):
    entry: dict[str, Any]

    @classmethod
    def of(cls, version: AchievementVersion) -> VersionDetail:
        return cls(**VersionOut.of(version).model_dump(), entry=version.entry)


class AchievementOut(BaseModel):
    id: str
    title: str  # in the entry's default language
    titles: dict[str, str]  # every language, the default first
    language: str
    status: str  # active | retired
    version: int  # the current version; new awards are made from it
    organisation: str  # slug
    ects: float | None
    workload_hours: float | None
    eqf_level: int
    updated_at: UtcDatetime

    @classmethod
    def of(cls, item: CatalogueItem, organisation_slug: str) -> AchievementOut:
        entry = item.entry
        return cls(
            id=item.achievement.id,
            title=entry.title.text,
            titles=entry.title.texts(),
            language=entry.language,
            status=item.achievement.status,
            version=item.achievement.current_version,
            organisation=organisation_slug,
            ects=float(entry.ects) if entry.ects is not None else None,
            workload_hours=(
                float(entry.workload_hours) if entry.workload_hours is not None else None
            ),
            eqf_level=entry.eqf_level,
            updated_at=item.achievement.updated_at,
        )


class AchievementDetail(AchievementOut):
    entry: dict[str, Any]  # the current version's catalogue entry
    versions: list[VersionOut]

    @classmethod
    def build(
        cls, item: CatalogueItem, organisation_slug: str, versions: list[AchievementVersion]
    ) -> AchievementDetail:
        return cls(
            **AchievementOut.of(item, organisation_slug).model_dump(),
            entry=item.version.entry,
            versions=[VersionOut.of(v) for v in versions],
        )
