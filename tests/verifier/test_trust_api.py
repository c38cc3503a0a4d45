"""/api/v1/trust-list: the list read, replaced, added to and removed from over HTTP, with
refusals that name the entry and what is wrong."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.verifier.trust_webhooks_support import EXAMPLE, RunningVerifier, running_verifier
from verifier.employers.service import OPERATOR

UNI, OTHER = (entry["did"] for entry in EXAMPLE["universities"])
FIRST, SECOND = EXAMPLE["universities"]


@pytest.fixture
async def verifier(
    data_dir: Path, database_url_for: Callable[[str], Any]
) -> AsyncIterator[RunningVerifier]:
    async with running_verifier(data_dir, await database_url_for("verifier")) as running:
        yield running


@pytest.fixture
async def staff(verifier: RunningVerifier) -> dict[str, str]:
    return await verifier.employer_token("acme", role=OPERATOR)


async def test_the_list_is_replaced_and_read_back_in_the_file_format(
    verifier: RunningVerifier, staff: dict[str, str]
) -> None:
    replaced = await verifier.client.put("/api/v1/trust-list", json=EXAMPLE, headers=staff)
    assert replaced.status_code == 200, replaced.text
    read = await verifier.client.get("/api/v1/trust-list", headers=staff)
    assert read.status_code == 200, read.text
    assert read.json() == EXAMPLE


async def test_entries_are_added_changed_and_removed_by_did(
    verifier: RunningVerifier, staff: dict[str, str]
) -> None:
    added = await verifier.client.post("/api/v1/trust-list", json=FIRST, headers=staff)
    assert added.status_code == 201, added.text
    again = await verifier.client.post("/api/v1/trust-list", json=FIRST, headers=staff)
    assert again.status_code == 409, again.text
    assert UNI in again.json()["error_description"]

    # did:web DIDs with a port carry "%3A", which a URL path must escape again.
    with_port = {**SECOND, "did": "did:web:localhost%3A8443:uni"}
    added = await verifier.client.post("/api/v1/trust-list", json=with_port, headers=staff)
    assert added.status_code == 201, added.text
    path = f"/api/v1/trust-list/{quote(with_port['did'], safe=':')}"
    assert (await verifier.client.get(path, headers=staff)).json() == with_port

    changed = await verifier.client.put(path, json={**with_port, "country": "BE"}, headers=staff)
    assert changed.status_code == 200, changed.text
    assert changed.json()["country"] == "BE"
    moved = await verifier.client.put(path, json=FIRST, headers=staff)
    assert moved.status_code == 400, moved.text
    assert "cannot change" in moved.json()["error_description"]

    removed = await verifier.client.delete(path, headers=staff)
    assert removed.status_code == 204, removed.text
    gone = await verifier.client.delete(path, headers=staff)
    assert gone.status_code == 404, gone.text
    listed = await verifier.client.get("/api/v1/trust-list", headers=staff)
    assert [entry["did"] for entry in listed.json()["universities"]] == [UNI]


async def test_a_bad_list_is_refused_whole_and_the_stored_list_stays(
    verifier: RunningVerifier, staff: dict[str, str]
) -> None:
    await verifier.client.put("/api/v1/trust-list", json=EXAMPLE, headers=staff)
    bad = {"universities": [FIRST, {**SECOND, "country": "France"}]}
    refused = await verifier.client.put("/api/v1/trust-list", json=bad, headers=staff)
    assert refused.status_code == 400, refused.text
    assert refused.json() == {
        "error": "invalid_trust_list",
        "error_description": f"Entry 2 ({OTHER}): the country: 'France' is not an ISO "
        "3166-1 alpha-2 country code such as 'DE'.",
    }
    assert (await verifier.client.get("/api/v1/trust-list", headers=staff)).json() == EXAMPLE

    entry = await verifier.client.post(
        "/api/v1/trust-list", json={**FIRST, "accreditation": None}, headers=staff
    )
    assert entry.status_code == 400, entry.text
    assert entry.json()["error_description"] == (
        f"The entry ({UNI}): the accreditation must be an object."
    )


@pytest.mark.parametrize("body", [None, [], "text", 12, {"universities": "all of them"}])
async def test_no_body_gets_a_server_error(
    verifier: RunningVerifier, staff: dict[str, str], body: Any
) -> None:
    for method in ("PUT", "POST"):
        response = await verifier.client.request(
            method,
            "/api/v1/trust-list",
            content=json.dumps(body),
            headers={**staff, "Content-Type": "application/json"},
        )
        assert response.status_code == 400, (method, body, response.text)


async def test_reload_reads_the_configured_file_again(
    data_dir: Path, database_url_for: Callable[[str], Any]
) -> None:
    path = data_dir / "universities.json"
    path.write_text(json.dumps({"universities": [FIRST]}))
    url = await database_url_for("verifier")
    async with running_verifier(data_dir, url, trust_list_source=str(path)) as verifier:
        staff = await verifier.employer_token("acme", role=OPERATOR)
        path.write_text(json.dumps(EXAMPLE))
        reloaded = await verifier.client.post("/api/v1/trust-list/reload", headers=staff)
        assert reloaded.status_code == 200, reloaded.text
        assert reloaded.json() == {"entries": 2}
        listed = await verifier.client.get("/api/v1/trust-list", headers=staff)
        assert listed.json() == EXAMPLE


async def test_reload_without_a_configured_source_says_so(
    verifier: RunningVerifier, staff: dict[str, str]
) -> None:
    response = await verifier.client.post("/api/v1/trust-list/reload", headers=staff)
    assert response.status_code == 400, response.text
    assert "VERIFIER_TRUST_LIST_SOURCE" in response.json()["error_description"]


async def test_the_list_needs_a_signed_in_user(verifier: RunningVerifier) -> None:
    for method in ("GET", "PUT", "POST"):
        response = await verifier.client.request(method, "/api/v1/trust-list", json=EXAMPLE)
        assert response.status_code == 401, (method, response.text)
    response = await verifier.client.delete(f"/api/v1/trust-list/{UNI}")
    assert response.status_code == 401, response.text
