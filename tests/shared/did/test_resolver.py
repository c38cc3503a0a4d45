"""DIDResolver: local methods, did:web over the injected client, and finding the right key."""

from __future__ import annotations

from typing import Any

import base58
import httpx
import pytest

from shared.crypto.b64url import b64url_decode
from shared.crypto.jose import sign_jwt, unverified_header, verify_jwt
from shared.crypto.keys import KeyAlgorithm, SigningKey, generate_key
from shared.did.jwk import did_jwk_from_jwk
from shared.did.key import did_key_from_jwk, did_key_verification_method_id
from shared.did.resolver import DIDResolver
from shared.did.web import build_did_web_document
from shared.errors import DIDResolutionError

ISSUER = "did:web:issuer.uni.example"
ISSUER_URL = "https://issuer.uni.example/.well-known/did.json"


async def test_did_key_and_did_jwk_resolve_without_a_client() -> None:
    resolver = DIDResolver()
    did_key = did_key_from_jwk(generate_key().public_jwk())
    did_jwk = did_jwk_from_jwk(generate_key(KeyAlgorithm.P256).public_jwk())
    assert (await resolver.resolve(did_key))["id"] == did_key
    assert (await resolver.resolve(did_jwk))["id"] == did_jwk


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
async def test_bare_and_full_did_key_urls_give_the_key(algorithm: KeyAlgorithm) -> None:
    public = generate_key(algorithm).public_jwk()
    did = did_key_from_jwk(public)
    resolver = DIDResolver()
    assert await resolver.public_jwk(did) == public
    assert await resolver.public_jwk(did_key_verification_method_id(did)) == public
    with pytest.raises(DIDResolutionError, match=r"\(notFound\)"):
        await resolver.public_jwk(did + "#other")


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
async def test_did_jwk_urls_give_the_key(algorithm: KeyAlgorithm) -> None:
    public = generate_key(algorithm).public_jwk()
    did = did_jwk_from_jwk(public)
    resolver = DIDResolver()
    assert await resolver.public_jwk(did) == public
    assert await resolver.public_jwk(did + "#0") == public


async def test_did_web_methods_are_found_by_full_url(web: Any, http: httpx.AsyncClient) -> None:
    ed, p256 = generate_key().public_jwk(), generate_key(KeyAlgorithm.P256).public_jwk()
    web.serve(ISSUER_URL, build_did_web_document(ISSUER, [("key-ed", ed), ("key-p256", p256)]))
    resolver = DIDResolver(http)
    assert await resolver.public_jwk(f"{ISSUER}#key-ed") == ed
    assert await resolver.public_jwk(f"{ISSUER}#key-p256", relationship="assertionMethod") == p256


def relative_document(ed: dict[str, str], legacy_raw: bytes) -> dict[str, Any]:
    """Relative ids, an embedded method and a legacy publicKeyBase58 key, as seen in the wild."""
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": ISSUER,
        "verificationMethod": [
            {"id": "#key-1", "type": "JsonWebKey2020", "controller": ISSUER, "publicKeyJwk": ed},
            {
                "id": "#legacy",
                "type": "Ed25519VerificationKey2018",
                "controller": ISSUER,
                "publicKeyBase58": base58.b58encode(legacy_raw).decode(),
            },
        ],
        "assertionMethod": ["#key-1", f"{ISSUER}#legacy"],
        "authentication": [
            {
                "id": f"{ISSUER}#auth",
                "type": "JsonWebKey2020",
                "controller": ISSUER,
                "publicKeyJwk": ed,
            },
        ],
    }


async def test_relative_embedded_and_legacy_methods(web: Any, http: httpx.AsyncClient) -> None:
    ed, legacy = generate_key().public_jwk(), generate_key().public_jwk()
    web.serve(ISSUER_URL, relative_document(ed, b64url_decode(legacy["x"])))
    resolver = DIDResolver(http)
    assert await resolver.public_jwk(f"{ISSUER}#key-1", relationship="assertionMethod") == ed
    assert await resolver.public_jwk(f"{ISSUER}#legacy") == legacy
    assert await resolver.public_jwk(f"{ISSUER}#auth", relationship="authentication") == ed


