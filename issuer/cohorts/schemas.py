"""The cohort API's responses."""

from __future__ import annotations

from pydantic import BaseModel, Field

from issuer.catalogue.schemas import UtcDatetime
from issuer.cohorts.service import MAX_PROBLEMS_LISTED, CreatedCohort
from issuer.models import Cohort
from issuer.settings import IssuerSettings


class CohortOffer(BaseModel):
    """One learner's offer: the same columns as the links CSV."""

    line: int = Field(description="The learner's line in the uploaded file.")
    name: str
    email: str | None
    student_id: str | None
    award_id: str
    credential_offer_uri: str = Field(
        description="The openid-credential-offer:// link a wallet scans (a bearer secret)."
    )
    wallet_link: str = Field(description="The same offer as a web link to our wallet.")
    qr_png_url: str = Field(description="The link as a PNG QR code, while the offer is live.")
    tx_code: str | None = Field(
        default=None, description="The PIN, for rows that asked for one: send it separately."
    )


class CohortCreated(BaseModel):
    """A created cohort with every offer's link: shown once, stored nowhere in clear."""

    cohort_id: str
    achievement_id: str
    created: int
    offers: list[CohortOffer]

    @classmethod
    def of(
        cls, achievement_id: str, created: CreatedCohort, settings: IssuerSettings
    ) -> CohortCreated:
        return cls(
            cohort_id=created.cohort.id,
            achievement_id=achievement_id,
            created=len(created.offers),
            offers=[CohortOffer.model_validate(offer.as_row(settings)) for offer in created.offers],
        )


class CohortOut(BaseModel):
    """A cohort as recorded: who uploaded which file when, and the awards it made."""

    cohort_id: str
    achievement_id: str
    version: int
    file_name: str | None
    row_count: int
    created_at: UtcDatetime
    created_by: str
    award_ids: list[str]

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
            created_at=cohort.created_at,
            created_by=cohort.created_by,
            award_ids=award_ids,
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
