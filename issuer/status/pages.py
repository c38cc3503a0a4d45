"""The registrar's status actions (the buttons on an award's page) and the lists overview."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from issuer.deps import SessionDep, SettingsDep
from issuer.pages.common import CsrfDep, PageActorDep, render
from issuer.status.service import AwardStatuses, StatusAction
from issuer.status.urls import status_list_url

router = APIRouter(prefix="/admin", include_in_schema=False)

ReasonForm = Annotated[str | None, Form()]


def _status_form_handler(action: StatusAction) -> Callable[..., Awaitable[RedirectResponse]]:
    """The POST handler of one status button; the three differ only in their action."""

    async def change_status(
        award_id: str,
        actor: PageActorDep,
        _csrf: CsrfDep,
        session: SessionDep,
        reason: ReasonForm = None,
    ) -> RedirectResponse:
        await AwardStatuses(session).change(award_id, action, reason=reason, actor=actor.name)
        return RedirectResponse(f"/admin/awards/{award_id}", status_code=303)

    return change_status


for _action in StatusAction:
    router.add_api_route(
        f"/awards/{{award_id}}/{_action.value}",
        _status_form_handler(_action),
        methods=["POST"],
        name=f"{_action.value}_award_page",
    )


@router.get("/status-lists")
async def status_lists(
    request: Request, actor: PageActorDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Every list: what it is for, how full it is, how many bits are set."""
    lists = await AwardStatuses(session).summaries()
    urls = {item.id: status_list_url(settings.base_url, item.id) for item in lists}
    return render(request, "issuer/status_lists.html", {"lists": lists, "urls": urls})
