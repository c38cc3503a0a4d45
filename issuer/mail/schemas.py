"""The mail API's bodies: sending an award's offer by e-mail, and each message's state."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from issuer.catalogue.schemas import UtcDatetime
from issuer.mail.service import describe
from issuer.models import MailMessage


class SendOfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tx_code: bool = Field(
        default=False,
        description="Guard the new offer with a PIN: e-mailed apart or returned to you, as the "
        "issuer's PIN policy says (ISSUER_MAIL_PIN_POLICY).",
    )
    language: str | None = Field(
        default=None,
        max_length=35,
        description="The e-mail's language (en, de, fr, es, it, nl or pl); by default the "
        "micro-credential's own.",
    )


class MessageOut(BaseModel):
    """One e-mail to the learner; its link and PIN are never shown again."""

    id: str
    kind: str  # offer | pin
    recipient: str
    language: str
    state: str  # queued | sent | failed
    attempts: int
    last_error: str | None
    description: str  # the state in words
    channel: str | None  # smtp | local (development outbox), once sent
    created_at: UtcDatetime
    next_attempt_at: UtcDatetime | None
    finished_at: UtcDatetime | None

    @classmethod
    def of(cls, message: MailMessage) -> MessageOut:
        return cls(
            id=message.id,
            kind=message.kind,
            recipient=message.recipient,
            language=message.language,
            state=message.state,
            attempts=message.attempts,
            last_error=message.last_error,
            description=describe(message),
            channel=message.channel,
            created_at=message.created_at,
            next_attempt_at=message.next_attempt_at if message.state == "queued" else None,
            finished_at=message.finished_at,
        )


class SentOfferOut(BaseModel):
    award_id: str
    messages: list[MessageOut]
    tx_code: str | None = Field(
        default=None,
        description="The PIN, when the issuer's policy is to give it to you (not by e-mail): "
        "pass it to the learner by another channel.",
    )
    expires_at: UtcDatetime
