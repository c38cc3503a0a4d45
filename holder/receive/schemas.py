"""What the receive API takes and gives."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from holder.models import StoredCredential
from holder.receive.offers import TxCode
from holder.receive.service import OfferedCredential, PendingView

# An offer passed by value carries its JSON in the link; real ones are well under this.
MAX_OFFER_LINK = 16 * 1024
MAX_TX_CODE = 64

Picker = Callable[[Mapping[str, str]], str]
"""Chooses the text in the learner's language from ``{language: text}`` ("" if empty)."""


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer_uri: str = Field(
        min_length=1,
        max_length=MAX_OFFER_LINK,
        description="openid-credential-offer://?credential_offer=… or ?credential_offer_uri=…",
    )


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tx_code: str | None = Field(default=None, max_length=MAX_TX_CODE)


class TxCodeOut(BaseModel):
    input_mode: str
    length: int | None
    description: str | None

    @classmethod
    def of(cls, tx_code: TxCode) -> TxCodeOut:
        return cls(
            input_mode=tx_code.input_mode, length=tx_code.length, description=tx_code.description
        )


class OfferedOut(BaseModel):
    configuration_id: str
    format: str
    name: str | None  # in the learner's language where the issuer gives it
    names: dict[str, str]
    description: str | None = None  # what the issuer says of it (ours: ECTS, EQF, awarded by)

    @classmethod
    def of(cls, offered: OfferedCredential, pick: Picker) -> OfferedOut:
        return cls(
            configuration_id=offered.configuration_id,
            format=offered.format,
            name=pick(offered.names) or None,
            names=offered.names,
            description=pick(offered.descriptions) or None,
        )


class IssuerOut(BaseModel):
    id: str  # the credential issuer identifier (a URL)
    host: str  # what the wallet actually talked to: show this, the name is self-declared
    name: str | None
    names: dict[str, str]


class PendingOfferOut(BaseModel):
    id: str
    issuer: IssuerOut
    offered: list[OfferedOut]
    receiving: OfferedOut  # the configuration the wallet will ask for
    tx_code_required: bool
    tx_code: TxCodeOut | None
    expires_at: datetime
    protocol_version: str  # "1.0" or "draft-13", as detected from the issuer's metadata

    @classmethod
    def of(cls, view: PendingView, pick: Picker) -> PendingOfferOut:
        return cls(
            id=view.id,
            issuer=IssuerOut(
                id=view.issuer_id,
                host=view.issuer_host,
                name=pick(view.issuer_names) or None,
                names=view.issuer_names,
            ),
            offered=[OfferedOut.of(offered, pick) for offered in view.offered],
            receiving=OfferedOut.of(view.receiving, pick),
            tx_code_required=view.tx_code is not None,
            tx_code=TxCodeOut.of(view.tx_code) if view.tx_code is not None else None,
            expires_at=view.expires_at,
            protocol_version=view.protocol_version,
        )


class ScanOut(BaseModel):
    offer_uri: str


class ReceivedCredentialOut(BaseModel):
    """A credential just received or imported; ``summary`` has holder.wallet.summary's keys."""

    id: str
    format: str
    source: str
    issuer_id: str
    received_at: datetime
    status: str
    summary: dict[str, Any]
    warnings: list[str] = []

    @classmethod
    def of(
        cls, record: StoredCredential, warnings: list[str] | None = None
    ) -> ReceivedCredentialOut:
        return cls(
            id=record.id,
            format=record.format,
            source=record.source,
            issuer_id=record.issuer_id,
            received_at=record.received_at,
            status=record.status,
            summary=record.summary,
            warnings=warnings or [],
        )
