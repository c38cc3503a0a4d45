"""The registrar's start page: organisations, the catalogue, the latest awards."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from issuer.awards.registrar import Registrar
from issuer.catalogue.service import Catalogue
from issuer.deps import RuntimeDep, SessionDep, SettingsDep
from issuer.organisations.service import Organisations
from issuer.pages.common import PageActorDep, render

router = APIRouter(prefix="/admin", include_in_schema=False)

RECENT_AWARDS = 10


@router.get("/")
async def dashboard(
    request: Request,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    organisations = await Organisations(session, settings, runtime.key_encryption_key).all()
    items = await Catalogue(session, settings.base_url).items()
    recent = await Registrar(session, settings, runtime.key_encryption_key).page(
        limit=RECENT_AWARDS
    )
    return render(
        request,
        "issuer/dashboard.html",
        {
            "organisations": organisations,
            "slugs": {o.id: o.slug for o in organisations},
            "items": items,
            "recent": recent,
        },
    )
