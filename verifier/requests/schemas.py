"""What the employer's API reads and writes for templates and requests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, ValidationError

from shared.clock import as_utc
from shared.errors import InvalidInput
from verifier.checks.constraints import Constraints, constraint_errors
from verifier.models import PresentationRequest
from verifier.requests.service import ClientIdScheme, Era, RequestLinks, status_of
from verifier.requests.templates import TemplateView

# A template's name is part of URLs and CLI commands, so it stays plain.
Slug = Annotated[str, Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]


def _plain_title(value: str) -> str:
    """One line of printable text (a NUL byte cannot even be stored)."""
    value = " ".join("".join(c for c in value if c.isprintable() or c.isspace()).split())
    if not value:
        raise ValueError("A title needs a few words.")
    return value


Title = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_plain_title)]
UtcDatetime = Annotated[
    datetime, PlainSerializer(lambda value: as_utc(value).astimezone(UTC).isoformat())
]


def constraints_from(data: dict[str, Any]) -> Constraints:
    """The constraints, or a refusal naming each field to change in words."""
    try:
        return Constraints.model_validate(data)
    except ValidationError as exc:
        problems = constraint_errors(exc)
        raise InvalidInput(
            " ".join(f"{field}: {sentence}" for field, sentence in problems.items())
        ) from None


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Slug = Field(description="short name, e.g. data-literacy")
    title: Title
    constraints: dict[str, Any]


class TemplateOut(BaseModel):
    name: str
    title: str
    constraints: dict[str, Any]
    builtin: bool

    @classmethod
    def of(cls, template: TemplateView) -> TemplateOut:
        return cls(
            name=template.name,
            title=template.title,
            constraints=template.constraints.model_dump(mode="json"),
            builtin=template.builtin,
        )


class RequestIn(BaseModel):
    """A request from a template (``template``) or made by hand (``constraints``)."""

    model_config = ConfigDict(extra="forbid")

    template: Slug | None = None
    constraints: dict[str, Any] | None = None
    title: Title | None = None
    client_id_scheme: ClientIdScheme = "decentralized_identifier"
    era: Era = Field(default="1.0", description='"1.0" (DCQL) or "draft" (Presentation Exchange)')


class CheckOut(BaseModel):
    name: str
    title: str
    outcome: str  # passed | failed | not_applicable | unknown
    reason: str
    credential: int | None = None


class RequestOut(BaseModel):
    request_id: str
    status: str  # pending | verified | rejected | expired
    title: str
    template: str | None
    created_at: UtcDatetime
    expires_at: UtcDatetime
    responded_at: UtcDatetime | None
    client_id: str
    request_uri: str = Field(description="the openid4vp:// link the QR code carries")
    request_object_uri: str
    same_device_link: str = Field(description="opens the request in our wallet on this device")
    by_value_link: str | None
    qr_png_url: str
    qr_svg_url: str
    constraints: dict[str, Any]
    verified: bool | None
    checks: list[CheckOut]
    credentials: list[dict[str, Any]]
    wallet_error: str | None
    wallet_error_description: str | None

    @classmethod
    def of(
        cls, request: PresentationRequest, request_links: RequestLinks, base_url: str
    ) -> RequestOut:
        report = request.report or {}
        api = f"{base_url}/api/v1/requests/{request.id}"
        return cls(
            request_id=request.id,
            status=status_of(request),
            title=request.title,
            template=request.template_name,
            created_at=request.created_at,
            expires_at=request.expires_at,
            responded_at=request.responded_at,
            client_id=request.client_id,
            request_uri=request_links.openid4vp,
            request_object_uri=request_links.request_object_uri,
            same_device_link=request_links.same_device,
            by_value_link=request_links.by_value,
            qr_png_url=f"{api}/qr.png",
            qr_svg_url=f"{api}/qr.svg",
            constraints=request.constraints,
            verified=request.verified,
            checks=[CheckOut.model_validate(check) for check in report.get("checks", [])],
            credentials=list(report.get("credentials", [])),
            wallet_error=request.wallet_error,
            wallet_error_description=request.wallet_error_description,
        )


class EmployerOut(BaseModel):
    organisation: str
    organisation_name: str
    user: str
