"""A newcomer's first run: a demo organisation with two micro-credentials to award at once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from issuer.catalogue.service import Catalogue
from issuer.organisations.service import NewOrganisation, Organisations
from issuer.settings import IssuerSettings
from shared.credentials.microcredential.catalogue import demo_catalogue
from shared.credentials.microcredential.i18n import LocalizedText

DEMO_ORGANISATION = NewOrganisation(
    slug="demo",
    name=LocalizedText.model_validate(
        {"en": "University of Example (demo)", "de": "Universität Beispiel (Demo)"}
    ),
    country_code="DE",
    url="https://uni.example",
    region="Bavaria",
)


async def seed_demo(session: AsyncSession, settings: IssuerSettings, kek: bytes) -> bool:
    """Seed an empty node; returns whether it did."""
    organisations = Organisations(session, settings, kek)
    catalogue = Catalogue(session, settings.base_url)
    if await organisations.count() or await catalogue.count():
        return False
    organisation = await organisations.create(DEMO_ORGANISATION, actor="system:seed")
    for entry in demo_catalogue():
        data = entry.model_dump(mode="json", exclude={"id"})
        await catalogue.create(organisation, data, actor="system:seed")
    return True
