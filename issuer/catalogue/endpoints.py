"""Admin API: the micro-credential catalogue (create, edit into new versions, retire).

The model's validation errors come back as 400 ``invalid_request`` naming the EU elements
at fault, with a ``problems`` list (field, element, message).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from issuer.catalogue.schemas import (
    ORGANISATION_FIELD,
    AchievementDetail,
    AchievementOut,
    VersionDetail,
)
from issuer.catalogue.service import Catalogue, CatalogueItem
from issuer.deps import AdminDep, RuntimeDep, SessionDep, SettingsDep
from issuer.models import Organisation
from issuer.organisations.service import Organisations
from shared.errors import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1/achievements", tags=["catalogue"])

EntryBody = Annotated[
    dict[str, Any],
    Body(
        description=(
            "A catalogue entry (every EU element; see the demo catalogue) and optionally "
            f'"{ORGANISATION_FIELD}": the slug of the organisation offering it.'
        )
    ),
]


@dataclass(frozen=True)
class CatalogueServices:
    """What every catalogue endpoint works with, built once per request."""

    catalogue: Catalogue
    organisations: Organisations

    async def detail(self, item: CatalogueItem) -> AchievementDetail:
        organisation = await self.organisations.get(item.achievement.organisation_id)
        versions = await self.catalogue.versions(item.achievement.id)
        return AchievementDetail.build(item, organisation.slug, versions)


def catalogue_services(
    session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> CatalogueServices:
    return CatalogueServices(
        Catalogue(session, settings.base_url),
        Organisations(session, settings, runtime.key_encryption_key),
    )


ServicesDep = Annotated[CatalogueServices, Depends(catalogue_services)]


async def _offering_organisation(organisations: Organisations, slug: Any) -> Organisation:
    """The named organisation; without a name, the node's first (usually its only) one."""
    if slug is not None:
        if not isinstance(slug, str):
            raise InvalidInput(f"{ORGANISATION_FIELD} is an organisation's slug (a string).")
        return await organisations.by_slug(slug)
    everyone = await organisations.all()
    if not everyone:
        raise InvalidInput("There is no issuing organisation yet: create one first.")
    return everyone[0]


@router.get("")
async def list_achievements(actor: AdminDep, services: ServicesDep) -> list[AchievementOut]:
    """Every micro-credential, retired ones included (see ``status``), oldest first."""
    slugs = {o.id: o.slug for o in await services.organisations.all()}
    items = await services.catalogue.items()
    return [AchievementOut.of(item, slugs[item.achievement.organisation_id]) for item in items]


@router.post("", status_code=201)
async def create_achievement(
    body: EntryBody, actor: AdminDep, services: ServicesDep
) -> AchievementDetail:
    data = dict(body)
    slug = data.pop(ORGANISATION_FIELD, None)
    organisation = await _offering_organisation(services.organisations, slug)
    item = await services.catalogue.create(organisation, data, actor=actor.name)
    return await services.detail(item)


@router.get("/{achievement_id}")
async def get_achievement(
    achievement_id: str, actor: AdminDep, services: ServicesDep
) -> AchievementDetail:
    return await services.detail(await services.catalogue.current(achievement_id))


@router.put("/{achievement_id}")
async def edit_achievement(
    achievement_id: str, body: EntryBody, actor: AdminDep, services: ServicesDep
) -> AchievementDetail:
    """Write a new version; awards already made keep the version they were made from."""
    current = await services.catalogue.current(achievement_id)
    data = dict(body)
    slug = data.pop(ORGANISATION_FIELD, None)
    owner = await services.organisations.get(current.achievement.organisation_id)
    if slug is not None and slug != owner.slug:
        raise InvalidInput(
            f"This micro-credential belongs to {owner.slug!r}; it cannot move to another "
            "organisation (create it there instead)."
        )
    item = await services.catalogue.edit(achievement_id, data, actor=actor.name)
    return await services.detail(item)


@router.post("/{achievement_id}/retire")
async def retire_achievement(
    achievement_id: str, actor: AdminDep, services: ServicesDep
) -> AchievementDetail:
    """No new awards from now on; what was awarded stays valid."""
    await services.catalogue.retire(achievement_id, actor=actor.name)
    return await services.detail(await services.catalogue.current(achievement_id))


@router.get("/{achievement_id}/versions/{number}")
async def get_version(
    achievement_id: str, number: int, actor: AdminDep, services: ServicesDep
) -> VersionDetail:
    catalogue = services.catalogue
    await catalogue.current(achievement_id)  # 404 for an unknown micro-credential
    for version in await catalogue.versions(achievement_id):
        if version.version == number:
            return VersionDetail.of(version)
    raise NotFound(f"Micro-credential {achievement_id} has no version {number}.")
