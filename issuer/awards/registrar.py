"""What the registrar does with awards, through the admin API and the pages alike.

An award is made together with its first credential offer, whose secrets (the offer link's
token and the PIN) exist in clear only in what these functions return. The read side lists
awards and tells one award's story (offers, issued copies) without any secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.awards.offers import NewOffer, Offers
from issuer.awards.service import Awards, Recipient
from issuer.models import AchievementVersion, Award, CredentialOffer, IssuedCredential
from issuer.settings import IssuerSettings
from shared.clock import as_utc, utcnow
from shared.credentials.microcredential.i18n import LocalizedText
from shared.credentials.microcredential.model import CatalogueEntry
from shared.errors import Conflict, NotFound

MAX_PAGE = 200
# A search is a name, an e-mail address or a student id, or a part of one.
MAX_QUERY_LENGTH = 200
# Past any real listing, and well inside the 64-bit integers both databases take.
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True)
class AwardRow:
    award: Award
    achievement_id: str
    version: int
    title: LocalizedText


@dataclass(frozen=True)
class AwardPage:
    rows: list[AwardRow]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class AwardRecord:
    award: Award
    version: AchievementVersion
    credentials: list[IssuedCredential]
    offers: list[CredentialOffer]

    @property
    def entry(self) -> CatalogueEntry:
        return CatalogueEntry.model_validate(self.version.entry)


def offer_state(offer: CredentialOffer, max_failures: int) -> str:
    """redeemed, locked (too many wrong PINs), withdrawn, expired or live."""
    if offer.redeemed_at is not None:
        return "redeemed"
    if offer.invalidated_at is not None:
        return "locked" if offer.tx_code_failures >= max_failures else "withdrawn"
    if as_utc(offer.expires_at) <= utcnow():
        return "expired"
    return "live"


def pin_by_default(offers: list[CredentialOffer]) -> bool:
    """Whether a new offer asks for a PIN unless told otherwise: as the last one did."""
    return bool(offers) and offers[-1].tx_code_hash is not None


class Registrar:
    def __init__(self, session: AsyncSession, settings: IssuerSettings, kek: bytes) -> None:
        self._session = session
        self._settings = settings
        self._awards = Awards(session, settings.base_url)
        self._offers = Offers(session, settings, kek)

    async def award(
        self, achievement_id: str, recipient: Recipient, *, with_tx_code: bool, actor: str
    ) -> tuple[Award, NewOffer]:
        award = await self._awards.create(achievement_id, recipient, actor=actor)
        return award, await self._offers.create(award, with_tx_code=with_tx_code, actor=actor)

    async def new_offer(
        self, award_id: str, *, with_tx_code: bool | None, actor: str
    ) -> tuple[Award, NewOffer]:
        """A fresh offer (a lost e-mail, an expired code); the award's earlier ones end.

        ``with_tx_code=None`` keeps what the award's last offer did: an award that was
        guarded by a PIN stays guarded unless the registrar says otherwise."""
        award = await self._awards.get(award_id)
        if award.status != "active":
            raise Conflict(f"This award is {award.status}: reinstate it before offering it again.")
        if with_tx_code is None:
            with_tx_code = pin_by_default(await self._offers.for_award(award_id))
        return award, await self._offers.create(award, with_tx_code=with_tx_code, actor=actor)

    async def shown_offer(
        self, award_id: str, uri_token: str, tx_code: str | None
    ) -> NewOffer | None:
        """The offer whose secrets the registrar's browser holds, while it is still live.

        The page that shows a new offer's QR code gets the token and the PIN back from the
        browser (they are stored nowhere else); they count only if they match this award.
        """
        try:
            offer = await self._offers.live_by_uri_token(uri_token)
        except NotFound:
            return None
        if offer.award_id != award_id:
            return None
        if offer.tx_code_hash:
            if not tx_code or not self._offers.tx_code_matches(offer, tx_code):
                return None
        elif tx_code:
            return None
        return NewOffer.of(offer, uri_token, tx_code)

    async def page(
        self,
        *,
        achievement_id: str | None = None,
        query: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> AwardPage:
        """Awards, newest first, optionally of one micro-credential, optionally only those
        whose learner's name, e-mail address or student id contains ``query`` (any case)."""
        limit = max(1, min(limit, MAX_PAGE))
        offset = max(0, min(offset, MAX_OFFSET))
        joined = select(Award, AchievementVersion).join(
            AchievementVersion, AchievementVersion.id == Award.achievement_version_id
        )
        counted = select(func.count()).select_from(Award)
        if achievement_id is not None:
            joined = joined.where(AchievementVersion.achievement_id == achievement_id)
            counted = counted.join(
                AchievementVersion, AchievementVersion.id == Award.achievement_version_id
            ).where(AchievementVersion.achievement_id == achievement_id)
        wanted = (query or "").strip()[:MAX_QUERY_LENGTH]
        if wanted:
            # autoescape: a "%" or "_" typed by the registrar is a character, not a wildcard.
            # SQLite's lower() folds ASCII letters only, so "żółć" would miss "Żółć": the
            # query is also tried as names are written (capitalised) and in lower case.
            spellings = dict.fromkeys([wanted, wanted.lower(), wanted.title()])
            matches = or_(
                *(
                    column.icontains(spelling, autoescape=True)
                    for column in (
                        Award.learner_name,
                        Award.learner_email,
                        Award.learner_student_id,
                    )
                    for spelling in spellings
                )
            )
            joined = joined.where(matches)
            counted = counted.where(matches)
        result = await self._session.execute(
            joined.order_by(Award.awarded_at.desc(), Award.id).limit(limit).offset(offset)
        )
        rows = [
            AwardRow(
                award,
                version.achievement_id,
                version.version,
                LocalizedText.model_validate(version.entry["title"]),
            )
            for award, version in result.all()
        ]
        total = int(await self._session.scalar(counted) or 0)
        return AwardPage(rows, total, limit, offset)

    async def record(self, award_id: str) -> AwardRecord:
        award = await self._awards.get(award_id)
        version = await self._session.get(AchievementVersion, award.achievement_version_id)
        if version is None:
            raise NotFound(f"Award {award_id} points at a missing catalogue version.")
        credentials = await self._session.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.award_id == award_id)
            .order_by(IssuedCredential.issued_at)
        )
        return AwardRecord(
            award, version, list(credentials), await self._offers.for_award(award_id)
        )
