"""The registrar's status actions (the buttons on an award's page) and the lists overview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.deps import SessionDep, SettingsDep
from issuer.pages.common import PageActorDep, SameOriginDep, render
from issuer.status.service import AwardStatuses, StatusAction
from issuer.status.urls import status_list_url

router = APIRouter(prefix="/admin", include_in_schema=False)

ReasonForm = Annotated[str | None, Form()]


async def _change(
    session: AsyncSession, award_id: str, action: StatusAction, reason: str | None, actor: str
) -> RedirectResponse:
    await AwardStatuses(session).change(award_id, action, reason=reason, actor=actor)
    return RedirectResponse(f"/admin/awards/{award_id}", status_code=303)


@router.post("/awards/{award_id}/revoke")
async def revoke(
    award_id: str,
    actor: PageActorDep,
    _same_origin: SameOriginDep,
    session: SessionDep,
    reason: ReasonForm = None,
) -> RedirectResponse:
    return await _change(session, award_id, StatusAction.REVOKE, reason, actor.name)


@router.post("/awards/{award_id}/suspend")
async def suspend(
    award_id: str,
    actor: PageActorDep,
    _same_origin: SameOriginDep,
    session: SessionDep,
    reason: ReasonForm = None,
) -> RedirectResponse:
    return await _change(session, award_id, StatusAction.SUSPEND, reason, actor.name)


@router.post("/awards/{award_id}/reinstate")
async def reinstate(
    award_id: str,
    actor: PageActorDep,
    _same_origin: SameOriginDep,
    session: SessionDep,
    reason: ReasonForm = None,
) -> RedirectResponse:
    return await _change(session, award_id, StatusAction.REINSTATE, reason, actor.name)


@router.get("/status-lists")
async def status_lists(
    request: Request, actor: PageActorDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Every list: what it is for, how full it is, how many bits are set."""
    lists = await AwardStatuses(session).summaries()
    urls = {item.id: status_list_url(settings.base_url, item.id) for item in lists}
    return render(request, "issuer/status_lists.html", {"lists": lists, "urls": urls})
