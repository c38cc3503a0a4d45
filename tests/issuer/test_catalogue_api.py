"""The admin API for organisations and the micro-credential catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from issuer.models import AuditEvent
from shared.credentials.microcredential.catalogue import demo_catalogue
from tests.issuer.conftest import RunningIssuer

ACTOR = "token:development admin"


def entry_json(index: int = 0, **changes: Any) -> dict[str, Any]:
    """A complete catalogue entry as a registrar would send it (the demo's, without its id)."""
    data = demo_catalogue()[index].model_dump(mode="json", exclude={"id"})
    data.update(changes)
    return data


async def first_achievement(issuer: RunningIssuer) -> dict[str, Any]:
    response = await issuer.client.get("/api/v1/achievements", headers=issuer.admin)
    assert response.status_code == 200, response.text
    item: dict[str, Any] = response.json()[0]
    return item


async def actors_of(issuer: RunningIssuer, action: str) -> list[str]:
    async with issuer.session() as session:
        rows = await session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        actors = [row.actor for row in rows]
    return actors


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/achievements"),
        ("POST", "/api/v1/achievements"),
        ("GET", "/api/v1/organisations"),
        ("POST", "/api/v1/organisations"),
        ("GET", "/api/v1/awards"),
        ("POST", "/api/v1/awards"),
    ],
)
async def test_the_admin_api_needs_a_valid_bearer_token(
    issuer: RunningIssuer, method: str, path: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = await issuer.client.request(method, path, headers=headers, json={})
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "unauthorized"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_the_catalogue_lists_id_title_and_every_language(issuer: RunningIssuer) -> None:
    response = await issuer.client.get("/api/v1/achievements", headers=issuer.admin)
    assert response.status_code == 200, response.text
    items = response.json()
    assert [item["title"] for item in items] == [
        "Data Literacy for Public Administration",
        "Machine Learning Basics",
    ]
    first = items[0]
    assert first["titles"] == {
        "en": "Data Literacy for Public Administration",
        "de": "Datenkompetenz für die öffentliche Verwaltung",
    }
    assert (first["status"], first["version"], first["organisation"]) == ("active", 1, "demo")
    assert (first["ects"], first["eqf_level"]) == (5, 6)
    assert len({item["id"] for item in items}) == 2


async def test_a_created_micro_credential_is_listed_and_recorded_with_its_author(
    issuer: RunningIssuer,
) -> None:
    body = entry_json(title={"en": "Open Data in Practice", "de": "Offene Daten in der Praxis"})
    response = await issuer.client.post("/api/v1/achievements", headers=issuer.admin, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["title"] == "Open Data in Practice"
    assert created["organisation"] == "demo"  # the node's only organisation by default
    assert created["entry"]["id"] == f"{issuer.settings.base_url}/achievements/{created['id']}"
    assert [v["version"] for v in created["versions"]] == [1]
    assert created["versions"][0]["created_by"] == ACTOR

    listed = (await issuer.client.get("/api/v1/achievements", headers=issuer.admin)).json()
    assert created["id"] in [item["id"] for item in listed]
    one = await issuer.client.get(f"/api/v1/achievements/{created['id']}", headers=issuer.admin)
    assert one.json()["entry"] == created["entry"]
    assert ACTOR in await actors_of(issuer, "achievement.create")


async def test_an_edit_makes_a_new_version_and_awards_keep_theirs(issuer: RunningIssuer) -> None:
    achievement = await first_achievement(issuer)
    path = f"/api/v1/achievements/{achievement['id']}"
    award = await issuer.client.post(
        "/api/v1/awards",
        headers=issuer.admin,
        json={"achievement_id": achievement["id"], "name": "Maria Muster"},
    )
    assert award.status_code == 201, award.text

    current = (await issuer.client.get(path, headers=issuer.admin)).json()
    edited_entry = {**current["entry"], "ects": 6, "organisation": "demo"}
    response = await issuer.client.put(path, headers=issuer.admin, json=edited_entry)
    assert response.status_code == 200, response.text
    edited = response.json()
    assert (edited["version"], edited["ects"]) == (2, 6)
    assert [v["version"] for v in edited["versions"]] == [1, 2]

    first = await issuer.client.get(f"{path}/versions/1", headers=issuer.admin)
    assert first.status_code == 200, first.text
    assert first.json()["entry"]["ects"] == "5"
    assert (await issuer.client.get(f"{path}/versions/3", headers=issuer.admin)).status_code == 404
    detail = await issuer.client.get(
        f"/api/v1/awards/{award.json()['award_id']}", headers=issuer.admin
    )
    assert detail.json()["version"] == 1  # made from version 1, and stays so
    assert ACTOR in await actors_of(issuer, "achievement.edit")


async def test_an_edit_cannot_move_a_micro_credential_to_another_organisation(
    issuer: RunningIssuer,
) -> None:
    achievement = await first_achievement(issuer)
    response = await issuer.client.put(
        f"/api/v1/achievements/{achievement['id']}",
        headers=issuer.admin,
        json={**entry_json(), "organisation": "elsewhere"},
    )
    assert response.status_code == 400, response.text
    assert "cannot move" in response.json()["error_description"]


async def test_a_retired_micro_credential_can_no_longer_be_awarded_or_edited(
    issuer: RunningIssuer,
) -> None:
    achievement = await first_achievement(issuer)
    path = f"/api/v1/achievements/{achievement['id']}"
    retired = await issuer.client.post(f"{path}/retire", headers=issuer.admin)
    assert retired.status_code == 200, retired.text
    assert retired.json()["status"] == "retired"

    award = await issuer.client.post(
        "/api/v1/awards",
        headers=issuer.admin,
        json={"achievement_id": achievement["id"], "name": "Maria Muster"},
    )
    assert award.status_code == 409, award.text
    assert "retired" in award.json()["error_description"]
    edit = await issuer.client.put(path, headers=issuer.admin, json=entry_json())
    assert edit.status_code == 409, edit.text
    assert (await issuer.client.get(path, headers=issuer.admin)).json()["status"] == "retired"


@pytest.mark.parametrize(
    ("changes", "field", "element"),
    [
        ({"eqf_level": 9}, "eqf_level", "Level (EQF/NQF)"),
        ({"ects": None, "workload_hours": None}, "(award)", "Notional workload (ECTS)"),
        ({"learning_outcomes": []}, "learning_outcomes", "Learning outcomes"),
        ({"participation": "by carrier pigeon"}, "participation", "Form of participation"),
    ],
    ids=["eqf-out-of-range", "no-workload", "no-outcomes", "unknown-participation"],
)
async def test_an_incomplete_micro_credential_is_refused_naming_the_element(
    issuer: RunningIssuer, changes: dict[str, Any], field: str, element: str
) -> None:
    before = await issuer.client.get("/api/v1/achievements", headers=issuer.admin)
    response = await issuer.client.post(
        "/api/v1/achievements", headers=issuer.admin, json=entry_json(**changes)
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_request"
    assert element in body["error_description"]
    assert {"field": field, "element": element} in [
        {"field": p["field"], "element": p["element"]} for p in body["problems"]
    ]
    assert all(problem["message"] for problem in body["problems"])
    after = await issuer.client.get("/api/v1/achievements", headers=issuer.admin)
    assert after.json() == before.json()  # nothing was created


async def test_an_edit_that_breaks_the_model_is_refused_and_keeps_the_version(
    issuer: RunningIssuer,
) -> None:
    achievement = await first_achievement(issuer)
    path = f"/api/v1/achievements/{achievement['id']}"
    response = await issuer.client.put(
        path, headers=issuer.admin, json=entry_json(assessment_type=None)
    )
    assert response.status_code == 400, response.text
    assert "Type of assessment" in response.json()["error_description"]
    assert (await issuer.client.get(path, headers=issuer.admin)).json()["version"] == 1


async def test_an_unknown_micro_credential_or_organisation_is_not_found(
    issuer: RunningIssuer,
) -> None:
    missing = await issuer.client.get("/api/v1/achievements/nope", headers=issuer.admin)
    assert missing.status_code == 404, missing.text
    response = await issuer.client.post(
        "/api/v1/achievements", headers=issuer.admin, json={**entry_json(), "organisation": "x"}
    )
    assert response.status_code == 404, response.text


async def test_organisations_are_created_with_their_own_did_and_listed(
    issuer: RunningIssuer,
) -> None:
    body = {
        "slug": "partner",
        "name": {"en": "Partner University", "fr": "Université partenaire"},
        "country_code": "fr",
        "url": "https://partner.example",
        "region": "Occitanie",
    }
    response = await issuer.client.post("/api/v1/organisations", headers=issuer.admin, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["did"].startswith("did:key:z6Mk")
    assert (created["country_code"], created["name"]) == ("FR", body["name"])

    listed = (await issuer.client.get("/api/v1/organisations", headers=issuer.admin)).json()
    assert [o["slug"] for o in listed] == ["demo", "partner"]
    assert len({o["did"] for o in listed}) == 2
    one = await issuer.client.get("/api/v1/organisations/partner", headers=issuer.admin)
    assert one.json()["did"] == created["did"]
    assert ACTOR in await actors_of(issuer, "organisation.create")

    again = await issuer.client.post("/api/v1/organisations", headers=issuer.admin, json=body)
    assert again.status_code == 409, again.text

    # A micro-credential names its organisation; without a name it goes to the first one.
    placed = await issuer.client.post(
        "/api/v1/achievements",
        headers=issuer.admin,
        json={**entry_json(), "organisation": "partner"},
    )
    assert placed.json()["organisation"] == "partner"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "Not A Slug"}, "slug"),
        ({"country_code": "Germany"}, "country_code"),
        ({"name": {}}, "name"),
        ({"url": "not a url"}, "url"),
    ],
)
async def test_an_invalid_organisation_is_refused(
    issuer: RunningIssuer, changes: dict[str, Any], field: str
) -> None:
    body = {"slug": "partner", "name": {"en": "Partner"}, "country_code": "FR", **changes}
    response = await issuer.client.post("/api/v1/organisations", headers=issuer.admin, json=body)
    assert response.status_code == 400, response.text
    assert field in response.json()["error_description"]
