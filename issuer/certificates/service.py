"""Certificates: an award as a person reads it (PDF, verification page), with its live status.

The status shown is the award's status now, read when the page is opened, never a copy
printed into the PDF earlier; the reason for a change stays in the issuer's records.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from issuer.awards.service import Awards
from issuer.certificates.content import Certificate, LiveStatus
from issuer.certificates.pdf import render_pdf
from issuer.certificates.urls import certificate_pdf_url, verification_url
from issuer.models import Award
from issuer.settings import IssuerSettings
from issuer.status.service import AwardStatus
from shared.clock import as_utc

_LIVE = {
    AwardStatus.ACTIVE: LiveStatus.VALID,
    AwardStatus.SUSPENDED: LiveStatus.SUSPENDED,
    AwardStatus.REVOKED: LiveStatus.REVOKED,
}


class Certificates:
    def __init__(self, session: AsyncSession, settings: IssuerSettings) -> None:
        self._awards = Awards(session, settings.base_url)
        self._base_url = settings.base_url

    async def of_award(self, award_id: str) -> Certificate:
        return await self._certificate(await self._awards.get(award_id))

    async def by_public_id(self, public_id: str) -> Certificate:
        return await self._certificate(await self._awards.by_public_id(public_id))

    async def pdf(self, certificate: Certificate) -> bytes:
        # Laying out a page takes tens of milliseconds of CPU: keep it off the event loop.
        return await asyncio.to_thread(render_pdf, certificate)

    async def _certificate(self, award: Award) -> Certificate:
        changed = award.status_changed_at
        return Certificate(
            award=await self._awards.model_of(award),
            status=_LIVE[AwardStatus(award.status)],
            status_changed_at=as_utc(changed) if changed else None,
            verification_url=verification_url(self._base_url, award.public_id),
            pdf_url=certificate_pdf_url(self._base_url, award.public_id),
        )
