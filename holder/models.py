"""The wallet's tables.

Everything a learner owns hangs off ``learners`` with ON DELETE CASCADE, so erasing an
account erases all of it in one statement. Credentials are stored sealed (AES-GCM under the
key-encryption key, bound to their owner and id); only the summary the cards show is plain.
Session tokens are stored as hashes. Failed logins are counted per login name, whether or
not an account has that name, and the name is kept only as a keyed hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.crypto.key_record import KeyRecordMixin
from shared.db import new_metadata
from shared.rate_limits import RATE_LIMIT_COUNTERS_TABLE, RateLimitCounterMixin

Json = dict[str, Any]
LEARNER_FK = "learners.id"


class Base(DeclarativeBase):
    metadata = new_metadata()


class StoredKey(KeyRecordMixin, Base):
    __tablename__ = "keys"


class Learner(Base):
    __tablename__ = "learners"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16), default="en")  # credentials' texts
    # The wallet's own words (one of holder.i18n.LANGUAGES); None: from the browser.
    interface_language: Mapped[str | None] = mapped_column(String(16), default=None)
    did: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WalletSession(Base):
    __tablename__ = "wallet_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey(LEARNER_FK, ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginFailures(Base):
    """Logins that have not (yet) succeeded for one login name, and how long it is locked."""

    __tablename__ = "login_failures"

    name_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class StoredCredential(Base):
    __tablename__ = "credentials"
    # A learner's list, newest first, read a page at a time from the index alone.
    __table_args__ = (Index("ix_credentials_learner_received", "learner_id", "received_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey(LEARNER_FK, ondelete="CASCADE"), index=True)
    format: Mapped[str] = mapped_column(String(32))  # ldp_vc | jwt_vc_json
    sealed_document: Mapped[bytes] = mapped_column(LargeBinary)
    summary: Mapped[Json] = mapped_column(JSON)  # what the cards show
    issuer_id: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # oid4vci | import | backup
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    status_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PendingOffer(Base):
    """A credential offer the learner has opened but not yet accepted or declined."""

    __tablename__ = "pending_offers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey(LEARNER_FK, ondelete="CASCADE"), index=True)
    sealed_offer: Mapped[bytes] = mapped_column(LargeBinary)  # offer + issuer metadata
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PresentationRequest(Base):
    """A verifier's request the learner has opened: shown, then answered or declined."""

    __tablename__ = "presentation_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey(LEARNER_FK, ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(Text)
    request: Mapped[Json] = mapped_column(JSON)  # the resolved authorization request
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|declined
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ActivityEvent(Base):
    """The learner's own history: what was received, shared or deleted, and when."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey(LEARNER_FK, ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(32))
    details: Mapped[Json] = mapped_column(JSON, default=dict)


class ShareLink(Base):
    """A public link to one credential: the link carries a random token, this table only its
    hash, so a database dump opens no credential. Views are counted for the learner."""

    __tablename__ = "share_links"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey(LEARNER_FK, ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("credentials.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    views: Mapped[int] = mapped_column(Integer, default=0)
    last_viewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RateLimitCounter(RateLimitCounterMixin, Base):
    """Sign-ups counted per client address (hashed)."""

    __tablename__ = RATE_LIMIT_COUNTERS_TABLE
