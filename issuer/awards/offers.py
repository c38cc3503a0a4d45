"""Credential offers (OpenID4VCI, pre-authorized code flow) for awards.

The offer is passed by reference: ``openid-credential-offer://?credential_offer_uri=…`` points
at ``/credential-offer/<uri token>``. That link is e-mailed or printed, so it lives for days
(``offer_ttl_seconds``); the table keeps only the token's hash. Wallets and link previews may
fetch the offer object several times, so fetching is repeatable until the offer is redeemed,
and each fetch carries a freshly minted pre-authorized code that lives minutes
(``issuer.oid4vci.codes``). Redeeming is single-use per offer, whichever of its codes is
used (the token endpoint). A new offer for an award withdraws the award's earlier unredeemed
ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import quote

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.admin.audit import record_many
from issuer.models import AchievementVersion, Award, CredentialOffer
from issuer.oid4vci.codes import PreAuthorizedCodes, TxCodeDigests
from issuer.oid4vci.configurations import ALL, PRE_AUTHORIZED_GRANT, achievement_configuration_ids
from issuer.settings import IssuerSettings
from shared.clock import as_utc, new_id, utcnow
from shared.errors import NotFound
from shared.tokens import new_pin, new_token, token_hash

TX_CODE_LENGTH = 6
# The table, for inserting plain rows: SQLAlchemy's ORM bulk insert (``insert(CredentialOffer)``
# in a session) walks every row through the mapper; the table's INSERT hands them to the driver.
_OFFERS: Table = CredentialOffer.__table__  # type: ignore[assignment]


def credential_offer_uri(base_url: str, uri_token: str) -> str:
    return f"{base_url}/credential-offer/{uri_token}"


def offer_link(base_url: str, uri_token: str) -> str:
    """The ``openid-credential-offer://`` link a wallet scans (it carries no personal data)."""
    return f"openid-credential-offer://?credential_offer_uri={_quoted_uri(base_url, uri_token)}"


def wallet_link(wallet_url: str, base_url: str, uri_token: str) -> str:
    """The same offer as a web link that opens our wallet's receive page."""
    quoted = _quoted_uri(base_url, uri_token)
    return f"{wallet_url.rstrip('/')}/receive?credential_offer_uri={quoted}"


def _quoted_uri(base_url: str, uri_token: str) -> str:
    """``credential_offer_uri`` percent-encoded as a query value. Encoding goes character by
    character, so the part every offer shares is encoded once: quoting whole links was half
    the time of writing a cohort's links file."""
    return _quoted_prefix(base_url) + quote(uri_token, safe="")


@lru_cache(maxsize=8)
def _quoted_prefix(base_url: str) -> str:
    return quote(credential_offer_uri(base_url, ""), safe="")


@dataclass(frozen=True)
class NewOffer:
    """A freshly made offer: the only moment its secrets exist in clear."""

    values: Mapping[str, Any]  # the offer's row, as inserted (or as read)
    uri_token: str
    tx_code: str | None

    @classmethod
    def of(cls, offer: CredentialOffer, uri_token: str, tx_code: str | None) -> NewOffer:
        """A stored offer with the secrets the registrar's browser gave back."""
        values = {column.key: getattr(offer, column.key) for column in _OFFERS.columns}
        return cls(values, uri_token, tx_code)

    @cached_property
    def offer(self) -> CredentialOffer:
        """The offer as a mapped object, to read (it belongs to no session). Made only when
        asked for: a cohort's links file of 10,000 offers needs none of them."""
        return CredentialOffer(**self.values)

    @property
    def offer_id(self) -> str:
        return str(self.values["id"])

    @property
    def award_id(self) -> str:
        return str(self.values["award_id"])

    def links(self, settings: IssuerSettings) -> dict[str, str]:
        return {
            "credential_offer_uri": offer_link(settings.base_url, self.uri_token),
            "offer_object_uri": credential_offer_uri(settings.base_url, self.uri_token),
            "wallet_link": wallet_link(settings.wallet_url, settings.base_url, self.uri_token),
        }


