"""Offers by e-mail: which messages an award or a cohort queues, in which language, and how
their state reads.

Messages are queued in the caller's transaction, next to the offer they carry (so an offer
never exists without its message nor the reverse), and sent by ``issuer.mail.worker``. The
offer link's token and the PIN exist in clear only when the offer is made; each message keeps
its one secret sealed under the key-encryption key, and the text is rebuilt at each attempt.

``queue_offer_messages`` is what a cohort calls with the offers it just made;
``email_new_offers`` makes the offers too (awards that have none in hand).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from issuer.admin.audit import record_many
from issuer.awards.offers import NewOffer, Offers, is_live
from issuer.awards.registrar import Registrar
from issuer.mail import repository
from issuer.mail.compose import OFFER, PIN, Kind, Letter
from issuer.mail.repository import FAILED, QUEUED, SENT, StoredMessage
from issuer.mail.sealing import open_secret, seal_secret
from issuer.mail.texts import DEFAULT_LANGUAGE, supported
from issuer.mail.transport import LOCAL
from issuer.models import AchievementVersion, Award, MailMessage
from issuer.settings import IssuerSettings
from shared.clock import as_utc, new_id, utcnow
from shared.credentials.microcredential.i18n import LocalizedText
from shared.errors import Conflict, InvalidInput, NotFound

UNAVAILABLE = (
    "E-mail is not set up on this issuer (no mail server in its settings: ISSUER_SMTP_HOST), "
    "so offers cannot be sent by e-mail. Show the learner the QR code, or send them the link "
    "yourself."
)


def mail_available(settings: IssuerSettings) -> bool:
    """Whether offers can go by e-mail: a mail server is set, or development keeps them in
    its local outbox."""
    return bool(settings.smtp_host) or settings.is_development


def sends_for_real(settings: IssuerSettings) -> bool:
    return bool(settings.smtp_host)


async def queue_offer_messages(
    session: AsyncSession,
    settings: IssuerSettings,
    kek: bytes,
    offers: Iterable[tuple[Award, NewOffer]],
    *,
    actor: str,
    language: str | None = None,
) -> list[MailMessage]:
    """Queue each learner's offer (and its PIN, when the operator sends PINs by e-mail) in
    the current session; awards without an e-mail address are skipped. ``language`` (a tag
    such as "de") chooses the messages' language, else each micro-credential's own.
    Raises Conflict when e-mail is not available (see ``mail_available``)."""
    return await Mailer(session, settings, kek).queue(offers, actor=actor, language=language)


async def email_new_offers(
    session: AsyncSession,
    settings: IssuerSettings,
    kek: bytes,
    awards: Sequence[Award],
    with_tx_codes: Sequence[bool],
    *,
    actor: str,
    language: str | None = None,
) -> list[MailMessage]:
    """A fresh offer for each award that has an e-mail address, queued to the learner in
    the current session (for a cohort's awards: ``with_tx_codes`` as its file asked). The
    awards' earlier offers are withdrawn, as ``Offers.create_many`` does."""
    if not mail_available(settings):
        raise Conflict(UNAVAILABLE)
    chosen = [(a, pin) for a, pin in zip(awards, with_tx_codes, strict=True) if a.learner_email]
    if not chosen:
        return []
    made = await Offers(session, settings, kek).create_many(
        [award.id for award, _ in chosen], [pin for _, pin in chosen], actor=actor
    )
    offers = zip([award for award, _ in chosen], made, strict=True)
    return await queue_offer_messages(
        session, settings, kek, offers, actor=actor, language=language
    )


class Mailer:
    def __init__(self, session: AsyncSession, settings: IssuerSettings, kek: bytes) -> None:
        self._session = session
        self._settings = settings
        self._kek = kek

    async def queue(
        self,
        offers: Iterable[tuple[Award, NewOffer]],
        *,
        actor: str,
        language: str | None = None,
    ) -> list[MailMessage]:
        if not mail_available(self._settings):
            raise Conflict(UNAVAILABLE)
        chosen = _language(language)
        now = utcnow()
        rows: list[dict[str, object]] = []
        titles: dict[str, LocalizedText] = {}
        for award, offer in offers:
            if not award.learner_email:
                continue
            if chosen is None and award.achievement_version_id not in titles:
                titles[award.achievement_version_id] = await self._title(award)
            message_language = chosen or _language_of(titles[award.achievement_version_id])
            rows.append(
                self._row(award, offer, OFFER, offer.uri_token, message_language, now, actor)
            )
            if offer.tx_code and self._settings.mail_pin_policy == "separate":
                rows.append(
                    self._row(award, offer, PIN, offer.tx_code, message_language, now, actor)
                )
        await repository.add_messages(self._session, rows)
        await record_many(
            self._session,
            actor,
            "mail.queue",
            (
                (f"award:{row['award_id']}", {"message": row["id"], "kind": row["kind"]})
                for row in rows
            ),
        )
        return [MailMessage(**row) for row in rows]

    async def send_new_offer(
        self, award_id: str, *, with_tx_code: bool, language: str | None, actor: str
    ) -> tuple[Award, NewOffer, list[MailMessage]]:
        """A fresh offer for the award, e-mailed to the learner (the "send again" button):
        the award's earlier offers stop working, and so do their messages not yet sent."""
        if not mail_available(self._settings):
            raise Conflict(UNAVAILABLE)
        registrar = Registrar(self._session, self._settings, self._kek)
        award = await self._session.get(Award, award_id)
        if award is None:
            raise NotFound(f"No award {award_id}.")
        if not award.learner_email:
            raise InvalidInput(
                "This award has no e-mail address for the learner, so the offer cannot be "
                "e-mailed. Show the learner the QR code instead."
            )
        award, offer = await registrar.new_offer(award_id, with_tx_code=with_tx_code, actor=actor)
        queued = await self.queue([(award, offer)], actor=actor, language=language)
        return award, offer, queued

    async def messages_for(self, award_id: str) -> list[MailMessage]:
        if await self._session.get(Award, award_id) is None:
            raise NotFound(f"No award {award_id}.")
        return await repository.for_award(self._session, award_id)

    async def local_letter(self, message_id: str) -> tuple[MailMessage, Letter]:
        """A message kept in development's local outbox, as the learner would read it. Sent
        messages' texts are not shown again: their links are the learners' secrets."""
        stored = await repository.stored(self._session, message_id)
        if (
            stored is None
            or not self._settings.is_development
            or sends_for_real(self._settings)
            or stored.message.channel not in (LOCAL, None)
        ):
            raise NotFound("There is no such message in the local outbox.")
        return stored.message, letter_of(stored, self._settings, self._kek)

    async def recent(self, *, limit: int, offset: int) -> tuple[list[tuple[MailMessage, str]], int]:
        return await repository.recent(self._session, limit=limit, offset=offset)

    def _row(
        self,
        award: Award,
        offer: NewOffer,
        kind: Kind,
        secret: str,
        language: str,
        now: datetime,
        actor: str,
    ) -> dict[str, object]:
        message_id = new_id()
        assert award.learner_email is not None
        return {
            "id": message_id,
            "award_id": award.id,
            "offer_id": offer.offer_id,
            "kind": kind,
            "recipient": award.learner_email,
            "language": language,
            "sealed": seal_secret(secret, self._kek, message_id=message_id, award_id=award.id),
            "state": QUEUED,
            "attempts": 0,
            "last_error": None,
            "channel": None,
            "next_attempt_at": now,
            "created_at": now,
            "created_by": actor,
        }

    async def _title(self, award: Award) -> LocalizedText:
        version = await self._session.get(AchievementVersion, award.achievement_version_id)
        if version is None:
            raise NotFound(f"Award {award.id} points at a missing catalogue version.")
        return LocalizedText.model_validate(version.entry["title"])


def letter_of(stored: StoredMessage, settings: IssuerSettings, kek: bytes) -> Letter:
    """The message as it reads, its secret opened (CryptoError when it does not open)."""
    message = stored.message
    return Letter(
        kind=OFFER if message.kind == OFFER else PIN,
        recipient=message.recipient,
        language=message.language,
        learner_name=stored.award.learner_name,
        title=LocalizedText.model_validate(stored.version.entry["title"]),
        issuer=LocalizedText.model_validate(stored.organisation.name),
        expires_at=as_utc(stored.offer.expires_at),
        with_pin=stored.offer.tx_code_hash is not None,
        pin_policy=settings.mail_pin_policy,
        secret=open_secret(message.sealed, kek, message_id=message.id, award_id=message.award_id),
        base_url=settings.base_url,
        wallet_url=settings.wallet_url,
    )


def offer_still_live(stored: StoredMessage) -> bool:
    return is_live(stored.offer)


def describe(message: MailMessage) -> str:
    """The message's state in words, for the award page and the API."""
    what = "The PIN" if message.kind == PIN else "The offer"
    if message.state == SENT:
        at = _when(message.finished_at)
        if message.channel == LOCAL:
            return f"{what} was put in the development outbox at {at} (not e-mailed)."
        return f"{what} was sent to {message.recipient} at {at}."
    if message.state == FAILED:
        return f"{what} could not be sent to {message.recipient}: {message.last_error}"
    if message.last_error:
        return (
            f"{what} is waiting to be sent to {message.recipient}: attempt {message.attempts} "
            f"failed ({message.last_error}); the next try is at {_when(message.next_attempt_at)}."
        )
    return f"{what} is queued to be sent to {message.recipient}."


def _when(value: datetime | None) -> str:
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC") if value else "an unknown time"


def _language(tag: str | None) -> str | None:
    if tag is None or not tag.strip():
        return None
    language = supported(tag)
    if language is None:
        raise InvalidInput(
            f"E-mails can be written in English, German, French, Spanish, Italian, Dutch or "
            f"Polish; {tag.strip()[:35]!r} is not one of them."
        )
    return language


def _language_of(title: LocalizedText) -> str:
    """The micro-credential's own language when the e-mails speak it, else English."""
    return supported(title.language) or DEFAULT_LANGUAGE
