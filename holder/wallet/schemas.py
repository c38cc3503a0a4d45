"""What the wallet API gives: credential summaries, documents, status, the stack."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from holder.wallet.stack import Stack, Total
from holder.wallet.views import CardView


class CredentialSummaryOut(BaseModel):
    id: str
    format: str
    source: str
    received_at: datetime
    status: str  # valid | revoked | suspended | expired | unknown
    status_checked_at: datetime | None
    title: dict[str, str]  # by language, the issuer's default language first
    issuer_name: dict[str, str]
    issuer_id: str | None
    issued_at: datetime | None
    expires_at: datetime | None
    ects: float | None
    eqf_level: int | None
    field_of_study: str | None
    achievement_type: str | None
    language: str | None
    subject_id: str | None = Field(description="the DID the credential is bound to")
    bound_to_me: bool | None = Field(
        description="whether that is this account's DID: false for a credential imported "
        "from another wallet, which cannot be presented as the learner's (null: not known)"
    )

    @classmethod
    def of(cls, card: CardView) -> CredentialSummaryOut:
        return cls(
            id=card.id,
            format=card.format,
            source=card.source,
            received_at=card.received_at,
            status=card.status,
            status_checked_at=card.status_checked_at,
            title=card.title,
            issuer_name=card.issuer_name,
            issuer_id=card.issuer_id,
            issued_at=card.issued_at,
            expires_at=card.expires_at,
            ects=float(card.ects) if card.ects is not None else None,
            eqf_level=card.eqf_level,
            field_of_study=card.field_of_study,
            achievement_type=card.achievement_type,
            language=card.language,
            subject_id=card.subject_id,
            bound_to_me=card.bound_to_me,
        )


class CredentialOut(CredentialSummaryOut):
    document: dict[str, Any] | str  # as received: a JSON object (ldp_vc) or a JWT


class StatusOut(BaseModel):
    id: str
    status: str
    checked_at: datetime | None


class TotalOut(BaseModel):
    ects: float
    credentials: int

    @classmethod
    def of(cls, total: Total) -> TotalOut:
        return cls(ects=float(total.ects), credentials=total.count)


class FieldTotalOut(TotalOut):
    field: str


class LevelTotalOut(TotalOut):
    eqf_level: int | None


class ProgrammeOut(BaseModel):
    url: str | None
    name: dict[str, str]
    ects: float
    credentials: list[str]  # ids


class StackOut(BaseModel):
    total: TotalOut
    by_field: list[FieldTotalOut]
    by_level: list[LevelTotalOut]
    programmes: list[ProgrammeOut]
    not_counted: list[str] = Field(description="ids of revoked or suspended credentials")
    other_identity: list[str] = Field(
        default=[], description="ids of credentials bound to another identity (not added)"
    )
    repeated: list[str] = Field(
        default=[], description="ids of further copies of an achievement counted once"
    )

    @classmethod
    def of(cls, stack: Stack) -> StackOut:
        return cls(
            total=TotalOut.of(stack.total),
            by_field=[
                FieldTotalOut(field=name, **TotalOut.of(total).model_dump())
                for name, total in stack.by_field.items()
            ],
            by_level=[
                LevelTotalOut(eqf_level=level, **TotalOut.of(total).model_dump())
                for level, total in stack.by_level.items()
            ],
            programmes=[
                ProgrammeOut(
                    url=p.url,
                    name=p.name.texts(),
                    ects=float(p.ects),
                    credentials=[card.id for card in p.credentials],
                )
                for p in stack.programmes
            ],
            not_counted=[card.id for card in stack.not_counted],
            other_identity=[card.id for card in stack.other_identity],
            repeated=[card.id for card in stack.repeated],
        )


class BackupIn(BaseModel):
    passphrase: str = Field(max_length=1024)


class RestoreOut(BaseModel):
    restored: int
    did: str  # the account's DID now: the backup's
