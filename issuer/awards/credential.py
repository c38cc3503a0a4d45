"""The unsigned credential of an award, as the credential endpoint signs it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from issuer.awards.service import Awards
from issuer.models import Award
from issuer.settings import IssuerSettings
from issuer.status.urls import status_list_url
from shared.credentials.microcredential.build import StatusEntry, build_credential
from shared.credentials.status_list import StatusPurpose


async def unsigned_credential(
    session: AsyncSession,
    settings: IssuerSettings,
    award: Award,
    *,
    holder_did: str | None,
    credential_id: str,
) -> dict[str, Any]:
    """The award's credential for ``holder_did`` (None: the printed certificate's copy, bound
    to no key); every copy (one per format, and the certificate's) carries the award's own
    two status entries, so revoking or suspending the award reaches them all."""
    model = await Awards(session, settings.base_url).model_of(award)
    revocation = StatusEntry(
        status_list_url(settings.base_url, award.revocation_list_id),
        award.revocation_index,
        StatusPurpose.REVOCATION,
    )
    suspension = StatusEntry(
        status_list_url(settings.base_url, award.suspension_list_id),
        award.suspension_index,
        StatusPurpose.SUSPENSION,
    )
    return build_credential(
        model,
        holder_did=holder_did,
        credential_id=credential_id,
        status=revocation,
        suspension=suspension,
    )
