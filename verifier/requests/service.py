"""An employer's presentation requests: create (from a template or constraints), read, list,
and the links and QR codes that carry them to a wallet.

Each request gets a fresh nonce and state (256 bits each, ``secrets``), an expiry, a DCQL
query built from its constraints and, for draft-era wallets, a Presentation Exchange
definition. How the verifier identifies itself:

- ``decentralized_identifier`` (default): ``client_id`` ``decentralized_identifier:<did>``
  (drafts: the bare DID with ``client_id_scheme=did``), request object signed with the
  verifier's key;
- ``redirect_uri``: ``client_id`` ``redirect_uri:<response_uri>`` (drafts: the response URI
  with ``client_id_scheme=redirect_uri``), request unsigned, so its QR code and link carry
  the parameters by value (the request object stays available by reference).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import as_utc, new_id, utcnow
from shared.errors import InvalidInput, NotFound
from shared.qr import qr_png, qr_svg
from shared.runtime import ServiceRuntime
from shared.settings import public_url_of
from shared.tokens import new_token
from verifier.checks.constraints import Constraints
from verifier.employers.service import Employer
from verifier.models import PresentationRequest
from verifier.requests import links, queries, repository
from verifier.requests.identity import VerifierIdentity
from verifier.requests.templates import Templates
from verifier.settings import VerifierSettings

Era = Literal["1.0", "draft"]
ClientIdScheme = Literal["decentralized_identifier", "redirect_uri"]
DECENTRALIZED_IDENTIFIER: ClientIdScheme = "decentralized_identifier"
REDIRECT_URI: ClientIdScheme = "redirect_uri"
DRAFT_DID_SCHEME = "did"
PENDING, VERIFIED, REJECTED, EXPIRED = "pending", "verified", "rejected", "expired"
MAX_LISTED = 200


def verifier_settings(runtime: ServiceRuntime) -> VerifierSettings:
    settings = runtime.settings
    if not isinstance(settings, VerifierSettings):
        raise TypeError("The verifier's services need the verifier's settings.")
    return settings


@dataclass(frozen=True)
class NewRequest:
    """Exactly one of ``template`` and ``constraints``."""

    template: str | None = None
    constraints: Constraints | None = None
    title: str | None = None
    client_id_scheme: ClientIdScheme = "decentralized_identifier"
    era: Era = "1.0"


@dataclass(frozen=True)
class RequestLinks:
    # The QR code's content. A signed request travels by reference
    # (openid4vp://?client_id=…&request_uri=…); a redirect_uri one cannot be signed, so it
    # travels by value, every parameter in the link (OpenID4VP 1.0 §5; wallets such as the
    # OpenWallet Foundation's refuse an unsigned request object fetched by reference).
    openid4vp: str
    # The request object, still served for wallets that fetch it (unsigned for redirect_uri).
    request_object_uri: str
    same_device: str  # our wallet's share page, opening the same request by reference
    by_value: str | None  # redirect_uri verifiers only: the whole request in the link


def status_of(request: PresentationRequest, now: datetime | None = None) -> str:
    """pending, verified, rejected, or expired (a pending request past its expiry)."""
    if request.status == PENDING and as_utc(request.expires_at) <= (now or utcnow()):
        return EXPIRED
    return request.status


class Requests:
    """One organisation's requests; the employer names the organisation."""

    def __init__(self, session: AsyncSession, runtime: ServiceRuntime, employer: Employer) -> None:
        self._session = session
        self._runtime = runtime
        self._settings = verifier_settings(runtime)
        self._employer = employer

    async def create(self, new: NewRequest) -> PresentationRequest:
        if (new.template is None) == (new.constraints is None):
            raise InvalidInput("Name a template or give the constraints, not both and not neither.")
        template_name = None
        if new.template is not None:
            template = await Templates(self._session, self._employer).get(new.template)
            constraints, title, template_name = template.constraints, template.title, template.name
        else:
            assert new.constraints is not None
            constraints, title = new.constraints, "Proof of a micro-credential"
        title = new.title or title
        request_id = new_id()
        now = utcnow()
        client_id, _ = await self._client_id(new.client_id_scheme, new.era)
        request = PresentationRequest(
            id=request_id,
            organisation_id=self._employer.organisation_id,
            created_by=self._employer.actor,
            template_name=template_name,
            title=title,
            constraints=constraints.model_dump(mode="json"),
            era=new.era,
            client_id_scheme=new.client_id_scheme,
            client_id=client_id,
            nonce=new_token(),
            state=new_token(),
            dcql_query=queries.dcql_query(constraints) if new.era == "1.0" else None,
            presentation_definition=(
                queries.presentation_definition(constraints, definition_id=request_id, title=title)
                if new.era == "draft"
                else None
            ),
            created_at=now,
            expires_at=now + timedelta(seconds=self._settings.request_ttl_seconds),
            same_device=False,
            status=PENDING,
        )
        self._session.add(request)
        await self._session.flush()
        return request

    async def get(self, request_id: str) -> PresentationRequest:
        request = await repository.request_of(
            self._session, self._employer.organisation_id, request_id
        )
        if request is None:
            raise NotFound("There is no such request.")
        return request

    async def recent(self, limit: int = MAX_LISTED) -> list[PresentationRequest]:
        limit = max(1, min(limit, MAX_LISTED))
        return await repository.requests_of(
            self._session, self._employer.organisation_id, limit=limit
        )

    def links(self, request: PresentationRequest) -> RequestLinks:
        base = self._settings.base_url
        scheme = client_id_scheme_parameter(request)
        reference = links.by_reference(
            request.client_id, links.request_object_uri(base, request.id), scheme
        )
        same_device = links.by_reference(
            request.client_id, links.request_object_uri(base, request.id, same_device=True), scheme
        )
        by_value = None
        if request.client_id_scheme == REDIRECT_URI:
            by_value = links.openid4vp_link(
                links.by_value(authorization_parameters(request, base, self._employer_name()))
            )
        return RequestLinks(
            openid4vp=by_value or links.openid4vp_link(reference),
            request_object_uri=reference["request_uri"],
            same_device=links.wallet_link(public_url_of("holder"), same_device),
            by_value=by_value,
        )

    def qr_png(self, request: PresentationRequest) -> bytes:
        return qr_png(self.links(request).openid4vp)

    def qr_svg(self, request: PresentationRequest) -> str:
        return qr_svg(self.links(request).openid4vp)

    def _employer_name(self) -> str:
        return self._employer.organisation_name

    async def _client_id(self, scheme: ClientIdScheme, era: Era) -> tuple[str, str | None]:
        """The client_id as sent, and the draft-era client_id_scheme (None in 1.0)."""
        if scheme == REDIRECT_URI:
            uri = links.response_uri(self._settings.base_url)
            return (f"{REDIRECT_URI}:{uri}", None) if era == "1.0" else (uri, REDIRECT_URI)
        did = await VerifierIdentity(self._session, self._runtime.key_encryption_key).did()
        if era == "1.0":
            return f"{DECENTRALIZED_IDENTIFIER}:{did}", None
        return did, DRAFT_DID_SCHEME


