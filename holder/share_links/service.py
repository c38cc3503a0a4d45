"""The rules of share links: who may make, see and revoke them, and what opening one shows.

The link carries a 256-bit random token; only its SHA-256 is stored (``shared.tokens``), so
the wallet can show a link's address once, when it is made, and never again: a learner who
lost it makes a new one. A link shows exactly one credential of its learner, until the
expiry the learner chose or until they revoke it; deleting the credential or the account
deletes its links with it. Services never commit: the request's unit of work does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from holder.i18n import _
from holder.models import Learner, ShareLink, StoredCredential
from holder.share_links import repository
from holder.wallet.store import CredentialStore
from shared.clock import as_utc, new_id, utcnow
from shared.credentials.formats.base import SignedDocument
from shared.errors import CredstackError, NotFound
from shared.tokens import new_token, token_hash

PUBLIC_PATH = "/s"


class Lifetime(StrEnum):
    """How long a link works: the choices the learner is offered."""

    DAY = "1d"
    WEEK = "7d"
    MONTH = "30d"
    YEAR = "365d"

    @property
    def duration(self) -> timedelta:
        return timedelta(days=int(self.value.removesuffix("d")))


DEFAULT_LIFETIME = Lifetime.MONTH
# LinkedIn keeps the link on the learner's profile: it should outlive a job search.
LINKEDIN_LIFETIME = Lifetime.YEAR


class LinkGone(CredstackError):
    """A link that existed but is revoked or past its expiry (410 Gone)."""

    code = "link_gone"
    status_code = 410


def public_url(base_url: str, token: str) -> str:
    return f"{base_url}{PUBLIC_PATH}/{token}"


@dataclass(frozen=True)
class NewLink:
    link: ShareLink
    url: str  # shown once: only the token's hash is kept


@dataclass(frozen=True)
class LinkState:
    link: ShareLink
    state: str  # active | expired | revoked


def state_of(link: ShareLink, now: datetime) -> str:
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if as_utc(link.expires_at) <= now else "active"


class ShareLinks:
    """One learner's links; another learner's link answers like one that does not exist."""

    def __init__(self, session: AsyncSession, learner: Learner, kek: bytes, base_url: str) -> None:
        self._session = session
        self._learner = learner
        self._store = CredentialStore(session, learner, kek)
        self._base_url = base_url

    async def create(self, credential_id: str, lifetime: Lifetime) -> NewLink:
        record = await self._store.get(credential_id)  # NotFound unless it is theirs
        token = new_token()
        now = utcnow()
        link = ShareLink(
            id=new_id(),
            learner_id=self._learner.id,
            credential_id=record.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + lifetime.duration,
            revoked_at=None,
            views=0,
        )
        repository.add(self._session, link)
        await self._store.log(
            "share_link.create", {"credential": record.id, "link": link.id, "lifetime": lifetime}
        )
        await self._session.flush()
        return NewLink(link, public_url(self._base_url, token))

    async def of(self, credential_id: str) -> list[LinkState]:
        record = await self._store.get(credential_id)
        now = utcnow()
        links = await repository.of_credential(self._session, self._learner.id, record.id)
        return [LinkState(link, state_of(link, now)) for link in links]

    async def revoke(self, link_id: str) -> ShareLink:
        link = await repository.revoke(self._session, self._learner.id, link_id, now=utcnow())
        if link is None:
            raise NotFound(_("There is no such share link in your wallet."))
        await self._store.log(
            "share_link.revoke", {"credential": link.credential_id, "link": link.id}
        )
        return link


@dataclass(frozen=True)
class Opened:
    link: ShareLink
    record: StoredCredential
    document: SignedDocument


async def open_link(session: AsyncSession, token: str, kek: bytes) -> Opened:
    """The credential behind a working link, this view counted; LinkGone for a revoked or
    expired link, NotFound for a token no link was made with (nothing counted for either)."""
    hashed = token_hash(token)
    link = await repository.count_view(session, hashed, now=utcnow())
    if link is None:
        if await repository.exists(session, hashed):
            raise LinkGone(_("This link is no longer shared."))
        raise NotFound(_("This link is no longer shared."))
    learner = await session.get(Learner, link.learner_id)
    record = await session.get(StoredCredential, link.credential_id)
    if learner is None or record is None:  # deleted in between: cascades remove the link too
        raise NotFound(_("This link is no longer shared."))
    store = CredentialStore(session, learner, kek)
    return Opened(link, record, store.document(record))
