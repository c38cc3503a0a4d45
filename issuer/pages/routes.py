"""Every registrar page, as one router for ``create_app``; ``/`` leads to the dashboard."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from issuer.pages import auth, awards, catalogue, dashboard
from issuer.pages.common import HOME_PATH

router = APIRouter(include_in_schema=False)
for pages in (auth, dashboard, catalogue, awards):
    router.include_router(pages.router)


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse(HOME_PATH, status_code=303)
