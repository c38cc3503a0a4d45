"""Receiving a credential: open an offer, show who offers what, accept or decline.

Opening an offer fetches it (when passed by reference) and the issuer's metadata, and keeps
the result as a *pending offer*, sealed (the pre-authorized code is a bearer secret) and
bound to the learner, until the learner accepts or declines it or it expires
(``pending_offer_ttl_seconds``). Accepting runs the OpenID4VCI flow with a proof signed by
the learner's own key, then stores the credential only if its signature verifies and it is
bound to the learner's DID (nothing is stored otherwise); the pending offer is deleted once
the credential is in the wallet.

When to ask before fetching (security checklist B.1): the learner's own action (pasting a
link or uploading a QR picture and pressing "Continue", or an API client calling
``POST /api/v1/offers``) is the consent, so those are fetched at once. A link opened from
elsewhere (``GET /receive?credential_offer_uri=…``, which any web page or e-mail can point
at) fetches nothing: the page shows the host and asks first (holder.receive.pages).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from holder.accounts.service import Accounts
from holder.models import Learner, PendingOffer, StoredCredential
from holder.receive.client import (
    Issuer,
    OpenID4VCIClient,
    choose_configuration,
    configuration_display,
    display_names,
    key_prover,
)
from holder.receive.offers import (
    INVALID_OFFER,
    OFFER_PARAMETER,
    OFFER_URI_PARAMETER,
    CredentialOffer,
    OfferLink,
    TxCode,
    parse_offer,
    parse_offer_link,
)
from holder.receive.qr_image import NO_QR_CODE, read_qr_codes
from holder.settings import HolderSettings
from holder.wallet.importing import check_credential, credential_resolver
from holder.wallet.store import CredentialStore
from shared.clock import as_utc, new_id, utcnow
from shared.crypto.encryption import binding_data, seal, unseal
from shared.crypto.keys import KeyAlgorithm
from shared.did.key import did_key_to_jwk
from shared.errors import CryptoError, InvalidInput, NotFound, VerificationFailed
from shared.runtime import ServiceRuntime

SOURCE_OID4VCI = "oid4vci"
_SEAL_LABEL = "credstack/wallet-pending-offer/v1"


@dataclass(frozen=True)
class OfferedCredential:
    configuration_id: str
    format: str
    names: dict[str, str]  # {locale: name} from the issuer's display metadata


@dataclass(frozen=True)
class PendingView:
    """What the learner decides on: who offers (name as the issuer states it, and the host
    the wallet actually talked to), what, and whether a transaction code is needed."""

    id: str
    issuer_id: str
    issuer_host: str
    issuer_names: dict[str, str]
    offered: list[OfferedCredential]
    receiving: OfferedCredential
    tx_code: TxCode | None
    expires_at: datetime
    protocol_version: str


@dataclass(frozen=True)
class _Opened:
    offer: CredentialOffer
    issuer: Issuer
    configuration_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "offer": self.offer.to_json(),
            "issuer": self.issuer.to_json(),
            "configuration_id": self.configuration_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Opened:
        return cls(
            CredentialOffer.from_json(data["offer"]),
            Issuer.from_json(data["issuer"]),
            data["configuration_id"],
        )


def _binding(learner_id: str, pending_id: str) -> bytes:
    return binding_data(_SEAL_LABEL, learner_id, pending_id)


class Receiving:
    def __init__(
        self,
        session: AsyncSession,
        runtime: ServiceRuntime,
        settings: HolderSettings,
        learner: Learner,
    ) -> None:
        self._session = session
        self._runtime = runtime
        self._settings = settings
        self._learner = learner
        self._kek = runtime.key_encryption_key
        self._client = OpenID4VCIClient(runtime.http)

    async def open_link(self, text: str) -> PendingView:
        """Open an offer link the learner pasted or scanned (their action is the consent)."""
        return await self.open(parse_offer_link(text))

    async def open(self, link: OfferLink) -> PendingView:
        """Fetch the offer (if by reference) and the issuer's metadata; keep it pending."""
        raw: Any = link.offer
        if raw is None:
            assert link.offer_uri is not None
            raw = await self._client.fetch_offer(link.offer_uri)
        offer = parse_offer(raw)
        issuer = await self._client.discover(offer)
        opened = _Opened(offer, issuer, choose_configuration(issuer, offer, self._proof_alg()))
        await self._forget_expired()
        now = utcnow()
        pending_id = new_id()
        plaintext = json.dumps(opened.to_json()).encode()
        record = PendingOffer(
            id=pending_id,
            learner_id=self._learner.id,
            sealed_offer=seal(plaintext, self._kek, _binding(self._learner.id, pending_id)),
            created_at=now,
            expires_at=now + timedelta(seconds=self._settings.pending_offer_ttl_seconds),
        )
        self._session.add(record)
        await self._session.flush()
        return _view(record, opened)

    async def scan(self, image: bytes) -> str:
        """The credential offer link in a photo or screenshot of a QR code."""
        # zxing-cpp is CPU-bound; a large photo must not stall every other request.
        texts = await asyncio.to_thread(read_qr_codes, image)
        for text in texts:
            if OFFER_PARAMETER in text or OFFER_URI_PARAMETER in text:
                return text
        raise InvalidInput(
            "The picture has a QR code, but it is not a credential offer (it may be a "
            "request to share a credential, or a plain web link).",
            code=NO_QR_CODE,
        )

    async def get(self, pending_id: str) -> PendingView:
        record, opened = await self._load(pending_id)
        return _view(record, opened)

    async def accept(self, pending_id: str, tx_code: str | None) -> StoredCredential:
        """Run the flow, verify, check the binding, store; the pending offer is then gone."""
        record, opened = await self._load(pending_id)
        tx_code = (tx_code or "").strip() or None
        if opened.offer.tx_code is not None:
            problem = opened.offer.tx_code.problem_with(tx_code or "")
            if problem is not None:
                raise InvalidInput(problem, code="invalid_tx_code")
        key = await self._accounts().holder_signing_key(self._learner)
        issued = await self._client.obtain(
            opened.issuer,
            opened.offer,
            opened.configuration_id,
            tx_code=tx_code if opened.offer.tx_code is not None else None,
            prove=key_prover(key, opened.issuer.identifier),
        )
        checked = await check_credential(
            issued.document,
            issued.format,
            resolver=credential_resolver(self._runtime),
            holder_did=self._learner.did,
        )
        if not checked.bound_to_me:
            raise VerificationFailed(
                f"{opened.issuer.host} issued this credential to "
                f"{checked.summary['subject_id'] or 'nobody in particular'}, not to your "
                "wallet's DID, so it was not stored.",
                code="holder_binding_failed",
            )
        store = CredentialStore(self._session, self._learner, self._kek)
        stored = await store.add(
            format_name=checked.format,
            document=checked.document,
            summary=checked.summary,
            issuer_id=checked.issuer_id,
            source=SOURCE_OID4VCI,
        )
        await self._session.delete(record)
        return stored

    async def decline(self, pending_id: str) -> None:
        """Forget the offer; the issuer is not contacted (its code simply expires)."""
        record, opened = await self._load(pending_id)
        await self._session.delete(record)
        store = CredentialStore(self._session, self._learner, self._kek)
        await store.log("offer.decline", {"issuer": opened.issuer.identifier})

    async def _load(self, pending_id: str) -> tuple[PendingOffer, _Opened]:
        record = await self._session.scalar(
            select(PendingOffer).where(
                PendingOffer.id == pending_id, PendingOffer.learner_id == self._learner.id
            )
        )
        if record is None or as_utc(record.expires_at) <= utcnow():
            raise NotFound(
                "This offer is no longer waiting in your wallet (accepted, declined or "
                "expired). Open the offer link again.",
                code=INVALID_OFFER if record is not None else "not_found",
            )
        plaintext = unseal(record.sealed_offer, self._kek, _binding(record.learner_id, record.id))
        if plaintext is None:
            raise CryptoError(f"Pending offer {record.id} could not be unsealed.")
        return record, _Opened.from_json(json.loads(plaintext))

    async def _forget_expired(self) -> None:
        await self._session.execute(
            delete(PendingOffer).where(
                PendingOffer.learner_id == self._learner.id, PendingOffer.expires_at <= utcnow()
            )
        )

    def _proof_alg(self) -> str:
        """The JOSE algorithm of the learner's key, read from their did:key (no private key)."""
        return KeyAlgorithm.from_jwk(did_key_to_jwk(self._learner.did)).jose_alg

    def _accounts(self) -> Accounts:
        return Accounts(self._session, self._kek, self._settings.session_ttl_seconds)


def _offered(issuer: Issuer, configuration_id: str) -> OfferedCredential:
    configuration = issuer.configurations[configuration_id]
    return OfferedCredential(
        configuration_id=configuration_id,
        format=str(configuration.get("format")),
        names=display_names(configuration_display(configuration)),
    )


def _view(record: PendingOffer, opened: _Opened) -> PendingView:
    issuer = opened.issuer
    return PendingView(
        id=record.id,
        issuer_id=issuer.identifier,
        issuer_host=issuer.host,
        issuer_names=display_names(issuer.display),
        offered=[_offered(issuer, identifier) for identifier in issuer.configurations],
        receiving=_offered(issuer, opened.configuration_id),
        tx_code=opened.offer.tx_code,
        expires_at=as_utc(record.expires_at),
        protocol_version=issuer.version.value,
    )
