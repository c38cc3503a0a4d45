"""The certificate's signed credential: what the PDF's QR code answers a verifier.

It is the award's Open Badges 3.0 AchievementCredential as an ``ldp_vc``, signed by the
award's organisation, with the award's own revocation and suspension entries, so revoking
or suspending the award reaches the printed certificate as it reaches every wallet copy.
A printed certificate is bound to no wallet key: the subject has no ``id``, the learner is
named as the certificate names them. It is signed on its first request and kept with the
award, so the public address never makes the issuer sign again, whatever the traffic.
"""

from __future__ import annotations

import json
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from issuer.awards.credential import unsigned_credential
from issuer.awards.service import Awards
from issuer.certificates import repository
from issuer.models import Award
from issuer.organisations.service import Organisations
from issuer.settings import IssuerSettings
from shared.credentials.formats import get_format
from shared.did.resolver import DIDResolver

FORMAT = "ldp_vc"
MEDIA_TYPE = "application/vc+ld+json"


class CertificateCredentials:
    def __init__(self, session: AsyncSession, settings: IssuerSettings, kek: bytes) -> None:
        self._session = session
        self._settings = settings
        self._kek = kek

    async def by_public_id(self, public_id: str) -> str:
        """The signed credential (JSON text) of the certificate with this public id, whatever
        the award's status now: its status list says whether it still holds."""
        award = await Awards(self._session, self._settings.base_url).by_public_id(public_id)
        if award.certificate_credential is not None:
            return award.certificate_credential
        return await repository.keep_credential(self._session, award.id, await self._sign(award))

    async def _sign(self, award: Award) -> str:
        organisations = Organisations(self._session, self._settings, self._kek)
        key = await organisations.signing_key(await organisations.get(award.organisation_id))
        unsigned = await unsigned_credential(
            self._session,
            self._settings,
            award,
            holder_did=None,
            credential_id=f"urn:uuid:{uuid.uuid4()}",
        )
        # Signing an ldp_vc resolves no DID, so the resolver needs no HTTP client.
        signed = await get_format(FORMAT, DIDResolver()).sign_credential(unsigned, key)
        return json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
