"""The status API: what a registrar sends to revoke, suspend or reinstate, and gets back."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from issuer.models import Award
from issuer.status.service import MAX_REASON_LENGTH
from shared.clock import as_utc


class StatusChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(
        default=None,
        max_length=MAX_REASON_LENGTH,
        description="Why (required to revoke or suspend). Kept in the issuer's records only: "
        "the status list and the public verification page never show it.",
    )


class AwardStatusOut(BaseModel):
    award_id: str
    status: str = Field(description="active, suspended or revoked")
    status_reason: str | None
    status_changed_at: datetime | None

    @classmethod
    def of(cls, award: Award) -> AwardStatusOut:
        changed = award.status_changed_at
        return cls(
            award_id=award.id,
            status=award.status,
            status_reason=award.status_reason,
            status_changed_at=as_utc(changed) if changed else None,
        )
