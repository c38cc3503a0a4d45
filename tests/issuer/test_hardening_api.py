"""Hostile inputs get a 4xx in words, never a 500, and responses are not sniffed or cached.

- JSON nested thousands deep, to the credential and notification endpoints: 400 with the
  endpoint's own error code.
- An offset past any 64-bit integer, to the awards API: 400; the registrar's pages read
  through the same bounded service.
- Every response says ``X-Content-Type-Options: nosniff``; API responses, which name
  learners, say ``Cache-Control: no-store``.
"""

from __future__ import annotations

import pytest

from issuer.awards.registrar import Registrar
from tests.issuer.conftest import RunningIssuer
from tests.issuer.test_oid4vci import Wallet, error_of, received, wallet

__all__ = ["wallet"]  # the fixture, shared with test_oid4vci

DEEP = ("[" * 2000 + "]" * 2000).encode()
DEEP_OBJECT = ('{"a":' * 2000 + "1" + "}" * 2000).encode()


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/credential", "invalid_credential_request"),
        ("/notification", "invalid_notification_request"),
    ],
)
async def test_deeply_nested_json_is_a_bad_request_with_the_endpoints_code(
    issuer: RunningIssuer, wallet: Wallet, path: str, code: str, body: bytes
) -> None:
    _, access_token = await received(issuer, wallet)
    response = await wallet.client.post(
        path,
        content=body,
        headers={"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"},
    )
    assert error_of(response) == code
    assert "nested" in response.json()["error_description"]


@pytest.mark.parametrize("offset", ["9223372036854775808", "9223372036854775807", "10000000000"])
async def test_a_huge_offset_is_refused_by_the_awards_api(
    issuer: RunningIssuer, offset: str
) -> None:
    response = await issuer.client.get(
        "/api/v1/awards", params={"offset": offset}, headers=issuer.admin
    )
    assert error_of(response) == "invalid_request"
    assert "offset" in response.json()["error_description"]


async def test_the_largest_allowed_offset_is_an_empty_page(issuer: RunningIssuer) -> None:
    listed = await issuer.client.get("/api/v1/awards", headers=issuer.admin)
    assert listed.status_code == 200, listed.text
    response = await issuer.client.get(
        "/api/v1/awards", params={"offset": 1_000_000_000}, headers=issuer.admin
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


async def test_the_registrars_listing_survives_any_offset(issuer: RunningIssuer) -> None:
    """What the admin awards page calls with its offset."""
    async with issuer.session() as session:
        registrar = Registrar(session, issuer.settings, issuer.runtime.key_encryption_key)
        page = await registrar.page(offset=2**63, limit=50)
    assert page.rows == []


@pytest.mark.parametrize(
    "path", ["/api/v1/awards", "/.well-known/openid-credential-issuer", "/api/v1/nowhere"]
)
async def test_json_responses_are_not_sniffed_and_api_answers_not_cached(
    issuer: RunningIssuer, path: str
) -> None:
    response = await issuer.client.get(path, headers=issuer.admin)
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-content-type-options"] == "nosniff"
    if path.startswith("/api/"):
        assert response.headers["cache-control"] == "no-store"


async def test_protocol_errors_are_not_sniffed_either(issuer: RunningIssuer) -> None:
    response = await issuer.client.post("/token", data={"grant_type": "password"})
    assert error_of(response) == "unsupported_grant_type"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
