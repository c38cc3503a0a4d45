"""The awards API: awarding a micro-credential, its offers, and what was issued."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from issuer.awards.offers import NewOffer
from issuer.awards.registrar import AwardRecord, AwardRow, offer_state
from issuer.awards.service import Recipient
from issuer.catalogue.schemas import UtcDatetime
from issuer.mail.schemas import MessageOut
from issuer.settings import IssuerSettings

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _blank_is_none(value: Any) -> Any:
    """An empty form field or JSON string means "not given"."""
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


OptionalText = Annotated[str | None, BeforeValidator(_blank_is_none)]
OptionalDate = Annotated[date | None, BeforeValidator(_blank_is_none)]


class RecipientIn(BaseModel):
    """The learner and the result (the award page's form, and the API minus the id)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, BeforeValidator(_blank_is_none), Field(min_length=1, max_length=300)]
    email: OptionalText = Field(default=None, max_length=320)
    student_id: OptionalText = Field(default=None, max_length=100)
    grade: OptionalText = Field(default=None, max_length=100)
    activity_start: OptionalDate = None
    activity_end: OptionalDate = None
    tx_code: bool = Field(
        default=False,
        description="Guard the offer with a PIN, returned once and sent to the learner apart.",
    )

    @field_validator("email")
    @classmethod
    def _looks_like_email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("is not an e-mail address")
        return value

    def recipient(self) -> Recipient:
        return Recipient(
            name=self.name,
            email=self.email,
            student_id=self.student_id,
            grade=self.grade,
            activity_start=self.activity_start,
            activity_end=self.activity_end,
        )


class AwardIn(RecipientIn):
    achievement_id: str


class NewOfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tx_code: bool | None = Field(
        default=None,
        description="Guard the new offer with a PIN; left out, as the award's last offer did.",
    )


class OfferOut(BaseModel):
    """A new offer: the only response that ever carries its link and PIN."""

    award_id: str
    credential_offer_uri: str  # openid-credential-offer://?credential_offer_uri=…
    offer_object_uri: str
    wallet_link: str
    qr_png_url: str
    qr_svg_url: str
    tx_code: str | None = Field(
        default=None, description="Only when asked for: send it to the learner separately."
    )
    expires_at: UtcDatetime

    @classmethod
    def of(cls, award_id: str, new: NewOffer, settings: IssuerSettings) -> OfferOut:
        links = new.links(settings)
        return cls(
            award_id=award_id,
            **links,
            qr_png_url=f"{links['offer_object_uri']}/qr.png",
            qr_svg_url=f"{links['offer_object_uri']}/qr.svg",
            tx_code=new.tx_code,
            expires_at=new.offer.expires_at,
        )


class LearnerOut(BaseModel):
    name: str
    email: str | None
    student_id: str | None


class AwardSummary(BaseModel):
    award_id: str
    status: str  # active | suspended | revoked
    learner_name: str
    achievement_id: str
    achievement_title: str
    version: int
    awarded_at: UtcDatetime
    cohort_id: str | None

    @classmethod
    def of(cls, row: AwardRow) -> AwardSummary:
        return cls(
            award_id=row.award.id,
            status=row.award.status,
            learner_name=row.award.learner_name,
            achievement_id=row.achievement_id,
            achievement_title=row.title.text,
            version=row.version,
            awarded_at=row.award.awarded_at,
            cohort_id=row.award.cohort_id,
        )


class AwardList(BaseModel):
    items: list[AwardSummary]
    total: int
    limit: int
    offset: int


class IssuedOut(BaseModel):
    format: str
    issued_at: UtcDatetime


class OfferRecordOut(BaseModel):
    """An offer's history; its link and codes are secrets and never shown again."""

    id: str
    state: str  # live | redeemed | withdrawn | expired | locked
    with_tx_code: bool
    created_at: UtcDatetime
    expires_at: UtcDatetime
    redeemed_at: UtcDatetime | None
    withdrawn_at: UtcDatetime | None


class AwardOut(BaseModel):
    award_id: str
    status: str
    status_reason: str | None
    status_changed_at: UtcDatetime | None
    learner: LearnerOut
    grade: str | None
    activity_start: date | None
    activity_end: date | None
    achievement_id: str
    achievement_title: str
    version: int
    awarded_at: UtcDatetime
    created_by: str
    cohort_id: str | None
    credentials: list[IssuedOut]
    offers: list[OfferRecordOut]
    # The offer e-mails to the learner, newest first, each with its state in words.
    email: list[MessageOut] = []

    @classmethod
    def of(cls, record: AwardRecord, settings: IssuerSettings) -> AwardOut:
        award = record.award
        return cls(
            award_id=award.id,
            status=award.status,
            status_reason=award.status_reason,
            status_changed_at=award.status_changed_at,
            learner=LearnerOut(
                name=award.learner_name,
                email=award.learner_email,
                student_id=award.learner_student_id,
            ),
            grade=award.grade,
            activity_start=award.activity_start,
            activity_end=award.activity_end,
            achievement_id=record.version.achievement_id,
            achievement_title=record.entry.title.text,
            version=record.version.version,
            awarded_at=award.awarded_at,
            created_by=award.created_by,
            cohort_id=award.cohort_id,
            credentials=[
                IssuedOut(format=c.format, issued_at=c.issued_at) for c in record.credentials
            ],
            offers=[
                OfferRecordOut(
                    id=offer.id,
                    state=offer_state(offer, settings.tx_code_max_failures),
                    with_tx_code=offer.tx_code_hash is not None,
                    created_at=offer.created_at,
                    expires_at=offer.expires_at,
                    redeemed_at=offer.redeemed_at,
                    withdrawn_at=offer.invalidated_at,
                )
                for offer in record.offers
            ],
        )
