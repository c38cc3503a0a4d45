"""JWT signing and verification: both algorithms, and every way a token must be refused."""

from __future__ import annotations

import json

import pytest

from shared.crypto.b64url import b64url_decode, b64url_encode
from shared.crypto.jose import sign_jwt, unverified_claims, unverified_header, verify_jwt
from shared.crypto.keys import KeyAlgorithm, SigningKey, generate_key
from shared.errors import CryptoError, VerificationFailed

PROOF_TYP = "openid4vci-proof+jwt"
ALGORITHMS = list(KeyAlgorithm)


def signing_key(algorithm: KeyAlgorithm) -> SigningKey:
    return SigningKey(generate_key(algorithm), "did:web:issuer.example#key-1")


def reassemble(header: dict[str, object], token: str) -> str:
    """The token with its header replaced and the original signature kept."""
    _, payload, signature = token.split(".")
    return ".".join([b64url_encode(json.dumps(header).encode()), payload, signature])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_signed_jwt_verifies_with_kid_alg_and_typ(algorithm: KeyAlgorithm) -> None:
    """A signed JWT names its key by kid, carries the key's alg and verifies."""
    key = signing_key(algorithm)
    token = sign_jwt({"iss": "me", "nonce": "n-1"}, key, typ=PROOF_TYP)
    header, claims = verify_jwt(token, key.key.public_jwk(), expected_typ=PROOF_TYP)
    assert header == {"alg": algorithm.jose_alg, "typ": PROOF_TYP, "kid": key.verification_method}
    assert claims == {"iss": "me", "nonce": "n-1"}
    assert unverified_header(token) == header
    assert unverified_claims(token) == claims


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_jwk_header_replaces_kid(algorithm: KeyAlgorithm) -> None:
    """With a jwk header the token carries the public key and no kid."""
    key = signing_key(algorithm)
    token = sign_jwt({}, key, typ=PROOF_TYP, extra_headers={"jwk": key.key.public_jwk()})
    header, _ = verify_jwt(token, key.key.public_jwk(), expected_typ=PROOF_TYP)
    assert "kid" not in header
    assert header["jwk"] == key.key.public_jwk()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_tampered_payload_is_refused(algorithm: KeyAlgorithm) -> None:
    key = signing_key(algorithm)
    header, _, signature = sign_jwt({"sub": "alice"}, key, typ="JWT").split(".")
    forged = b64url_encode(json.dumps({"sub": "mallory"}).encode())
    with pytest.raises(VerificationFailed, match="signature does not verify"):
        verify_jwt(f"{header}.{forged}.{signature}", key.key.public_jwk(), expected_typ="JWT")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_other_key_of_same_type_is_refused(algorithm: KeyAlgorithm) -> None:
    token = sign_jwt({}, signing_key(algorithm), typ="JWT")
    other = generate_key(algorithm).public_jwk()
    with pytest.raises(VerificationFailed, match="signature does not verify"):
        verify_jwt(token, other, expected_typ="JWT")


def test_key_of_other_type_is_refused() -> None:
    token = sign_jwt({}, signing_key(KeyAlgorithm.ED25519), typ="JWT")
    with pytest.raises(VerificationFailed, match="signature does not verify"):
        verify_jwt(token, generate_key(KeyAlgorithm.P256).public_jwk(), expected_typ="JWT")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_is_refused_even_when_allowed(alg: str) -> None:
    key = signing_key(KeyAlgorithm.ED25519)
    token = sign_jwt({}, key, typ="JWT")
    unsigned = reassemble({"alg": alg, "typ": "JWT"}, token).rsplit(".", 1)[0] + "."
    with pytest.raises(VerificationFailed, match="unsigned"):
        verify_jwt(unsigned, key.key.public_jwk(), allowed_algs=(alg,), expected_typ="JWT")


def test_alg_outside_allow_list_is_refused() -> None:
    """An ES256 token is refused by a verifier that only allows EdDSA, before any signature."""
    key = signing_key(KeyAlgorithm.P256)
    token = sign_jwt({}, key, typ="JWT")
    with pytest.raises(VerificationFailed, match="'ES256' is not allowed"):
        verify_jwt(token, key.key.public_jwk(), allowed_algs=("EdDSA",), expected_typ="JWT")


def test_hs256_with_public_key_as_secret_is_refused() -> None:
    """The classic key-confusion forgery: HS256 is outside the allow-list."""
    key = signing_key(KeyAlgorithm.P256)
    token = reassemble({"alg": "HS256", "typ": "JWT"}, sign_jwt({}, key, typ="JWT"))
    with pytest.raises(VerificationFailed, match="'HS256' is not allowed"):
        verify_jwt(token, key.key.public_jwk(), expected_typ="JWT")


def test_alg_swapped_in_header_breaks_signature() -> None:
    """Rewriting the protected header invalidates the signature over it."""
    key = signing_key(KeyAlgorithm.ED25519)
    token = sign_jwt({}, key, typ="JWT")
    swapped = reassemble({"alg": "EdDSA", "typ": "JWT", "kid": "did:example:evil#1"}, token)
    with pytest.raises(VerificationFailed, match="signature does not verify"):
        verify_jwt(swapped, key.key.public_jwk(), expected_typ="JWT")


