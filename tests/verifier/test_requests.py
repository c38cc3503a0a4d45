"""Employers create presentation requests; wallets fetch them as request objects."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from shared.crypto.jose import unverified_header, verify_jwt
from shared.did.resolver import DIDResolver
from tests.support.qr import read_qr
from tests.verifier.conftest import BASE_URL, RunningVerifier
from verifier.requests.queries import ACHIEVEMENT_TYPE_VALUES

OB_OPEN_BADGE = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"


async def test_the_seed_gives_the_demo_employer_the_microcredential_template(
    verifier: RunningVerifier,
) -> None:
    me = await verifier.client.get("/api/v1/me", headers=verifier.auth)
    assert me.status_code == 200, me.text
    assert me.json()["organisation_name"] == "Demo Employer"
    listed = await verifier.client.get("/api/v1/templates", headers=verifier.auth)
    assert listed.status_code == 200, listed.text
    template = next(t for t in listed.json() if t["name"] == "microcredential")
    assert template["constraints"]["formats"] == ["ldp_vc", "jwt_vc_json"]
    assert template["constraints"]["trusted_issuers_only"] is True


async def test_a_request_has_fresh_values_and_an_openid4vp_link(verifier: RunningVerifier) -> None:
    first = await verifier.create_request()
    second = await verifier.create_request()
    assert first["status"] == "pending"
    link = urlsplit(first["request_uri"])
    assert link.scheme == "openid4vp"
    params = parse_qs(link.query)
    assert params["client_id"] == [first["client_id"]]
    assert first["client_id"].startswith("decentralized_identifier:did:key:z6Mk")
    assert params["request_uri"] == [f"{BASE_URL}/oid4vp/request/{first['request_id']}"]
    assert first["same_device_link"].endswith("/share?" + urlsplit(first["same_device_link"]).query)
    _, one = await verifier.request_object(first)
    _, two = await verifier.request_object(second)
    assert one["nonce"] != two["nonce"]
    assert one["state"] != two["state"]
    for value in (one["nonce"], one["state"]):  # >= 128 bits, URL-safe characters
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", value)


async def test_the_request_object_is_signed_by_the_verifiers_did_key(
    verifier: RunningVerifier,
) -> None:
    request = await verifier.create_request()
    jar, _ = await verifier.request_object(request)
    header = unverified_header(jar)
    assert header["typ"] == "oauth-authz-req+jwt"
    did = request["client_id"].removeprefix("decentralized_identifier:")
    assert header["kid"].startswith(did + "#")
    public_jwk = await DIDResolver().public_jwk(header["kid"])
    _, claims = verify_jwt(jar, public_jwk, expected_typ="oauth-authz-req+jwt")
    assert claims["client_id"] == request["client_id"]
    assert claims["iss"] == did  # the signer, as the kid says; not the prefixed client_id
    assert claims["response_mode"] == "direct_post"
    assert claims["response_uri"] == f"{BASE_URL}/oid4vp/response"
    assert claims["client_metadata"]["client_name"] == "Demo Employer"
    queries = claims["dcql_query"]["credentials"]
    assert {q["format"] for q in queries} == {"ldp_vc", "jwt_vc_json"}
    assert all(q["meta"]["type_values"] == ACHIEVEMENT_TYPE_VALUES for q in queries)
    assert OB_OPEN_BADGE in ACHIEVEMENT_TYPE_VALUES[0]
    assert "presentation_definition" not in claims


async def test_post_fetch_echoes_the_wallet_nonce(verifier: RunningVerifier) -> None:
    request = await verifier.create_request()
    path = urlsplit(request["request_object_uri"]).path
    fetched = await verifier.client.post(
        path, data={"wallet_nonce": "n-0S6_WzA2Mj", "wallet_metadata": "{}"}
    )
    assert fetched.status_code == 200, fetched.text
    header = unverified_header(fetched.text)
    public_jwk = await DIDResolver().public_jwk(header["kid"])
    _, claims = verify_jwt(fetched.text, public_jwk, expected_typ="oauth-authz-req+jwt")
    assert claims["wallet_nonce"] == "n-0S6_WzA2Mj"


async def test_a_redirect_uri_request_is_unsigned_and_names_its_response_uri(
    verifier: RunningVerifier,
) -> None:
    request = await verifier.create_request(
        template="microcredential", client_id_scheme="redirect_uri"
    )
    assert request["client_id"] == f"redirect_uri:{BASE_URL}/oid4vp/response"
    jar, claims = await verifier.request_object(request)
    assert unverified_header(jar)["alg"] == "none"
    assert jar.endswith(".")
    assert claims["response_uri"] == f"{BASE_URL}/oid4vp/response"
    by_value = parse_qs(urlsplit(request["by_value_link"]).query)
    assert by_value["client_id"] == [request["client_id"]]
    assert "dcql_query" in by_value


async def test_a_draft_era_request_uses_presentation_exchange_and_a_bare_did(
    verifier: RunningVerifier,
) -> None:
    request = await verifier.create_request(template="microcredential", era="draft")
    assert request["client_id"].startswith("did:key:")
    assert parse_qs(urlsplit(request["request_uri"]).query)["client_id_scheme"] == ["did"]
    _, claims = await verifier.request_object(request)
    assert claims["client_id_scheme"] == "did"
    assert "dcql_query" not in claims
    definition = claims["presentation_definition"]
    assert definition["id"] == request["request_id"]
    assert definition["input_descriptors"][0]["constraints"]["fields"][0]["path"] == [
        "$.type",
        "$.vc.type",
    ]
    assert set(claims["client_metadata"]["vp_formats"]) >= {"ldp_vp", "jwt_vp_json"}


async def test_a_request_by_hand_carries_its_constraints_and_disclosures(
    verifier: RunningVerifier,
) -> None:
    constraints = {
        "formats": ["jwt_vc_json"],
        "min_ects_total": 5,
        "disclose": ["name", "grade"],
        "purpose": "Check your data literacy for the analyst job",
        "max_credentials": 1,
    }
    request = await verifier.create_request(constraints=constraints)
    _, claims = await verifier.request_object(request)
    (query,) = claims["dcql_query"]["credentials"]
    assert query["format"] == "jwt_vc_json"
    assert "multiple" not in query
    assert {"path": ["credentialSubject", "identifier", None]} in query["claims"]
    assert {"path": ["credentialSubject", "result", None]} in query["claims"]
    assert "credential_sets" not in claims["dcql_query"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"template": "nope"}, "no template"),
        ({}, "template or give the constraints"),
        ({"constraints": {"purpose": "x", "min_eqf_level": 11}}, "EQF level"),
        ({"constraints": {"formats": ["mdoc"], "purpose": "x"}}, "formats"),
        ({"constraints": {"purpose": "x"}, "template": "microcredential"}, "not both"),
    ],
)
async def test_bad_requests_are_refused_in_words(
    verifier: RunningVerifier, body: dict[str, object], words: str
) -> None:
    refused = await verifier.client.post("/api/v1/requests", json=body, headers=verifier.auth)
    assert 400 <= refused.status_code < 500, refused.text
    assert words in refused.json()["error_description"]


async def test_the_api_needs_a_token(verifier: RunningVerifier) -> None:
    refused = await verifier.client.get("/api/v1/requests")
    assert refused.status_code == 401
    wrong = await verifier.client.get(
        "/api/v1/requests", headers={"Authorization": "Bearer not-a-token"}
    )
    assert wrong.status_code == 401


async def test_qr_codes_carry_the_openid4vp_link(verifier: RunningVerifier) -> None:

    request = await verifier.create_request()
    png = await verifier.client.get(request["qr_png_url"], headers=verifier.auth)
    assert png.status_code == 200, png.text
    assert png.headers["content-type"] == "image/png"
    code = read_qr(Image.open(io.BytesIO(png.content)))
    assert code.text == request["request_uri"]
    svg = await verifier.client.get(request["qr_svg_url"], headers=verifier.auth)
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in svg.text
