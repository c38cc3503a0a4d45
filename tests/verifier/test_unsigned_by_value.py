"""A redirect_uri request cannot be signed (OpenID4VP 1.0, "Defined Client Identifier
Prefixes"), so its QR code and link carry every parameter by value; wallets that fetch its
request object still get one. A DID verifier's request stays signed and by reference."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from holder.share.request import parse_link, resolve
from shared.crypto.jose import unverified_header
from tests.support.qr import read_qr
from tests.verifier.conftest import LOCAL_BASE_URL, RunningVerifier
from tests.verifier.test_our_wallet_reads_requests import fetching


def query_of(link: str) -> dict[str, str]:
    assert link.startswith("openid4vp://?"), link
    return {name: values[0] for name, values in parse_qs(urlsplit(link).query).items()}


@pytest.mark.parametrize("era", ["1.0", "draft"])
async def test_a_redirect_uri_request_travels_by_value_in_its_qr_code(
    local_verifier: RunningVerifier, era: str
) -> None:
    created = await local_verifier.create_request(
        template="microcredential", client_id_scheme="redirect_uri", era=era
    )
    link = created["request_uri"]
    assert link == created["by_value_link"]
    params = query_of(link)
    assert "request_uri" not in params
    assert "request" not in params
    assert params["client_id"] == created["client_id"]
    assert params["response_mode"] == "direct_post"
    assert params["response_uri"] == f"{LOCAL_BASE_URL}/oid4vp/response"
    assert params["nonce"]
    assert params["state"]
    asked = "dcql_query" if era == "1.0" else "presentation_definition"
    assert isinstance(json.loads(params[asked]), dict)
    assert "client_name" in json.loads(params["client_metadata"])

    png = await local_verifier.client.get(created["qr_png_url"], headers=local_verifier.auth)
    assert png.status_code == 200, png.text
    code = read_qr(Image.open(io.BytesIO(png.content)))
    assert code.text == link

    # Our wallet reads the QR code's link as it is.
    request = await resolve(parse_link(link), fetching(local_verifier))
    assert request.client_id == created["client_id"]
    assert request.nonce == params["nonce"]
    assert request.authenticated_by is None


async def test_its_request_object_is_still_served_unsigned(
    local_verifier: RunningVerifier,
) -> None:
    created = await local_verifier.create_request(
        template="microcredential", client_id_scheme="redirect_uri"
    )
    jar, claims = await local_verifier.request_object(created)
    assert unverified_header(jar)["alg"] == "none"
    assert claims["nonce"] == query_of(created["request_uri"])["nonce"]


async def test_a_did_verifiers_request_stays_signed_and_by_reference(
    local_verifier: RunningVerifier,
) -> None:
    created = await local_verifier.create_request(template="microcredential")
    params = query_of(created["request_uri"])
    assert set(params) == {"client_id", "request_uri"}
    assert params["request_uri"] == created["request_object_uri"]
    assert created["by_value_link"] is None
    jar, _ = await local_verifier.request_object(created)
    assert unverified_header(jar)["alg"] == "EdDSA"
