"""A cohort of 10,000 learners: one upload, 10,000 distinct offers and status entries."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from issuer.catalogue.service import Catalogue
from issuer.models import Award, CredentialOffer, StatusAllocation, StatusList
from tests.issuer.conftest import RunningIssuer

LEARNERS = 10_000


def _file(count: int) -> bytes:
    """Semicolons and a BOM, as Excel writes it; a PIN for every third learner."""
    lines = ["\ufeffname;email;student_id;grade;activity_start;activity_end;tx_code"]
    lines += [
        f"Learner {i};learner{i}@uni.example;S-{i:06d};{'ABCDE'[i % 5]};2025-02-03;2025-06-30;"
        + ("yes" if i % 3 == 0 else "no")
        for i in range(count)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.mark.slow
async def test_a_ten_thousand_row_cohort_makes_ten_thousand_distinct_offers(
    issuer: RunningIssuer,
) -> None:
    async with issuer.session() as session:
        achievement_id = (await Catalogue(session, issuer.settings.base_url).items())[
            0
        ].achievement.id

    response = await issuer.client.post(
        f"/api/v1/achievements/{achievement_id}/cohorts",
        content=_file(LEARNERS),
        headers={**issuer.admin, "Content-Type": "text/csv"},
        timeout=300,
    )

    assert response.status_code == 201, response.text[:2000]
    body = response.json()
    offers = body["offers"]
    assert body["created"] == LEARNERS
    assert len(offers) == LEARNERS
    assert len({offer["award_id"] for offer in offers}) == LEARNERS
    assert len({offer["credential_offer_uri"] for offer in offers}) == LEARNERS
    assert len({offer["qr_png_url"] for offer in offers}) == LEARNERS
    assert sum("tx_code" in offer for offer in offers) == len(range(0, LEARNERS, 3))

    async with issuer.session() as session:
        offer_ids = set(await session.scalars(select(CredentialOffer.id)))
        offer_awards = set(await session.scalars(select(CredentialOffer.award_id)))
        cohort_awards = (
            await session.execute(
                select(
                    Award.revocation_list_id,
                    Award.revocation_index,
                    Award.suspension_list_id,
                    Award.suspension_index,
                ).where(Award.cohort_id == body["cohort_id"])
            )
        ).all()
        allocations_by_purpose = dict(
            (
                await session.execute(
                    select(StatusList.purpose, func.count())
                    .join(StatusAllocation, StatusAllocation.list_id == StatusList.id)
                    .group_by(StatusList.purpose)
                )
            ).all()
        )
    assert len(offer_ids) == LEARNERS
    assert offer_awards == {offer["award_id"] for offer in offers}
    assert len(cohort_awards) == LEARNERS
    revocation = {(row[0], row[1]) for row in cohort_awards}
    suspension = {(row[2], row[3]) for row in cohort_awards}
    assert len(revocation) == LEARNERS
    assert len(suspension) == LEARNERS
    assert allocations_by_purpose == {"revocation": LEARNERS, "suspension": LEARNERS}
