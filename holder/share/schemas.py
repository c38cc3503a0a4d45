"""What the sharing API takes and returns."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from holder.i18n import lazy_gettext
from holder.share.service import QueryMatches, RequestView

NO_SELECTIVE_DISCLOSURE = lazy_gettext(
    "These credential formats have no selective disclosure: each credential you pick is "
    "sent whole, every field in it, not only the ones the verifier asks for."
)


class OpenRequestIn(BaseModel):
    """The verifier's link (``openid4vp://?…``), or just its ``request_uri`` (with the
    ``client_id`` the link named, when there was one: the request object must then name the
    same; without it, the signed request object's own ``client_id`` is taken)."""

    link: str | None = Field(default=None, max_length=64 * 1024)
    request_uri: str | None = Field(default=None, max_length=2048)
    client_id: str | None = Field(default=None, max_length=2048)

    @model_validator(mode="after")
    def _one_of(self) -> OpenRequestIn:
        if (self.link is None) == (self.request_uri is None):
            raise ValueError("give either link or request_uri")
        return self


class VerifierOut(BaseModel):
    name: str | None = Field(description="client_metadata.client_name, as the verifier says")
    client_id: str
    response_host: str
    authenticated: bool = Field(description="whether the request was signed by the client's DID")
    signed_by: str | None
    era: Literal["1.0", "draft"]


class CredentialMatchOut(BaseModel):
    id: str
    format: str
    summary: dict[str, Any]


class QueryOut(BaseModel):
    id: str
    name: str | None
    purpose: str | None
    asks_for: list[str]
    required: bool
    multiple: bool
    matches: list[CredentialMatchOut]

    @classmethod
    def of(cls, item: QueryMatches) -> QueryOut:
        query = item.query
        return cls(
            id=query.id,
            name=query.name,
            purpose=query.purpose,
            asks_for=query.asks_for(),
            required=item.required,
            multiple=query.multiple,
            matches=[
                CredentialMatchOut(id=c.id, format=c.format, summary=c.summary)
                for c in item.matches
            ],
        )


class PresentationRequestOut(BaseModel):
    id: str
    status: str
    verifier: VerifierOut
    queries: list[QueryOut]
    answerable: bool
    disclosure: str = str(NO_SELECTIVE_DISCLOSURE)
    redirect_uri: str | None = None

    @classmethod
    def of(cls, view: RequestView) -> PresentationRequestOut:
        request = view.request
        return cls(
            id=view.record.id,
            status=view.status,
            verifier=VerifierOut(
                name=request.verifier_name,
                client_id=request.client_id,
                response_host=request.response_host,
                authenticated=request.authenticated_by is not None,
                signed_by=request.authenticated_by,
                era=request.era,
            ),
            queries=[QueryOut.of(item) for item in view.queries],
            answerable=view.answerable,
            redirect_uri=view.answer.get("redirect_uri"),
        )


class ShareIn(BaseModel):
    """The learner's picks: for each query id, one credential id (or several where the
    query allows ``multiple``)."""

    selections: dict[str, str | list[str]] = Field(min_length=1, max_length=50)

    def as_lists(self) -> dict[str, list[str]]:
        return {
            query_id: [value] if isinstance(value, str) else value
            for query_id, value in self.selections.items()
        }


class SharedOut(BaseModel):
    query_id: str
    credential_id: str


class OutcomeOut(BaseModel):
    status: str
    redirect_uri: str | None = None
    error_description: str | None = None
    shared: list[SharedOut] = []
