"""Reading and checking a verifier's authorization request (holder.share.request).

Each refusal is one the security checklist (B.2, B.4, D) or the OpenID4VP 1.0 text asks
for; the request comes from the verifier double over real HTTP on loopback.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest

from holder.share.request import (
    AuthorizationRequest,
    Fetching,
    link_from_page_query,
    parse_link,
    resolve,
)
from shared.crypto.b64url import b64url_encode
from shared.crypto.jose import sign_jwt
from shared.did.resolver import DIDResolver
from shared.errors import CredstackError, FetchFailed, ProtocolError, UnsafeURL
from shared.http import safe_client
from tests.holder.test_share_verifier_double import (
    JAR_TYP,
    VerifierDouble,
    _url_form,
    dcql_for,
    micro_credential_definition,
)
from tests.shared.credentials.test_microcredential_samples import did_key_signer


@pytest.fixture
async def fetching() -> AsyncIterator[Fetching]:
    async with safe_client(allow_loopback=True) as http:
        yield Fetching(http, DIDResolver(http, allow_http_loopback=True), allow_loopback=True)


@pytest.fixture
async def verifier() -> AsyncIterator[VerifierDouble]:
    async with VerifierDouble().running() as double:
        yield double


def _link(params: dict[str, Any]) -> str:
    return "openid4vp://?" + urlencode(_url_form(params))


async def _refusal(link: str, fetching: Fetching) -> CredstackError:
    with pytest.raises(CredstackError) as caught:
        await resolve(parse_link(link), fetching)
    return caught.value


# --- links -------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["openid4vp://", "haip://", "eudi-openid4vp://", "OpenID4VP://"])
def test_request_links_are_read_in_every_scheme(scheme: str) -> None:
    params = parse_link(f"  {scheme}?client_id=x&request_uri=https%3A%2F%2Fv.example%2Fr  ")
    assert params == {"client_id": "x", "request_uri": "https://v.example/r"}


def test_a_bare_https_url_is_taken_as_the_request_uri() -> None:
    assert parse_link("https://v.example/r/1") == {"request_uri": "https://v.example/r/1"}


def test_a_parameter_given_twice_is_refused() -> None:
    with pytest.raises(ProtocolError, match="repeats"):
        parse_link("openid4vp://?client_id=a&client_id=b")


@pytest.mark.parametrize("text", ["", "openid-credential-offer://?x=1", "hello", "mailto:a@b"])
def test_other_text_is_not_a_request(text: str) -> None:
    with pytest.raises(CredstackError):
        parse_link(text)


def test_the_page_link_may_name_the_request_uri_as_request() -> None:
    assert link_from_page_query({"request": "https://v.example/r"}) == {
        "request_uri": "https://v.example/r"
    }
    jar = {"request": "eyJ.eyJ.sig", "client_id": "x"}
    assert link_from_page_query(jar) == jar


# --- by value, redirect_uri: ------------------------------------------------------------


async def test_a_dcql_request_by_value_resolves(
    verifier: VerifierDouble, fetching: Fetching
) -> None:
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    request = await resolve(parse_link(published.link), fetching)
    assert request.era == "1.0"
    assert request.client_id == published.client_id
    assert request.client_id.startswith("redirect_uri:")
    assert request.audience == published.client_id  # the full client id, prefix included
    assert request.response_uri == published.params["response_uri"]
    assert request.nonce == published.nonce
    assert request.state == published.params["state"]
    assert request.dcql_query == published.params["dcql_query"]
    assert request.verifier_name == "Double Employer GmbH"
    assert request.authenticated_by is None
    assert AuthorizationRequest.from_json(json.loads(json.dumps(request.to_json()))) == request
    assert verifier.all_responses() == []  # reading a request sends nothing


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"response_uri": "http://127.0.0.1:9/elsewhere"}, "invalid_client", "response_uri"),
        ({"redirect_uri": "http://127.0.0.1:9/cb"}, "invalid_request", "redirect_uri"),
        ({"response_mode": "fragment"}, "invalid_request", "response mode"),
        ({"response_mode": "direct_post.jwt"}, "invalid_request", "response mode"),
        ({"response_mode": None}, "invalid_request", "response mode"),
        ({"response_type": "vp_token id_token"}, "unsupported_response_type", "vp_token"),
        ({"transaction_data": '["eyJ0eXBlIjoieCJ9"]'}, "invalid_request", "transaction_data"),
        ({"nonce": None}, "invalid_request", "nonce"),
        ({"dcql_query": None}, "invalid_request", "asks for"),
        ({"dcql_query": None, "scope": "com.example.mc"}, "invalid_scope", "scope"),
        ({"dcql_query": "{not json"}, "invalid_request", "JSON"),
        ({"presentation_definition": {"id": "x", "input_descriptors": []}}, "invalid_request", ""),
    ],
    ids=[
        "response-uri-not-the-client-id",
        "redirect-uri-with-direct-post",
        "fragment",
        "direct-post-jwt",
        "no-response-mode",
        "id-token",
        "transaction-data",
        "no-nonce",
        "no-query",
        "scope",
        "bad-json",
        "dcql-and-pe",
    ],
)
async def test_a_request_the_wallet_cannot_honour_is_refused(
    verifier: VerifierDouble,
    fetching: Fetching,
    change: dict[str, Any],
    code: str,
    words: str,
) -> None:
    params = verifier.dcql_request(dcql_for("ldp_vc")).params
    for name, value in change.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    error = await _refusal(_link(params), fetching)
    assert error.code == code, error.description
    assert words.lower() in error.description.lower()


async def test_presentation_exchange_with_a_1_0_prefix_is_refused(
    verifier: VerifierDouble, fetching: Fetching
) -> None:
    params = verifier.dcql_request(dcql_for("ldp_vc")).params
    params.pop("dcql_query")
    params["presentation_definition"] = micro_credential_definition("ldp_vc")
    error = await _refusal(_link(params), fetching)
    assert "draft-era" in error.description


@pytest.mark.parametrize(
    ("client_id", "words"),
    [
        ("x509_san_dns:verifier.example", "not supported yet"),
        ("x509_hash:abc", "not supported yet"),
        ("verifier_attestation:v", "not supported yet"),
        ("origin:https://v.example", "Digital Credentials API"),
        ("https://federation.example", "Federation"),
        ("employer-42", "pre-registered"),
        ("weird_prefix:abc", "unknown"),
    ],
)
async def test_unsupported_verifier_identifications_are_refused_clearly(
    verifier: VerifierDouble, fetching: Fetching, client_id: str, words: str
) -> None:
    params = verifier.dcql_request(dcql_for("ldp_vc")).params
    params["client_id"] = client_id
    error = await _refusal(_link(params), fetching)
    assert error.code == "invalid_client"
    assert words in error.description


async def test_a_did_verifier_must_sign_its_request(
    verifier: VerifierDouble, fetching: Fetching
) -> None:
    params = verifier.dcql_request(dcql_for("ldp_vc"), signed=True).params
    error = await _refusal(_link(params), fetching)
    assert "signed request object" in error.description


# --- request objects ---------------------------------------------------------------------


async def test_a_signed_request_object_from_a_did_resolves(
    verifier: VerifierDouble, fetching: Fetching
) -> None:
    published = verifier.dcql_request(dcql_for("jwt_vc_json"), signed=True)
    request = await resolve(parse_link(published.link), fetching)
    assert request.client_id == f"decentralized_identifier:{verifier.signer.did}"
    assert request.authenticated_by == verifier.signer.verification_method
    assert request.nonce == published.nonce
    assert verifier.request_fetches == [published.id]


async def test_request_uri_method_post_sends_a_wallet_nonce_that_must_come_back(
    verifier: VerifierDouble, fetching: Fetching
) -> None:
    published = verifier.dcql_request(dcql_for("ldp_vc"), signed=True, post=True)
    request = await resolve(parse_link(published.link), fetching)
    assert request.authenticated_by is not None

    original = verifier.request_object
    verifier.request_object = lambda p, **changes: original(p)  # type: ignore[method-assign]
    error = await _refusal(published.link, fetching)
    assert "wallet_nonce" in error.description


def _jar_link(published: Any, jar: str, client_id: str | None = None) -> str:
    return "openid4vp://?" + urlencode(
        {"client_id": client_id or published.client_id, "request": jar}
    )


async def test_a_request_object_of_another_type_is_refused(
    verifier: VerifierDouble, fetching: Fetching
) -> None:
    published = verifier.dcql_request(dcql_for("ldp_vc"), signed=True)
    jar = sign_jwt({**published.params}, verifier.signer, typ="JWT")
    error = await _refusal(_jar_link(published, jar), fetching)
    assert error.code == "invalid_request_object"
    assert "typ" in error.description


async def test_the_request_object_must_name_the_links_client_id(
    verifier: VerifierDouble, fetching: Fetching
) -> None:
    published = verifier.dcql_request(dcql_for("ldp_vc"), signed=True)
    jar = verifier.request_object(published)
    other = f"decentralized_identifier:{did_key_signer().did}"
    error = await _refusal(_jar_link(published, jar, client_id=other), fetching)
    assert error.code == "invalid_client"


async def test_a_request_object_signed_by_another_did_is_refused(
    verifier: VerifierDouble, fetching: Fetching
) -> None:
    published = verifier.dcql_request(dcql_for("ldp_vc"), signed=True)
    impostor = did_key_signer()
    jar = sign_jwt(published.params, impostor, typ=JAR_TYP)  # claims the verifier's client id
    error = await _refusal(_jar_link(published, jar), fetching)
    assert error.code == "invalid_request_object"
    assert verifier.signer.did in error.description


async def test_a_tampered_request_object_is_refused(
    verifier: VerifierDouble, fetching: Fetching
) -> None:
    published = verifier.dcql_request(dcql_for("ldp_vc"), signed=True)
    header, _payload, signature = verifier.request_object(published).split(".")
    forged = sign_jwt(
        {**published.params, "response_uri": "https://attacker.example/r"},
        did_key_signer(),
        typ=JAR_TYP,
    ).split(".")[1]
    error = await _refusal(_jar_link(published, f"{header}.{forged}.{signature}"), fetching)
    assert "signature" in error.description


async def test_a_redirect_uri_verifier_may_not_sign(
    verifier: VerifierDouble, fetching: Fetching
) -> None:
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    jar = sign_jwt(published.params, verifier.signer, typ=JAR_TYP)
    error = await _refusal(_jar_link(published, jar), fetching)
    assert "cannot sign" in error.description


async def test_an_unsigned_request_object_from_a_redirect_uri_verifier_is_read(
    verifier: VerifierDouble, fetching: Fetching
) -> None:
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    header = b64url_encode(json.dumps({"alg": "none", "typ": JAR_TYP}).encode())
    payload = b64url_encode(json.dumps(published.params).encode())
    request = await resolve(parse_link(_jar_link(published, f"{header}.{payload}.")), fetching)
    assert request.client_id == published.client_id
    assert request.authenticated_by is None
    wrong_typ = b64url_encode(json.dumps({"alg": "none"}).encode())
    error = await _refusal(_jar_link(published, f"{wrong_typ}.{payload}."), fetching)
    assert "typ" in error.description


async def test_the_request_uri_redirect_is_not_followed(
    verifier: VerifierDouble, fetching: Fetching
) -> None:
    verifier.redirect_request_uri = True
    published = verifier.dcql_request(dcql_for("ldp_vc"), signed=True)
    with pytest.raises(FetchFailed, match="redirect"):
        await resolve(parse_link(published.link), fetching)
    assert verifier.followed_redirects == []


# --- draft era ---------------------------------------------------------------------------


@pytest.mark.parametrize("by_reference", [False, True], ids=["by-value", "definition-uri"])
async def test_a_draft_presentation_exchange_request_resolves(
    verifier: VerifierDouble, fetching: Fetching, by_reference: bool
) -> None:
    definition = micro_credential_definition("ldp_vc")
    published = verifier.pe_request(definition, by_reference=by_reference)
    request = await resolve(parse_link(published.link), fetching)
    assert request.era == "draft"
    assert request.client_id == published.params["response_uri"]
    assert request.audience == request.client_id  # drafts: the bare client id
    assert request.presentation_definition == definition
    assert request.dcql_query is None


# --- production: no private addresses ----------------------------------------------------


async def test_production_refuses_a_request_uri_on_this_machine(verifier: VerifierDouble) -> None:
    published = verifier.dcql_request(dcql_for("ldp_vc"), signed=True)
    async with safe_client(allow_loopback=False) as http:
        fetching = Fetching(http, DIDResolver(http), allow_loopback=False)
        with pytest.raises(UnsafeURL, match="loopback"):
            await resolve(parse_link(published.link), fetching)
        # The guard itself refuses it too, for a host name the early check cannot judge.
        with pytest.raises(UnsafeURL):
            await http.get(published.params["response_uri"].replace("127.0.0.1", "localhost"))
    assert verifier.request_fetches == []


@pytest.mark.parametrize("host", ["10.0.0.7", "192.168.1.20", "169.254.169.254", "[::1]"])
async def test_production_refuses_a_response_uri_at_a_private_address(host: str) -> None:
    response_uri = f"https://{host}/response"
    params = {
        "client_id": f"redirect_uri:{response_uri}",
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": response_uri,
        "nonce": "n-0S6_WzA2Mj",
        "dcql_query": dcql_for("ldp_vc"),
    }
    async with safe_client(allow_loopback=False) as http:
        fetching = Fetching(http, DIDResolver(http), allow_loopback=False)
        error = await _refusal(_link(params), fetching)
    assert error.code == "unsafe_url"
    assert "private address" in error.description or "loopback" in error.description
