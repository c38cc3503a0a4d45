"""Admin API: the issuing organisations hosted by this node."""

from __future__ import annotations

from fastapi import APIRouter

from issuer.deps import AdminDep, RuntimeDep, SessionDep, SettingsDep
from issuer.organisations.schemas import OrganisationIn, OrganisationOut
from issuer.organisations.service import Organisations

router = APIRouter(prefix="/api/v1/organisations", tags=["organisations"])


@router.get("")
async def list_organisations(
    actor: AdminDep, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> list[OrganisationOut]:
    organisations = Organisations(session, settings, runtime.key_encryption_key)
    return [OrganisationOut.of(o) for o in await organisations.all()]


@router.post("", status_code=201)
async def create_organisation(
    body: OrganisationIn,
    actor: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> OrganisationOut:
    """A new issuing organisation with its own signing key and DID."""
    organisations = Organisations(session, settings, runtime.key_encryption_key)
    return OrganisationOut.of(await organisations.create(body.to_new(), actor=actor.name))


@router.get("/{slug}")
async def get_organisation(
    slug: str, actor: AdminDep, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> OrganisationOut:
    organisations = Organisations(session, settings, runtime.key_encryption_key)
    return OrganisationOut.of(await organisations.by_slug(slug))
