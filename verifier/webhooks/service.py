"""The rules of webhooks: an organisation's endpoints, and one delivery per endpoint for
each result, written in the caller's transaction (the outbox) and sent by the worker.

The body of a delivery is fixed when the result is stored, so every retry sends the same
bytes under the same event id; only the signature's time changes.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import new_id, utcnow
from shared.errors import InvalidInput, NotFound
from verifier.models import WebhookEndpoint
from verifier.webhooks import repository
from verifier.webhooks.repository import PENDING
from verifier.webhooks.schemas import DeliveryOut, EndpointChange, EndpointIn
from verifier.webhooks.sealing import seal_secret
from verifier.webhooks.signature import new_secret

EVENT_TYPE = "presentation_request.completed"
# Members of the body this service writes; the caller's payload may not use them.
_ENVELOPE = ("event_id", "type", "request_id", "time")


class Webhooks:
    def __init__(self, session: AsyncSession, kek: bytes, *, allow_loopback: bool = False):
        """``allow_loopback`` (development only): endpoints on this machine over http."""
        self._session = session
        self._kek = kek
        self._allow_loopback = allow_loopback

    # -- results -----------------------------------------------------------------------------

    async def result_ready(
        self,
        request_id: str,
        organisation_id: str,
        payload: Mapping[str, Any],
        *,
        now: datetime | None = None,
    ) -> str | None:
        """Queue the result of request ``request_id`` for each of the organisation's enabled
        endpoints; call it in the transaction that stores the result.

        ``payload`` is the result as JSON values: ``status`` ("verified" or "rejected"),
        ``verified`` (bool) and ``checks`` (a list of {name, outcome, ...}). Returns the
        event id, or None when the organisation has no enabled endpoint.
        """
        clashing = sorted(set(payload) & set(_ENVELOPE))
        if clashing:
            raise ValueError(f"the payload may not set {clashing}: the envelope sets them")
        endpoints = await repository.enabled_endpoints(self._session, organisation_id)
        if not endpoints:
            return None
        now = now or utcnow()
        event_id = new_id()
        body = json.dumps(
            {
                "event_id": event_id,
                "type": EVENT_TYPE,
                "request_id": request_id,
                "time": now.isoformat().replace("+00:00", "Z"),
                # Dates and pydantic models in the payload become their JSON forms.
                **to_jsonable_python(payload),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for endpoint in endpoints:
            await repository.add_delivery(
                self._session,
                {
                    "id": new_id(),
                    "event_id": event_id,
                    "endpoint_id": endpoint.id,
                    "request_id": request_id,
                    "body": body,
                    "state": PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )
        return event_id

    async def deliveries(self, organisation_id: str, request_id: str) -> list[DeliveryOut]:
        """The delivery log of one request, for its page and the API."""
        rows = await repository.deliveries_for_request(self._session, organisation_id, request_id)
        return [DeliveryOut.of(*row) for row in rows]

    # -- endpoints ---------------------------------------------------------------------------

    async def endpoints(self, organisation_id: str) -> list[WebhookEndpoint]:
        return list(await repository.endpoints_of(self._session, organisation_id))

    async def endpoint(self, organisation_id: str, endpoint_id: str) -> WebhookEndpoint:
        endpoint = await repository.endpoint_of(self._session, organisation_id, endpoint_id)
        if endpoint is None:
            raise NotFound("There is no such webhook endpoint.")
        return endpoint

    async def add_endpoint(
        self, organisation_id: str, given: EndpointIn, *, actor: str
    ) -> tuple[WebhookEndpoint, str]:
        """A new endpoint and its signing secret, which the caller shows once."""
        secret = new_secret()
        endpoint_id = new_id()
        endpoint = WebhookEndpoint(
            id=endpoint_id,
            organisation_id=organisation_id,
            url=self._checked_url(given.url),
            description=_description(given.description),
            secret_sealed=seal_secret(
                secret, self._kek, endpoint_id=endpoint_id, organisation_id=organisation_id
            ),
            enabled=given.enabled,
            created_at=utcnow(),
            created_by=actor,
        )
        self._session.add(endpoint)
        await self._session.flush()
        return endpoint, secret

    async def change_endpoint(
        self, organisation_id: str, endpoint_id: str, change: EndpointChange
    ) -> WebhookEndpoint:
        endpoint = await self.endpoint(organisation_id, endpoint_id)
        if change.url is not None:
            endpoint.url = self._checked_url(change.url)
        if "description" in change.model_fields_set:
            endpoint.description = _description(change.description)
        if change.enabled is not None:
            endpoint.enabled = change.enabled
        await self._session.flush()
        return endpoint

    async def remove_endpoint(self, organisation_id: str, endpoint_id: str) -> None:
        """Stop posting to it; its delivery log stays readable on the requests' pages."""
        endpoint = await self.endpoint(organisation_id, endpoint_id)
        endpoint.removed_at = utcnow()
        endpoint.enabled = False
        await self._session.flush()

    def _checked_url(self, url: str) -> str:
        """A first look at the address; the guarded client checks it again at every send
        (DNS may change), so this only catches what is wrong on its face."""
        url = url.strip()
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError):
            raise InvalidInput(f"{url[:100]!r} is not a web address.") from None
        if parsed.scheme not in ("https", "http") or not parsed.host:
            raise InvalidInput("A webhook address must start with https:// and name a host.")
        if parsed.userinfo:
            raise InvalidInput("A webhook address may not carry a user name or password.")
        if parsed.scheme == "http" and not (self._allow_loopback and _is_loopback(parsed.host)):
            raise InvalidInput(
                "A webhook address must use https, so that results travel encrypted."
            )
        return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _description(text: str | None) -> str | None:
    return text.strip() or None if text is not None else None
