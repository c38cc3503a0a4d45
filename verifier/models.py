"""The verifier's tables.

Employers (organisations), their users and API tokens, templates and presentation requests
with their results. Every template and request belongs to one organisation; queries always
name it, so nobody sees another organisation's requests. A request is answered once: the
response is accepted by one conditional UPDATE (``verifier.requests.repository``), so two
replicas can never both accept a response to it. Tokens and response codes are stored
only as SHA-256 hashes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.crypto.key_record import KeyRecordMixin
from shared.db import new_metadata

Json = dict[str, Any]


class Base(DeclarativeBase):
    metadata = new_metadata()


class StoredKey(KeyRecordMixin, Base):
    __tablename__ = "keys"


class Organisation(Base):
    """An employer or admissions office using this verifier."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    """A person (or a script) of an organisation.

    ``role``: ``member`` (requests, templates, webhooks of their organisation; may read the
    trust list) or ``operator`` (may also change the node-wide trust list, which every
    organisation's results depend on). Migration 0004.
    """

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    role: Mapped[str] = mapped_column(String(16), server_default="member")


class ApiToken(Base):
    """A user's bearer token for the API (and the pages); shown once, stored as a hash."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Template(Base):
    """An organisation's own kind of request ("a data-literacy micro-credential, >= 5 ECTS");
    the built-in ones are data (verifier/templates.json)."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    constraints: Mapped[Json] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))


class PresentationRequest(Base):
    """One OpenID4VP request and, once answered, its result.

    ``responded_at`` is the single-use mark: set, with the result, by the one response whose
    conditional UPDATE found it empty. ``status``: pending, verified or rejected (expired is
    read from ``expires_at``, never written).
    """

    __tablename__ = "presentation_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    template_name: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    constraints: Mapped[Json] = mapped_column(JSON)
    era: Mapped[str] = mapped_column(String(8))  # "1.0" | "draft"
    client_id_scheme: Mapped[str] = mapped_column(String(32))  # decentralized_identifier | ...
    client_id: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64), unique=True)
    dcql_query: Mapped[Json | None] = mapped_column(JSON)
    presentation_definition: Mapped[Json | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when the request object is fetched through the same-device link: the response is
    # then answered with a redirect (and response code) for the learner's browser.
    same_device: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified: Mapped[bool | None] = mapped_column(Boolean)
    report: Mapped[Json | None] = mapped_column(JSON)
    wallet_error: Mapped[str | None] = mapped_column(String(64))
    wallet_error_description: Mapped[str | None] = mapped_column(Text)
    response_code_hash: Mapped[str | None] = mapped_column(String(64))


# ---- end of the employers' and requests' tables (migration 0002) ---------------------------
# Tables of verifier.trust and verifier.webhooks (migration 0003 and later) go below.


class TrustedIssuerRow(Base):
    """One university of the trust list (``verifier.trust``). The list lives here, not in a
    file, so that every replica reads the same one; ``position`` keeps the operator's order."""

    __tablename__ = "trusted_issuers"

    did: Mapped[str] = mapped_column(String(500), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[Json] = mapped_column(JSON)  # LocalizedText JSON, first key = default language
    country: Mapped[str] = mapped_column(String(2))
    accreditation: Mapped[str] = mapped_column(String(300))
    accreditation_url: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[Json] = mapped_column(JSON)  # language -> text, possibly empty
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200))


class TrustListLoad(Base):
    """Each time the trust list was loaded from its configured file or URL. At start the file
    is loaded only when it differs from the last one loaded (``digest``), so edits made
    through the pages or the API survive a restart; a reload on demand always loads."""

    __tablename__ = "trust_list_loads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the document's bytes
    entries: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class WebhookEndpoint(Base):
    """Where an organisation wants its results posted (``verifier.webhooks``).

    The signing secret is shown once, when made; it must be usable to sign, so it is kept
    sealed under the key-encryption key (AES-GCM bound to this row), never as plain text.
    Removing an endpoint keeps the row (``removed_at``) so that its delivery log stays.
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(200))
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    enabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookDelivery(Base):
    """One result to post to one endpoint: the outbox row, written in the same transaction
    as the result, so a result never exists without its delivery nor the reverse.

    ``event_id`` is the same for every endpoint and every retry of one result (receivers
    deduplicate on it); the unique key makes a second ``result_ready`` for the same request
    and endpoint a no-op. A worker claims a due row by moving ``lease_expires_at`` forward
    in a conditional UPDATE under its own ``claim_token``; a worker that dies leaves a lease
    that runs out, and another worker claims the row again.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("request_id", "endpoint_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("presentation_requests.id"), index=True)
    body: Mapped[str] = mapped_column(Text)  # the exact JSON text signed and sent, every time
    state: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookAttempt(Base):
    """The delivery log: every attempt, with the receiver's HTTP status or what went wrong."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)  # in words; None when the receiver said 2xx