@pytest.mark.parametrize(
    ("signed_typ", "expected_typ", "accepted"),
    [
        (PROOF_TYP, PROOF_TYP, True),
        ("application/openid4vci-proof+jwt", PROOF_TYP, True),
        ("OpenID4VCI-Proof+JWT", PROOF_TYP, True),
        ("JWT", PROOF_TYP, False),
        ("oauth-authz-req+jwt", PROOF_TYP, False),
    ],
)
def test_typ_must_match_the_expected_kind(
    signed_typ: str, expected_typ: str, accepted: bool
) -> None:
    """typ compares as a media type (case-insensitive, application/ optional) and nothing looser."""
    key = signing_key(KeyAlgorithm.ED25519)
    token = sign_jwt({}, key, typ=signed_typ)
    if accepted:
        verify_jwt(token, key.key.public_jwk(), expected_typ=expected_typ)
    else:
        with pytest.raises(VerificationFailed, match="typ"):
            verify_jwt(token, key.key.public_jwk(), expected_typ=expected_typ)


def test_expected_typ_none_skips_the_typ_check() -> None:
    key = signing_key(KeyAlgorithm.ED25519)
    token = sign_jwt({}, key, typ="anything+jwt")
    verify_jwt(token, key.key.public_jwk(), expected_typ=None)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.e30.sig",
        f"{b64url_encode(b'[1]')}.e30.sig",
        f"{b64url_encode(b'not json')}.e30.sig",
        f"{b64url_encode(b'{}')}.{b64url_encode(b'[1]')}.sig",
        f"{b64url_encode(b'{}')}=.e30.sig",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    key = generate_key(KeyAlgorithm.ED25519).public_jwk()
    with pytest.raises(VerificationFailed, match="Malformed JWT"):
        verify_jwt(token, key, expected_typ=None)
    with pytest.raises(VerificationFailed, match="Malformed JWT"):
        unverified_header(token)


def test_header_jwk_with_private_member_is_refused() -> None:
    """A wallet that leaks its private key in the jwk header gets a clear refusal."""
    key = signing_key(KeyAlgorithm.ED25519)
    leaked = json.loads(key.key.private_jwk_json())
    token = reassemble(
        {"alg": "EdDSA", "typ": PROOF_TYP, "jwk": leaked}, sign_jwt({}, key, typ="x")
    )
    with pytest.raises(VerificationFailed, match="private key material") as caught:
        unverified_header(token)
    assert leaked["d"] not in str(caught.value)
    with pytest.raises(VerificationFailed, match="private key material"):
        verify_jwt(token, key.key.public_jwk(), expected_typ=PROOF_TYP)


def test_private_verification_key_is_refused() -> None:
    key = signing_key(KeyAlgorithm.P256)
    token = sign_jwt({}, key, typ="JWT")
    private = json.loads(key.key.private_jwk_json())
    with pytest.raises(VerificationFailed, match="private key material") as caught:
        verify_jwt(token, private, expected_typ="JWT")
    assert private["d"] not in str(caught.value)


def test_signing_refuses_a_private_or_foreign_jwk_header() -> None:
    key = signing_key(KeyAlgorithm.ED25519)
    private = json.loads(key.key.private_jwk_json())
    with pytest.raises(CryptoError, match="public JWK") as caught:
        sign_jwt({}, key, typ="JWT", extra_headers={"jwk": private})
    assert private["d"] not in str(caught.value)
    other = generate_key(KeyAlgorithm.ED25519).public_jwk()
    with pytest.raises(CryptoError, match="not the public key of the signing key"):
        sign_jwt({}, key, typ="JWT", extra_headers={"jwk": other})
    with pytest.raises(CryptoError, match="either kid or jwk"):
        sign_jwt({}, key, typ="JWT", extra_headers={"jwk": key.key.public_jwk(), "kid": "x"})


@pytest.mark.parametrize("member", ["alg", "typ"])
def test_signing_refuses_alg_or_typ_in_extra_headers(member: str) -> None:
    with pytest.raises(CryptoError, match=member):
        sign_jwt({}, signing_key(KeyAlgorithm.ED25519), typ="JWT", extra_headers={member: "x"})


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": 1_000 - 61}, "expired"),
        ({"nbf": 1_000 + 61}, "not valid before"),
        ({"exp": "tomorrow"}, "exp is not a number"),
    ],
)
def test_time_window_is_enforced(claims: dict[str, object], reason: str) -> None:
    key = signing_key(KeyAlgorithm.ED25519)
    token = sign_jwt(claims, key, typ="JWT")
    with pytest.raises(VerificationFailed, match=reason):
        verify_jwt(token, key.key.public_jwk(), expected_typ="JWT", now=1_000)


def test_time_window_allows_leeway() -> None:
    key = signing_key(KeyAlgorithm.ED25519)
    token = sign_jwt({"exp": 1_000 - 59, "nbf": 1_000 + 59}, key, typ="JWT")
    verify_jwt(token, key.key.public_jwk(), expected_typ="JWT", now=1_000)


def test_signature_segment_is_real_signature_bytes() -> None:
    """Ed25519 signatures are 64 bytes; ES256 are raw r‖s (64 bytes), not DER."""
    for algorithm in ALGORITHMS:
        token = sign_jwt({}, signing_key(algorithm), typ="JWT")
        assert len(b64url_decode(token.split(".")[2])) == 64