async def test_method_outside_the_relationship_is_refused(
    web: Any, http: httpx.AsyncClient
) -> None:
    """A key listed only for authentication may not sign credentials (assertionMethod)."""
    ed = generate_key().public_jwk()
    web.serve(ISSUER_URL, relative_document(ed, b"\x01" * 32))
    with pytest.raises(DIDResolutionError, match="not listed under assertionMethod"):
        await DIDResolver(http).public_jwk(f"{ISSUER}#auth", relationship="assertionMethod")


async def test_did_web_url_must_name_a_method(web: Any, http: httpx.AsyncClient) -> None:
    web.serve(ISSUER_URL, build_did_web_document(ISSUER, [("k", generate_key().public_jwk())]))
    resolver = DIDResolver(http)
    with pytest.raises(DIDResolutionError, match=r"\(invalidDidUrl\)"):
        await resolver.public_jwk(ISSUER)
    with pytest.raises(DIDResolutionError, match=r"no method .*#missing.*\(notFound\)"):
        await resolver.public_jwk(f"{ISSUER}#missing")


async def test_private_key_in_a_served_document_is_refused(
    web: Any, http: httpx.AsyncClient
) -> None:
    leaked = {**generate_key().public_jwk(), "d": "c2VjcmV0"}
    document = {
        "id": ISSUER,
        "verificationMethod": [
            {"id": f"{ISSUER}#k", "type": "JsonWebKey2020", "publicKeyJwk": leaked}
        ],
    }
    web.serve(ISSUER_URL, document)
    with pytest.raises(DIDResolutionError, match="private key material") as caught:
        await DIDResolver(http).public_jwk(f"{ISSUER}#k")
    assert "c2VjcmV0" not in str(caught.value)


async def test_did_web_needs_a_client() -> None:
    with pytest.raises(DIDResolutionError, match="needs an HTTP client"):
        await DIDResolver().resolve(ISSUER)


async def test_loopback_flag_reaches_did_web(web: Any, http: httpx.AsyncClient) -> None:
    did = "did:web:localhost%3A8001"
    document = build_did_web_document(did, [("k", generate_key().public_jwk())])
    web.serve("http://localhost:8001/.well-known/did.json", document)
    assert await DIDResolver(http, allow_http_loopback=True).resolve(did) == document


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("did:example:123", "methodNotSupported"),
        ("did:ion:abc", "methodNotSupported"),
        ("not-a-did", "invalidDid"),
        ("did:key", "invalidDid"),
        ("did:web:issuer.uni.example/path", "invalidDid"),
        ("did:web:issuer.uni.example?versionId=1", "invalidDid"),
    ],
)
async def test_unsupported_or_malformed_dids(value: str, reason: str) -> None:
    with pytest.raises(DIDResolutionError, match=f"\\({reason}\\)"):
        await DIDResolver().resolve(value)


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
async def test_a_jwt_signed_by_an_issuer_verifies_through_its_did(
    web: Any, http: httpx.AsyncClient, algorithm: KeyAlgorithm
) -> None:
    """End to end: the issuer publishes did:web, signs with kid; the verifier resolves kid."""
    key = generate_key(algorithm)
    web.serve(ISSUER_URL, build_did_web_document(ISSUER, [("key-1", key.public_jwk())]))
    token = sign_jwt({"iss": ISSUER}, SigningKey(key, f"{ISSUER}#key-1"), typ="JWT")
    kid = unverified_header(token)["kid"]
    public = await DIDResolver(http).public_jwk(kid, relationship="assertionMethod")
    _, claims = verify_jwt(token, public, expected_typ="JWT")
    assert claims == {"iss": ISSUER}
