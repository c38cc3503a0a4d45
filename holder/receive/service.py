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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import delete, select

from holder.i18n import _
from holder.learner_service import LearnerService
from holder.models import PendingOffer, StoredCredential
from holder.receive.client import (
    Issuer,
    OpenID4VCIClient,
    choose_configuration,
    configuration_display,
    display_descriptions,
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
from holder.wallet.importing import check_credential
from shared.clock import as_utc, new_id, utcnow
from shared.crypto.encryption import binding_data, seal, unseal
from shared.crypto.keys import KeyAlgorithm
from shared.did.key import did_key_to_jwk
from shared.errors import CryptoError, InvalidInput, NotFound, VerificationFailed

SOURCE_OID4VCI = "oid4vci"
_SEAL_LABEL = "credstack/wallet-pending-offer/v1"


@dataclass(frozen=True)
class OfferedCredential:
    configuration_id: str
    format: str
    names: dict[str, str]  # {locale: name} from the issuer's display metadata
    # {locale: description}: ours says "6 ECTS · EQF level 6 · awarded by …"
    descriptions: dict[str, str] = field(default_factory=dict)


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
    offer_uri: str | None  # where an offer passed by reference was fetched from

    def to_json(self) -> dict[str, Any]:
        return {
            "offer": self.offer.to_json(),
            "issuer": self.issuer.to_json(),
            "configuration_id": self.configuration_id,
            "offer_uri": self.offer_uri,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Opened:
        return cls(
            CredentialOffer.from_json(data["offer"]),
            Issuer.from_json(data["issuer"]),
            data["configuration_id"],
            data.get("offer_uri"),
        )


def _binding(learner_id: str, pending_id: str) -> bytes:
    return binding_data(_SEAL_LABEL, learner_id, pending_id)


class Receiving(LearnerService):
    @cached_property
    def _client(self) -> OpenID4VCIClient:
        return OpenID4VCIClient(self._runtime.http)

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
        configuration_id = choose_configuration(issuer, offer, self._proof_alg())
        opened = _Opened(offer, issuer, configuration_id, link.offer_uri)
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
            _(
                "The picture has a QR code, but it is not a credential offer (it may be a "
                "request to share a credential, or a plain web link)."
            ),
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
        key = await self._holder_key()
        issued = await self._client.obtain(
            opened.issuer,
            await self._current_offer(opened),
            opened.configuration_id,
            tx_code=tx_code if opened.offer.tx_code is not None else None,
            prove=key_prover(key, opened.issuer.identifier),
        )
        checked = await check_credential(
            issued.document,
            issued.format,
            resolver=self._resolver,
            holder_did=self._learner.did,
        )
        if not checked.bound_to_me:
            raise VerificationFailed(
                _(
                    "%(host)s issued this credential to %(subject)s, not to your wallet's "
                    "DID, so it was not stored.",
                    host=opened.issuer.host,
                    subject=checked.summary["subject_id"] or _("nobody in particular"),
                ),
                code="holder_binding_failed",
            )
        stored = await self._store.add(
            format_name=checked.format,
            document=checked.document,
            summary=checked.summary,
            issuer_id=checked.issuer_id,
            source=SOURCE_OID4VCI,
        )
        await self._session.delete(record)
        return stored

    async def _current_offer(self, opened: _Opened) -> CredentialOffer:
        """The offer with a pre-authorized code that is still good.

        Issuers keep codes for minutes (ours for ten) while a learner may read the offer
        for longer, so an offer passed by reference is fetched again on acceptance: its link
        lives for days and gives a fresh code. An offer passed by value has only its own.
        """
        if opened.offer_uri is None:
            return opened.offer
        fresh = parse_offer(await self._client.fetch_offer(opened.offer_uri))
        if (
            fresh.credential_issuer != opened.offer.credential_issuer
            or opened.configuration_id not in fresh.configuration_ids
            or (fresh.tx_code is None) != (opened.offer.tx_code is None)
        ):
            raise InvalidInput(
                _(
                    "The issuer changed this offer since you opened it; open the link again "
                    "to see what it offers now."
                ),
                code=INVALID_OFFER,
            )
        return fresh

    async def decline(self, pending_id: str) -> None:
        """Forget the offer; the issuer is not contacted (its code simply expires)."""
        record, opened = await self._load(pending_id)
        await self._session.delete(record)
        await self._store.log("offer.decline", {"issuer": opened.issuer.identifier})

    async def _load(self, pending_id: str) -> tuple[PendingOffer, _Opened]:
        record = await self._session.scalar(
            select(PendingOffer).where(
                PendingOffer.id == pending_id, PendingOffer.learner_id == self._learner.id
            )
        )
        if record is None or as_utc(record.expires_at) <= utcnow():
            raise NotFound(
                _(
                    "This offer is no longer waiting in your wallet (accepted, declined or "
                    "expired). Open the offer link again."
                ),
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


def _offered(issuer: Issuer, configuration_id: str) -> OfferedCredential:
    configuration = issuer.configurations[configuration_id]
    display = configuration_display(configuration)
    return OfferedCredential(
        configuration_id=configuration_id,
        format=str(configuration.get("format")),
        names=display_names(display),
        descriptions=display_descriptions(display),
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
