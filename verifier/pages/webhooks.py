"""The webhook settings page: where the organisation's results are posted.

Adding an endpoint shows its signing secret once, on the page that answers the form (the
service stores it sealed and never shows it again); enabling, pausing and removing are
buttons. Calls ``verifier.webhooks.service``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from shared.errors import CredstackError
from shared.runtime import RuntimeDep, SessionDep
from verifier.deps import SettingsDep
from verifier.employers.service import Employer
from verifier.pages.common import PAGES, CsrfDep, EmployerPageDep, discard_changes, render
from verifier.settings import VerifierSettings
from verifier.webhooks.schemas import EndpointChange, EndpointIn
from verifier.webhooks.service import Webhooks

router = APIRouter(prefix=f"{PAGES}/webhooks", include_in_schema=False)

PAGE = "verifier/webhooks.html"
LIST = f"{PAGES}/webhooks"
MAX_URL = 2000
MAX_DESCRIPTION = 200


def _webhooks(session: SessionDep, runtime: RuntimeDep, settings: VerifierSettings) -> Webhooks:
    return Webhooks(session, runtime.key_encryption_key, allow_loopback=settings.is_development)


async def _page(
    request: Request,
    webhooks: Webhooks,
    employer: Employer,
    *,
    status_code: int = 200,
    **extra: object,
) -> Response:
    endpoints = [e for e in await webhooks.endpoints(employer.organisation_id) if not e.removed_at]
    context = {
        "endpoints": endpoints,
        "max_url": MAX_URL,
        "max_description": MAX_DESCRIPTION,
        "v": {},
        "errors": {},
        **extra,
    }
    return render(request, PAGE, context, status_code=status_code)


@router.get("")
async def webhooks_page(
    request: Request,
    employer: EmployerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    return await _page(request, _webhooks(session, runtime, settings), employer)


@router.post("")
async def add_endpoint(
    request: Request,
    employer: EmployerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    url: Annotated[str, Form(max_length=MAX_URL)] = "",
    description: Annotated[str, Form(max_length=MAX_DESCRIPTION)] = "",
) -> Response:
    webhooks = _webhooks(session, runtime, settings)
    values = {"url": url, "description": description}
    try:
        given = EndpointIn(url=url.strip(), description=description.strip() or None)
        endpoint, secret = await webhooks.add_endpoint(
            employer.organisation_id, given, actor=employer.actor
        )
    except (CredstackError, ValidationError) as error:
        await discard_changes(request, session)
        sentence = (
            error.description
            if isinstance(error, CredstackError)
            else "Give a web address starting with https://."
        )
        errors = {"url": sentence}
        return await _page(request, webhooks, employer, status_code=400, v=values, errors=errors)
    return await _page(request, webhooks, employer, created=endpoint, secret=secret)


@router.post("/{endpoint_id}/enabled")
async def set_enabled(
    endpoint_id: str,
    employer: EmployerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    enabled: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    change = EndpointChange(enabled=enabled == "yes")
    await _webhooks(session, runtime, settings).change_endpoint(
        employer.organisation_id, endpoint_id, change
    )
    return RedirectResponse(LIST, status_code=303)


@router.post("/{endpoint_id}/remove")
async def remove(
    endpoint_id: str,
    employer: EmployerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    await _webhooks(session, runtime, settings).remove_endpoint(
        employer.organisation_id, endpoint_id
    )
    return RedirectResponse(LIST, status_code=303)
