"""The cohort API's responses."""

from __future__ import annotations

from pydantic import BaseModel, Field

from issuer.catalogue.schemas import UtcDatetime
from issuer.cohorts.service import MAX_PROBLEMS_LISTED, CohortLinks, Delivery
from issuer.models import Cohort
from issuer.settings import IssuerSettings


class CohortOffer(BaseModel):
    """One learner's line of the links file: the same columns as the links CSV."""

    line: int | None = Field(description="The learner's line in the uploaded file.")
    name: str
    email: str | None
    student_id: str | None
    award_id: str
    status: str = Field(
        description='"new offer", or why there is none: "already received" (a wallet '
        'redeemed an offer of this award), "sent by e-mail" (its e-mailed offer is still '
        'live), "revoked" or "suspended".'
    )
    credential_offer_uri: str | None = Field(
        default=None,
        description="The openid-credential-offer:// link a wallet scans (a bearer secret).",
    )
    wallet_link: str | None = Field(
        default=None, description="The same offer as a web link to our wallet."
    )
    qr_png_url: str | None = Field(
        default=None, description="The link as a PNG QR code, while the offer is live."
    )
    tx_code: str | None = Field(
        default=None, description="The PIN, for rows that asked for one: send it separately."
    )


class CohortCreated(BaseModel):
    """A cohort with a fresh offer for each learner who has not received the credential yet:
    shown once, stored nowhere in clear."""

    cohort_id: str
    achievement_id: str
    created: int = Field(description="Awards of the cohort (all of its rows).")
    repeated: bool = Field(
        description="True when this file had been uploaded before: its first cohort is "
        "returned, with new links (the links of earlier answers no longer work)."
    )
    offers: list[CohortOffer]

    @classmethod
    def of(
        cls, achievement_id: str, links: CohortLinks, settings: IssuerSettings, *, repeated: bool
    ) -> CohortCreated:
        return cls(
            cohort_id=links.cohort.id,
            achievement_id=achievement_id,
            created=len(links.lines),
            repeated=repeated,
            offers=[CohortOffer.model_validate(line.as_row(settings)) for line in links.lines],
        )


class DeliveryOut(BaseModel):
    """A cohort's e-mailed offers: how many messages are queued, sent or failed."""

    queued: int
    sent: int
    failed: int
    without_email: int = Field(
        description="Learners whose line had no e-mail address: the links file is for them."
    )

    @classmethod
    def of(cls, delivery: Delivery | None) -> DeliveryOut | None:
        if delivery is None:
            return None
        return cls(
            queued=delivery.queued,
            sent=delivery.sent,
            failed=delivery.failed,
            without_email=delivery.without_email,
        )


class CohortOut(BaseModel):
    """A cohort as recorded: who uploaded which file when, how far its job is, its awards."""

    cohort_id: str
    achievement_id: str
    version: int
    file_name: str | None
    row_count: int
    state: str = Field(description="queued, running, done or failed.")
    done: int = Field(description="Rows whose award exists.")
    error: str | None = Field(default=None, description="Why it failed, in words.")
    idempotency_key: str | None
    created_at: UtcDatetime
    created_by: str
    finished_at: UtcDatetime | None = None
    links_made_at: UtcDatetime | None = Field(
        default=None, description="When its links file was last made."
    )
    award_ids: list[str]
    email_offers: bool = Field(
        default=False, description="Whether each learner is e-mailed their offer."
    )
    delivery: DeliveryOut | None = Field(
        default=None, description="The e-mails' progress, when the offers are e-mailed."
    )

    @classmethod
    def of(
        cls, cohort: Cohort, achievement_id: str, version: int, award_ids: list[str]
    ) -> CohortOut:
        return cls(
            cohort_id=cohort.id,
            achievement_id=achievement_id,
            version=version,
            file_name=cohort.file_name,
            row_count=cohort.row_count,
            state=cohort.state,
            done=cohort.done,
            error=cohort.error,
            idempotency_key=cohort.idempotency_key,
            created_at=cohort.created_at,
            created_by=cohort.created_by,
            finished_at=cohort.finished_at,
            links_made_at=cohort.links_made_at,
            award_ids=award_ids,
            email_offers=cohort.email_offers,
        )


class RowProblemOut(BaseModel):
    line: int = Field(description="The line in the file, as a text editor numbers it.")
    field: str = Field(description="The column, or (file) / (row) for the file or row itself.")
    reason: str


class CohortRefused(BaseModel):
    """The file was refused and nothing was created."""

    error: str = "invalid_request"
    error_description: str
    problems: list[RowProblemOut] = Field(
        description=f"Every problem, by line (the first {MAX_PROBLEMS_LISTED} listed)."
    )
    problems_total: int
