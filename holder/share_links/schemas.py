"""What the share-link API takes and gives."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from holder.share_links.service import DEFAULT_LIFETIME, Lifetime, LinkState


class ShareLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lifetime: Lifetime = DEFAULT_LIFETIME  # 1d, 7d, 30d or 365d


class ShareLinkOut(BaseModel):
    id: str
    credential_id: str
    state: str  # active | expired | revoked
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    views: int
    last_viewed_at: datetime | None
    # The link itself, only in the answer that made it: the wallet keeps only its hash.
    url: str | None = None

    @classmethod
    def of(cls, found: LinkState, url: str | None = None) -> ShareLinkOut:
        link = found.link
        return cls(
            id=link.id,
            credential_id=link.credential_id,
            state=found.state,
            created_at=link.created_at,
            expires_at=link.expires_at,
            revoked_at=link.revoked_at,
            views=link.views,
            last_viewed_at=link.last_viewed_at,
            url=url,
        )