def client_id_scheme_parameter(request: PresentationRequest) -> str | None:
    """Drafts up to 21 send ``client_id_scheme`` beside the client id; 1.0 uses prefixes."""
    if request.era == "1.0":
        return None
    return REDIRECT_URI if request.client_id_scheme == REDIRECT_URI else DRAFT_DID_SCHEME


def authorization_parameters(
    request: PresentationRequest, base_url: str, client_name: str
) -> dict[str, Any]:
    """The authorization request's parameters, as the request object (or link) carries them."""
    constraints = Constraints.model_validate(request.constraints)
    formats = queries.accepted_formats(constraints)
    parameters: dict[str, Any] = {
        "client_id": request.client_id,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": links.response_uri(base_url),
        "nonce": request.nonce,
        "state": request.state,
    }
    if request.era == "1.0":
        parameters["client_metadata"] = {
            "client_name": client_name,
            "vp_formats_supported": queries.vp_formats_supported(formats),
        }
        parameters["dcql_query"] = request.dcql_query
    else:
        parameters["client_id_scheme"] = client_id_scheme_parameter(request)
        parameters["client_metadata"] = {
            "client_name": client_name,
            "vp_formats": queries.pe_formats(formats),
        }
        parameters["presentation_definition"] = request.presentation_definition
    return parameters
