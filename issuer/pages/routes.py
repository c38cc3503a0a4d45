"""Every registrar page, as one router for ``create_app``; ``/`` leads to the dashboard."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from issuer.pages import auth, awards, catalogue, dashboard
from issuer.pages.common import HOME_PATH, STATIC_DIR

router = APIRouter(include_in_schema=False)
for pages in (auth, dashboard, catalogue, awards):
    router.include_router(pages.router)


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse(HOME_PATH, status_code=303)


@router.get("/admin/static/admin.css")
async def stylesheet() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "admin.css",
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )
