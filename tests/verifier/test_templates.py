"""Templates: the built-in ones for everyone, an organisation's own for it alone."""

from __future__ import annotations

import asyncio

from tests.verifier.conftest import RunningVerifier
from verifier.employers.service import Employers

DATA_LITERACY = {
    "name": "data-literacy",
    "title": "Data literacy, at least 5 ECTS",
    "constraints": {
        "field_of_study": "0613",
        "min_ects_total": 5,
        "purpose": "Check your data literacy for the analyst job",
    },
}


async def other_organisations_token(verifier: RunningVerifier) -> str:
    async with verifier.session() as session:
        employers = Employers(session)
        other = await employers.create_organisation("other-co", "Other Company")
        return await employers.create_token(await employers.add_user(other, "Eve"), "eve")


async def test_an_organisations_template_is_its_own_and_makes_requests(
    verifier: RunningVerifier,
) -> None:
    created = await verifier.client.post(
        "/api/v1/templates", json=DATA_LITERACY, headers=verifier.auth
    )
    assert created.status_code == 201, created.text
    assert created.json()["builtin"] is False
    assert created.json()["constraints"]["field_of_study"] == "0613"
    mine = await verifier.client.get("/api/v1/templates", headers=verifier.auth)
    assert [t["name"] for t in mine.json()] == ["microcredential", "data-literacy"]

    request = await verifier.create_request(template="data-literacy")
    assert request["template"] == "data-literacy"
    assert request["title"] == "Data literacy, at least 5 ECTS"
    assert request["constraints"]["min_ects_total"] == "5"  # a Decimal, as JSON text

    other = {"Authorization": f"Bearer {await other_organisations_token(verifier)}"}
    theirs = await verifier.client.get("/api/v1/templates", headers=other)
    assert [t["name"] for t in theirs.json()] == ["microcredential"]
    refused = await verifier.client.post(
        "/api/v1/requests", json={"template": "data-literacy"}, headers=other
    )
    assert refused.status_code == 404, refused.text


async def test_a_template_name_is_taken_once_even_by_concurrent_requests(
    verifier: RunningVerifier,
) -> None:
    results = await asyncio.gather(
        *(
            verifier.client.post("/api/v1/templates", json=DATA_LITERACY, headers=verifier.auth)
            for _ in range(3)
        )
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409], [r.text for r in results]
    builtin = await verifier.client.post(
        "/api/v1/templates",
        json={**DATA_LITERACY, "name": "microcredential"},
        headers=verifier.auth,
    )
    assert builtin.status_code == 409


async def test_bad_templates_are_refused_in_words(verifier: RunningVerifier) -> None:
    bad = await verifier.client.post(
        "/api/v1/templates",
        json={**DATA_LITERACY, "constraints": {"field_of_study": "Data", "purpose": "x"}},
        headers=verifier.auth,
    )
    assert bad.status_code == 400, bad.text
    assert "ISCED-F" in bad.json()["error_description"]
    no_purpose = await verifier.client.post(
        "/api/v1/templates",
        json={**DATA_LITERACY, "constraints": {}},
        headers=verifier.auth,
    )
    assert no_purpose.status_code == 400
    assert "why you ask" in no_purpose.json()["error_description"]


async def test_titles_are_kept_to_one_line_of_text(verifier: RunningVerifier) -> None:
    created = await verifier.client.post(
        "/api/v1/templates",
        json={**DATA_LITERACY, "title": "Data\x00 literacy\n  check"},
        headers=verifier.auth,
    )
    assert created.status_code == 201, created.text
    assert created.json()["title"] == "Data literacy check"
    blank = await verifier.client.post(
        "/api/v1/requests",
        json={"template": "microcredential", "title": "\x00\x01"},
        headers=verifier.auth,
    )
    assert blank.status_code == 400, blank.text
    assert "title" in blank.json()["error_description"]
