"""The employer's JSON API: templates and presentation requests (results included)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from verifier.deps import EmployerDep, RuntimeDep, SessionDep, SettingsDep
from verifier.models import PresentationRequest
from verifier.requests.schemas import (
    EmployerOut,
    RequestIn,
    RequestOut,
    TemplateIn,
    TemplateOut,
    constraints_from,
)
from verifier.requests.service import NewRequest, Requests
from verifier.requests.templates import Templates
from verifier.settings import VerifierSettings

router = APIRouter(prefix="/api/v1", tags=["requests"])
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/me")
async def me(employer: EmployerDep) -> EmployerOut:
    """Who the token belongs to."""
    return EmployerOut(
        organisation=employer.organisation_slug,
        organisation_name=employer.organisation_name,
        user=employer.user_name,
    )


@router.get("/templates")
async def list_templates(employer: EmployerDep, session: SessionDep) -> list[TemplateOut]:
    """The built-in templates and the organisation's own."""
    return [TemplateOut.of(t) for t in await Templates(session, employer).all()]


@router.post("/templates", status_code=201)
async def create_template(
    body: TemplateIn, employer: EmployerDep, session: SessionDep
) -> TemplateOut:
    constraints = constraints_from(body.constraints)
    created = await Templates(session, employer).create(body.name, body.title, constraints)
    return TemplateOut.of(created)


@router.post("/requests", status_code=201)
async def create_request(
    body: RequestIn,
    employer: EmployerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> RequestOut:
    """A new presentation request, from a template or from constraints given here."""
    requests = Requests(session, runtime, employer)
    request = await requests.create(
        NewRequest(
            template=body.template,
            constraints=None if body.constraints is None else constraints_from(body.constraints),
            title=body.title,
            client_id_scheme=body.client_id_scheme,
            era=body.era,
        )
    )
    return _out(requests, request, settings)


@router.get("/requests")
async def list_requests(
    employer: EmployerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[RequestOut]:
    """The organisation's most recent requests, newest first."""
    requests = Requests(session, runtime, employer)
    return [_out(requests, request, settings) for request in await requests.recent(limit)]


@router.get("/requests/{request_id}")
async def get_request(
    request_id: str,
    employer: EmployerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> RequestOut:
    """The request with its status and, once answered, every check and its outcome."""
    requests = Requests(session, runtime, employer)
    return _out(requests, await requests.get(request_id), settings)


@router.get("/requests/{request_id}/qr.png", response_class=Response)
async def request_qr_png(
    request_id: str, employer: EmployerDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    requests = Requests(session, runtime, employer)
    png = requests.qr_png(await requests.get(request_id))
    return Response(png, media_type="image/png", headers=NO_STORE)


@router.get("/requests/{request_id}/qr.svg", response_class=Response)
async def request_qr_svg(
    request_id: str, employer: EmployerDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    requests = Requests(session, runtime, employer)
    svg = requests.qr_svg(await requests.get(request_id))
    return Response(svg, media_type="image/svg+xml", headers=NO_STORE)


def _out(
    requests: Requests, request: PresentationRequest, settings: VerifierSettings
) -> RequestOut:
    return RequestOut.of(request, requests.links(request), settings.base_url)
