"""did:web: URL mapping, the document we publish, and fetching others' documents safely."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared.crypto.keys import KeyAlgorithm, generate_key
from shared.did.document import VerificationMethodType
from shared.did.key import did_key_to_jwk
from shared.did.web import (
    build_did_web_document,
    did_web_document_url,
    did_web_from_url,
    resolve_did_web,
)
from shared.errors import CryptoError, DIDResolutionError, InvalidInput

MAPPING = [
    ("did:web:issuer.uni.example", "https://issuer.uni.example/.well-known/did.json"),
    ("did:web:uni.example:issuers:mc", "https://uni.example/issuers/mc/did.json"),
    ("did:web:localhost%3A8443", "https://localhost:8443/.well-known/did.json"),
]
ISSUER = "did:web:issuer.uni.example"
ED_MULTIKEY = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
P256_JWK = {
    "kty": "EC",
    "crv": "P-256",
    "x": "igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns",
    "y": "efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM",
}


@pytest.mark.parametrize(("did", "url"), MAPPING)
def test_spec_mapping_table(did: str, url: str) -> None:
    assert did_web_document_url(did) == url
    assert did_web_from_url(url) == did


@pytest.mark.parametrize(
    ("base_url", "did"),
    [
        ("https://issuer.uni.example", "did:web:issuer.uni.example"),
        ("https://Issuer.Uni.Example/", "did:web:issuer.uni.example"),
        ("https://uni.example/issuers/mc/", "did:web:uni.example:issuers:mc"),
        ("http://localhost:8000", "did:web:localhost%3A8000"),
        ("https://uni.example/a%20b/c~d", "did:web:uni.example:a%20b:c%7Ed"),
    ],
)
def test_service_base_urls_map_to_dids(base_url: str, did: str) -> None:
    assert did_web_from_url(base_url) == did


def test_percent_encoded_path_segments_stay_encoded_in_the_url() -> None:
    assert did_web_document_url("did:web:uni.example:a%20b") == "https://uni.example/a%20b/did.json"


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:web:example.com:",
        "did:web:example.com::x",
        "did:web:exa mple.com",
        "did:web:example.com%2Fevil",
        "did:web:user%40example.com",
        "did:web:example.com%3A99999",
        "did:web:example.com%3Ahttp",
        "did:web:example.com%zz",
        "did:key:z6Mk",
    ],
)
def test_malformed_did_webs_are_refused(did: str) -> None:
    with pytest.raises(DIDResolutionError, match=r"\(invalidDid\)"):
        did_web_document_url(did)


@pytest.mark.parametrize(
    "url", ["ftp://example.com", "https://example.com/?q=1", "https://u:p@example.com", "example"]
)
def test_urls_that_cannot_anchor_a_did_are_refused(url: str) -> None:
    with pytest.raises(DIDResolutionError, match=r"\(invalidDid\)"):
        did_web_from_url(url)


def issuer_document(**options: Any) -> dict[str, Any]:
    keys = [("key-ed", did_key_to_jwk(f"did:key:{ED_MULTIKEY}")), ("key-p256", P256_JWK)]
    return build_did_web_document(ISSUER, keys, **options)


def test_built_document_matches_the_spec_note() -> None:
    """The spec note's example, with every key under authentication as well."""
    ed, p256 = f"{ISSUER}#key-ed", f"{ISSUER}#key-p256"
    assert issuer_document() == {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1",
            "https://w3id.org/security/suites/jws-2020/v1",
        ],
        "id": ISSUER,
        "verificationMethod": [
            {
                "id": ed,
                "type": "Multikey",
                "controller": ISSUER,
                "publicKeyMultibase": ED_MULTIKEY,
            },
            {"id": p256, "type": "JsonWebKey2020", "controller": ISSUER, "publicKeyJwk": P256_JWK},
        ],
        "assertionMethod": [ed, p256],
        "authentication": [ed, p256],
    }


def test_ed25519_can_be_published_as_json_web_key_2020() -> None:
    document = issuer_document(ed25519_type=VerificationMethodType.JSON_WEB_KEY_2020)
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/suites/jws-2020/v1",
    ]
    ed = document["verificationMethod"][0]
    assert ed["type"] == "JsonWebKey2020"
    assert ed["publicKeyJwk"] == did_key_to_jwk(f"did:key:{ED_MULTIKEY}")


def test_building_refuses_private_keys_and_bad_fragments() -> None:
    private = {**generate_key(KeyAlgorithm.P256).public_jwk(), "d": "c2VjcmV0"}
    with pytest.raises(CryptoError, match="private key material"):
        build_did_web_document(ISSUER, [("k", private)])
    public = generate_key().public_jwk()
    with pytest.raises(InvalidInput, match="Duplicate"):
        build_did_web_document(ISSUER, [("k", public), ("k", public)])
    with pytest.raises(InvalidInput, match="fragment"):
        build_did_web_document(ISSUER, [("a#b", public)])


