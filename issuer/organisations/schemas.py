"""The organisations API: what a registrar sends and gets back."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from issuer.catalogue.schemas import UtcDatetime
from issuer.models import Organisation
from issuer.organisations.service import NewOrganisation
from shared.credentials.microcredential.i18n import LocalizedText, NonEmptyText
from shared.credentials.microcredential.model import CountryCode, Uri

# The slug is part of a did:web (did:web:<host>:orgs:<slug>) and of URLs, so it stays plain.
Slug = Annotated[str, Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: LocalizedText = Field(description='{"en": "University of Example", "de": "..."}')
    country_code: CountryCode
    url: Uri | None = None
    region: NonEmptyText | None = None

    def to_new(self) -> NewOrganisation:
        return NewOrganisation(
            slug=self.slug,
            name=self.name,
            country_code=self.country_code,
            url=self.url,
            region=self.region,
        )


class OrganisationOut(BaseModel):
    id: str
    slug: str
    name: dict[str, str]
    did: str
    country_code: str
    url: str | None
    region: str | None
    created_at: UtcDatetime

    @classmethod
    def of(cls, organisation: Organisation) -> OrganisationOut:
        return cls(
            id=organisation.id,
            slug=organisation.slug,
            name=organisation.name,
            did=organisation.did,
            country_code=organisation.country_code,
            url=organisation.url,
            region=organisation.region,
            created_at=organisation.created_at,
        )
