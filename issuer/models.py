"""The issuer's tables.

Single-use values (pre-authorized codes, nonces, tx_code attempts, status indexes) are
enforced here, by unique constraints and conditional updates, so that two replicas of the
issuer can never both accept one. Secrets are stored only as SHA-256 hashes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.crypto.key_record import KeyRecordMixin
from shared.db import new_metadata
from shared.rate_limits import RATE_LIMIT_COUNTERS_TABLE, RateLimitCounterMixin

Json = dict[str, Any]


class Base(DeclarativeBase):
    metadata = new_metadata()


class StoredKey(KeyRecordMixin, Base):
    __tablename__ = "keys"


class Organisation(Base):
    """An issuing organisation hosted by this node, with its own DID and keys."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[Json] = mapped_column(JSON)  # LocalizedText JSON
    url: Mapped[str | None] = mapped_column(String(500))
    country_code: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(200))
    did: Mapped[str] = mapped_column(String(500), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Achievement(Base):
    """A micro-credential in the catalogue; its content lives in immutable versions."""

    __tablename__ = "achievements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | retired
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AchievementVersion(Base):
    """One version of a catalogue entry, never changed once written: awards point here, so
    an edit of the catalogue never changes what was already awarded."""

    __tablename__ = "achievement_versions"
    __table_args__ = (UniqueConstraint("achievement_id", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    entry: Mapped[Json] = mapped_column(JSON)  # CatalogueEntry JSON
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))


class Cohort(Base):
    """One CSV upload that awards many learners at once, created by a restartable job.

    The upload is checked, then recorded here with its file (``queued``); the job creates
    its awards in chunks, each committed with ``done``, so a job that died goes on where it
    stopped. The idempotency key (unique per organisation) makes a repeated upload return
    this cohort instead of a second one. The file is dropped once every award exists.
    """

    __tablename__ = "cohorts"
    __table_args__ = (UniqueConstraint("organisation_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    achievement_version_id: Mapped[str] = mapped_column(ForeignKey("achievement_versions.id"))
    file_name: Mapped[str | None] = mapped_column(String(300))
    row_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    # NULL only for cohorts made before 0007, which had no key.
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    file_digest: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of the upload
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary)  # until every award exists
    delimiter: Mapped[str] = mapped_column(String(1), default=",")
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done|failed
    done: Mapped[int] = mapped_column(Integer, default=0)  # rows whose award exists
    error: Mapped[str | None] = mapped_column(Text)  # in words, when failed
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    links_made_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The registrar chose to e-mail each learner their offer as the awards are created.
    email_offers: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Award(Base):
    """A micro-credential awarded to one learner. Every copy issued (one per format the
    wallet asks for) shares the award's status entries."""

    __tablename__ = "awards"
    # One award per line of a cohort's file: a restarted cohort job can never make a second.
    __table_args__ = (UniqueConstraint("cohort_id", "cohort_line"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    achievement_version_id: Mapped[str] = mapped_column(
        ForeignKey("achievement_versions.id"), index=True
    )
    cohort_id: Mapped[str | None] = mapped_column(ForeignKey("cohorts.id"), index=True)
    cohort_line: Mapped[int | None] = mapped_column(Integer)  # its line in the cohort's file
    cohort_tx_code: Mapped[bool | None] = mapped_column(Boolean)  # the file asked for a PIN
    learner_name: Mapped[str] = mapped_column(String(300))
    learner_email: Mapped[str | None] = mapped_column(String(320))
    learner_student_id: Mapped[str | None] = mapped_column(String(100))
    grade: Mapped[str | None] = mapped_column(String(100))
    activity_start: Mapped[date | None] = mapped_column(Date)
    activity_end: Mapped[date | None] = mapped_column(Date)
    awarded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|suspended|revoked
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revocation_list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"))
    revocation_index: Mapped[int] = mapped_column(Integer)
    suspension_list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"))
    suspension_index: Mapped[int] = mapped_column(Integer)
    # A random, unguessable id for the public verification page the PDF's QR code opens.
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    # The certificate's signed credential (ldp_vc JSON, no subject id), served behind the QR
    # code: signed on its first request and kept, so a public GET never signs again.
    certificate_credential: Mapped[str | None] = mapped_column(Text)


class CredentialOffer(Base):
    """An OpenID4VCI credential offer.

    Its URI token (in ``credential_offer_uri``) is a bearer secret, so only its hash is
    stored. Its pre-authorized codes are not stored at all: each fetch of the offer object
    mints one that names the offer and carries a MAC under a key only the running issuer
    holds (see ``issuer.oid4vci.codes``); ``redeemed_at`` makes all of them single-use.
    """

    __tablename__ = "credential_offers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    uri_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id"), index=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))  # keyed: oid4vci.codes
    tx_code_length: Mapped[int | None] = mapped_column(Integer)
    # tx_code attempts taken, each before its comparison; the last one allowed may be right.
    tx_code_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    redeemed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    invalidated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccessToken(Base):
    """An access token from the token endpoint: good for every format of one award."""

    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("credential_offers.id"), index=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Nonce(Base):
    """A c_nonce: unpredictable, single use, short-lived."""

    __tablename__ = "nonces"

    value_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IssuedCredential(Base):
    """That a credential was issued, in which format, to which holder DID; never its body
    (signed credentials carry personal data the issuer need not keep).

    An offer yields one credential per configuration it offers: the unique (offer,
    configuration) pair lets the database, not the process, refuse a second one, however
    many requests race for it. Rows from before 0004 have neither (NULLs never collide).
    """

    __tablename__ = "issued_credentials"
    __table_args__ = (UniqueConstraint("offer_id", "configuration_id"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # the credential's id
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id"), index=True)
    offer_id: Mapped[str | None] = mapped_column(ForeignKey("credential_offers.id"))
    configuration_id: Mapped[str | None] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(32))
    holder_did: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StatusList(Base):
    """One StatusList2021 list of one organisation for one purpose."""

    __tablename__ = "status_lists"
    __table_args__ = (UniqueConstraint("organisation_id", "purpose", "sequence"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    purpose: Mapped[str] = mapped_column(String(16))  # revocation | suspension
    sequence: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StatusAllocation(Base):
    """An index taken in a list; the primary key makes reuse impossible."""

    __tablename__ = "status_allocations"

    list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A bearer token for the admin API (and the registrar's pages)."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Who did what, when: every issuance, status change and admin action."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200), index=True)
    details: Mapped[Json] = mapped_column(JSON, default=dict)


class RateLimitCounter(RateLimitCounterMixin, Base):
    """Requests counted per client address (hashed) or offer, for the protocol endpoints."""

    __tablename__ = RATE_LIMIT_COUNTERS_TABLE


class MailMessage(Base):
    """One e-mail to a learner (their offer, or the offer's PIN): the outbox row, written in
    the transaction that makes the offer and sent by ``issuer.mail.worker``.

    The message is not stored: it is rebuilt at each attempt from the award and ``sealed``,
    the one secret it carries (the offer link's token, or the PIN), sealed under the
    key-encryption key and bound to this row. ``channel`` says where it went: "smtp", or
    "local" for development's outbox, where it stays to be read on the issuer's pages.
    """

    __tablename__ = "mail_messages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id"), index=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("credential_offers.id"))
    kind: Mapped[str] = mapped_column(String(8))  # offer | pin
    recipient: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(35))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16))  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)  # in words
    channel: Mapped[str | None] = mapped_column(String(16))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
