"""API: an organisation's webhook endpoints, ``/api/v1/webhooks``, and the delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from verifier.deps import EmployerDep, RuntimeDep, SessionDep, SettingsDep
from verifier.webhooks.schemas import (
    DeliveryOut,
    EndpointChange,
    EndpointCreated,
    EndpointIn,
    EndpointOut,
)
from verifier.webhooks.service import Webhooks

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


async def webhooks_of_request(
    session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> Webhooks:
    """The webhooks service in the request's unit of work (for the API and the pages)."""
    return Webhooks(session, runtime.key_encryption_key, allow_loopback=settings.is_development)


WebhooksDep = Annotated[Webhooks, Depends(webhooks_of_request)]


@router.get("")
async def list_endpoints(employer: EmployerDep, webhooks: WebhooksDep) -> list[EndpointOut]:
    return [EndpointOut.of(e) for e in await webhooks.endpoints(employer.organisation_id)]


@router.post("", status_code=201)
async def add_endpoint(
    body: EndpointIn, employer: EmployerDep, webhooks: WebhooksDep
) -> EndpointCreated:
    """A new endpoint; the answer holds its signing secret, shown this once."""
    endpoint, secret = await webhooks.add_endpoint(
        employer.organisation_id, body, actor=employer.actor
    )
    return EndpointCreated(**EndpointOut.of(endpoint).model_dump(), secret=secret)


@router.get("/deliveries")
async def list_deliveries(
    request_id: str, employer: EmployerDep, webhooks: WebhooksDep
) -> list[DeliveryOut]:
    """Every delivery of one request's result, with each attempt and its outcome."""
    return await webhooks.deliveries(employer.organisation_id, request_id)


@router.get("/{endpoint_id}")
async def get_endpoint(
    endpoint_id: str, employer: EmployerDep, webhooks: WebhooksDep
) -> EndpointOut:
    return EndpointOut.of(await webhooks.endpoint(employer.organisation_id, endpoint_id))


@router.patch("/{endpoint_id}")
async def change_endpoint(
    endpoint_id: str, body: EndpointChange, employer: EmployerDep, webhooks: WebhooksDep
) -> EndpointOut:
    endpoint = await webhooks.change_endpoint(employer.organisation_id, endpoint_id, body)
    return EndpointOut.of(endpoint)


@router.delete("/{endpoint_id}", status_code=204)
async def remove_endpoint(
    endpoint_id: str, employer: EmployerDep, webhooks: WebhooksDep
) -> Response:
    await webhooks.remove_endpoint(employer.organisation_id, endpoint_id)
    return Response(status_code=204)