async def test_resolution_fetches_the_mapped_url(web: Any, http: httpx.AsyncClient) -> None:
    web.serve("https://issuer.uni.example/.well-known/did.json", issuer_document())
    assert await resolve_did_web(ISSUER, http) == issuer_document()
    (request,) = web.requests
    assert "application/did+json" in request.headers["accept"]


async def test_document_for_another_did_is_refused(web: Any, http: httpx.AsyncClient) -> None:
    """A server cannot answer for an identity that is not the one asked for."""
    web.serve("https://evil.example/.well-known/did.json", issuer_document())
    with pytest.raises(DIDResolutionError, match=r"is for 'did:web:issuer\.uni\.example'"):
        await resolve_did_web("did:web:evil.example", http)


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"id": ISSUER}, 404, "answered HTTP 404"),
        ([ISSUER], 200, "not return a JSON object"),
        ({"@context": "https://example.org/other", "id": ISSUER}, 200, "lacks"),
        ({"verificationMethod": []}, 200, "is for None"),
    ],
)
async def test_unusable_answers_are_refused(
    web: Any, http: httpx.AsyncClient, body: object, status: int, message: str
) -> None:
    web.serve("https://issuer.uni.example/.well-known/did.json", body, status_code=status)
    with pytest.raises(DIDResolutionError, match=message):
        await resolve_did_web(ISSUER, http)


async def test_non_json_answer_is_refused(web: Any, http: httpx.AsyncClient) -> None:
    web.pages["https://issuer.uni.example/.well-known/did.json"] = httpx.Response(
        200, text="<html>"
    )
    with pytest.raises(DIDResolutionError, match="did not return JSON"):
        await resolve_did_web(ISSUER, http)


async def test_transport_failure_is_a_resolution_error() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(unreachable)) as http:
        with pytest.raises(DIDResolutionError, match=r"failed \(ConnectError\).*\(notFound\)"):
            await resolve_did_web(ISSUER, http)


async def test_loopback_is_fetched_over_https_without_the_flag(
    web: Any, http: httpx.AsyncClient
) -> None:
    did = "did:web:localhost%3A8000"
    web.serve("http://localhost:8000/.well-known/did.json", {"id": did})
    with pytest.raises(DIDResolutionError, match="HTTP 404"):
        await resolve_did_web(did, http)
    assert [str(request.url) for request in web.requests] == [
        "https://localhost:8000/.well-known/did.json"
    ]


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:localhost%3A8000", "http://localhost:8000/.well-known/did.json"),
        ("did:web:127.0.0.1%3A8000:issuer", "http://127.0.0.1:8000/issuer/did.json"),
        ("did:web:%5B%3A%3A1%5D%3A8000", "http://[::1]:8000/.well-known/did.json"),
    ],
)
async def test_plain_http_only_for_loopback_with_the_flag(
    web: Any, http: httpx.AsyncClient, did: str, url: str
) -> None:
    web.serve(url, {"id": did})
    assert await resolve_did_web(did, http, allow_http_loopback=True) == {"id": did}


async def test_the_flag_does_not_relax_other_hosts(web: Any, http: httpx.AsyncClient) -> None:
    web.serve("https://issuer.uni.example/.well-known/did.json", issuer_document())
    await resolve_did_web(ISSUER, http, allow_http_loopback=True)
    assert web.requests[0].url.scheme == "https"


@pytest.mark.parametrize(
    ("did", "flag"),
    [
        ("did:web:192.0.2.10", False),
        ("did:web:192.0.2.10", True),
        ("did:web:127.0.0.1%3A8000", False),
        ("did:web:%5B%3A%3A1%5D", False),
    ],
)
async def test_ip_hosts_are_refused_before_any_request(
    web: Any, http: httpx.AsyncClient, did: str, flag: bool
) -> None:
    with pytest.raises(DIDResolutionError, match="IP-address hosts"):
        await resolve_did_web(did, http, allow_http_loopback=flag)
    assert web.requests == []


async def test_redirect_to_plain_http_is_refused(web: Any) -> None:
    def redirect(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            return httpx.Response(302, headers={"location": "http://issuer.uni.example/x.json"})
        return httpx.Response(200, json=issuer_document())

    transport = httpx.MockTransport(redirect)
    async with httpx.AsyncClient(transport=transport, follow_redirects=True) as http:
        with pytest.raises(DIDResolutionError, match="redirected to http://"):
            await resolve_did_web(ISSUER, http)