class Offers:
    def __init__(self, session: AsyncSession, settings: IssuerSettings, kek: bytes) -> None:
        self._session = session
        self._settings = settings
        self._codes = PreAuthorizedCodes.of(settings, kek)
        self._tx_codes = TxCodeDigests(kek)

    async def create(self, award: Award, *, with_tx_code: bool, actor: str) -> NewOffer:
        return (await self.create_many([award.id], [with_tx_code], actor=actor))[0]

    async def create_many(
        self, award_ids: Sequence[str], with_tx_codes: Sequence[bool], *, actor: str
    ) -> list[NewOffer]:
        """An offer per award (a PIN where asked for); the awards' earlier unredeemed offers
        are withdrawn. The offers go in as one INSERT of plain rows, their audit entries in
        another: a mapped object per offer, flushed by the session, cost a cohort of 10,000
        learners about a second of CPU."""
        now = utcnow()
        await self._session.execute(
            update(CredentialOffer)
            .where(
                CredentialOffer.award_id.in_(award_ids),
                CredentialOffer.redeemed_at.is_(None),
                CredentialOffer.invalidated_at.is_(None),
            )
            .values(invalidated_at=now)
        )
        made = [
            self._new_offer(award_id, with_tx_code, now)
            for award_id, with_tx_code in zip(award_ids, with_tx_codes, strict=True)
        ]
        if made:
            await self._session.execute(insert(_OFFERS), [new.values for new in made])
        await record_many(self._session, actor, "offer.create", map(_audit_entry, made))
        return made

    def _new_offer(self, award_id: str, with_tx_code: bool, now: datetime) -> NewOffer:
        uri_token = new_token()
        tx_code = new_pin(TX_CODE_LENGTH) if with_tx_code else None
        values = {
            "id": new_id(),
            "uri_token_hash": token_hash(uri_token),
            "award_id": award_id,
            "tx_code_hash": self._tx_codes.digest(tx_code) if tx_code else None,
            "tx_code_length": TX_CODE_LENGTH if tx_code else None,
            "tx_code_failures": 0,
            "created_at": now,
            "expires_at": now + timedelta(seconds=self._settings.offer_ttl_seconds),
            "redeemed_at": None,
            "invalidated_at": None,
        }
        return NewOffer(values, uri_token, tx_code)

    async def live_by_uri_token(self, uri_token: str) -> CredentialOffer:
        """The offer behind a ``credential_offer_uri``, while it can still be redeemed."""
        offer = await self._session.scalar(
            select(CredentialOffer).where(CredentialOffer.uri_token_hash == token_hash(uri_token))
        )
        if offer is None or not is_live(offer):
            raise NotFound("This credential offer does not exist, was used, or has expired.")
        return offer

    def tx_code_matches(self, offer: CredentialOffer, tx_code: str) -> bool:
        """Whether ``tx_code`` is the offer's PIN (constant time; no attempt is counted)."""
        return offer.tx_code_hash is not None and self._tx_codes.matches(
            tx_code, offer.tx_code_hash
        )

    async def achievement_id(self, offer: CredentialOffer) -> str | None:
        """The micro-credential the offer's award is of (its configurations name it)."""
        return await self._session.scalar(
            select(AchievementVersion.achievement_id)
            .join(Award, Award.achievement_version_id == AchievementVersion.id)
            .where(Award.id == offer.award_id)
        )

    def offer_object(
        self, offer: CredentialOffer, achievement_id: str | None = None
    ) -> dict[str, Any]:
        """The offer as a wallet reads it, with a pre-authorized code minted just now; it
        names the achievement's own configurations (whose display is the course) when
        ``achievement_id`` is given, else the catalogue-wide ones."""
        grant: dict[str, Any] = {"pre-authorized_code": self._codes.mint(offer.id, utcnow())}
        if offer.tx_code_hash:
            grant["tx_code"] = {
                "input_mode": "numeric",
                "length": offer.tx_code_length,
                "description": "The code your university sent you separately",
            }
        return {
            "credential_issuer": self._settings.base_url,
            "credential_configuration_ids": (
                achievement_configuration_ids(achievement_id) if achievement_id else list(ALL)
            ),
            "grants": {PRE_AUTHORIZED_GRANT: grant},
        }

    async def for_award(self, award_id: str) -> list[CredentialOffer]:
        rows = await self._session.scalars(
            select(CredentialOffer)
            .where(CredentialOffer.award_id == award_id)
            .order_by(CredentialOffer.created_at)
        )
        return list(rows)


def _audit_entry(new: NewOffer) -> tuple[str, dict[str, Any]]:
    return f"award:{new.award_id}", {"offer": new.offer_id, "tx_code": bool(new.tx_code)}


def is_live(offer: CredentialOffer) -> bool:
    return (
        offer.redeemed_at is None
        and offer.invalidated_at is None
        and as_utc(offer.expires_at) > utcnow()
    )
