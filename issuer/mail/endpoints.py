"""Admin API: e-mail an award's offer to the learner; each message's state."""

from __future__ import annotations

from fastapi import APIRouter

from issuer.deps import AdminDep, RuntimeDep, SessionDep, SettingsDep
from issuer.mail.schemas import MessageOut, SendOfferIn, SentOfferOut
from issuer.mail.service import Mailer

router = APIRouter(prefix="/api/v1/awards", tags=["awards"])


@router.post("/{award_id}/email", status_code=202, response_model_exclude_none=True)
async def email_offer(
    award_id: str,
    actor: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    body: SendOfferIn | None = None,
) -> SentOfferOut:
    """Make a fresh offer for the award and queue it for the learner's e-mail address (its
    earlier offers stop working). 409 when e-mail is not set up on this issuer."""
    given = body or SendOfferIn()
    award, offer, messages = await Mailer(
        session, settings, runtime.key_encryption_key
    ).send_new_offer(
        award_id, with_tx_code=given.tx_code, language=given.language, actor=actor.name
    )
    return SentOfferOut(
        award_id=award.id,
        messages=[MessageOut.of(message) for message in messages],
        tx_code=offer.tx_code if settings.mail_pin_policy == "registrar" else None,
        expires_at=offer.offer.expires_at,
    )


@router.get("/{award_id}/email")
async def email_messages(
    award_id: str, actor: AdminDep, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> list[MessageOut]:
    """The award's e-mails, newest first, each with its state in words."""
    mailer = Mailer(session, settings, runtime.key_encryption_key)
    return [MessageOut.of(message) for message in await mailer.messages_for(award_id)]
