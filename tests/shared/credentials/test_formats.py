"""ldp_vc and jwt_vc_json: what they sign verifies, and any change to what was signed does not."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.credentials.formats import (
    CredentialFormat,
    SignedDocument,
    credential_formats,
    get_format,
)
from shared.credentials.formats.jwt_vc_json import JwtVcJson
from shared.credentials.formats.validity import Clock, utc_now
from shared.crypto import jose
from shared.crypto.b64url import b64url_decode, b64url_encode
from shared.crypto.keys import KeyAlgorithm, SigningKey, generate_key
from shared.did.key import did_key_from_jwk
from shared.did.resolver import DIDResolver
from shared.errors import InvalidInput

VECTORS = Path(__file__).parents[2] / "vectors"
NONCE = "n-0S6_WzA2Mj"
AUDIENCE = "redirect_uri:https://verifier.example/response"
OTHER_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"

Change = Callable[[dict[str, Any]], None]


def did_key_signer(algorithm: KeyAlgorithm) -> SigningKey:
    key = generate_key(algorithm)
    did = did_key_from_jwk(key.public_jwk())
    return SigningKey(key, f"{did}#{did.split(':')[2]}")


def ob3_credential(issuer: SigningKey, subject: SigningKey, **members: Any) -> dict[str, Any]:
    credential: dict[str, Any] = json.loads((VECTORS / "ob3_minimal_credential.json").read_text())
    credential["issuer"]["id"] = issuer.did
    credential["credentialSubject"]["id"] = subject.did
    credential.update(members)
    return credential


def presentation_of(*credentials: SignedDocument) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": list(credentials),
    }


def jwt_parts(token: SignedDocument) -> tuple[dict[str, Any], dict[str, Any]]:
    assert isinstance(token, str)
    header, payload, _ = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


def tampered(signed: SignedDocument, path: tuple[str | int, ...], change: Change) -> SignedDocument:
    """``signed`` with ``change`` applied at ``path`` (in the document for ldp_vc, in the
    JWT payload for jwt_vc_json) and the original signature kept."""
    if isinstance(signed, dict):
        document = copy.deepcopy(signed)
        change(_at(document, path))
        return document
    header, payload, signature = signed.split(".")
    claims = json.loads(b64url_decode(payload))
    change(_at(claims, path))
    return ".".join([header, _b64_json(claims), signature])


def _at(document: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def unsigned_jwt(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64_json(header)}.{_b64_json(claims)}."


def _b64_json(value: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(value).encode())


def fixed_clock(moment: datetime) -> Clock:
    return lambda: moment


def set_member(name: str, value: Any) -> Change:
    return lambda target: target.__setitem__(name, value)


# Where each format keeps the document and the presentation's nonce and audience.
DOCUMENT_PATH = {
    ("ldp_vc", "credential"): (),
    ("ldp_vc", "presentation"): (),
    ("jwt_vc_json", "credential"): ("vc",),
    ("jwt_vc_json", "presentation"): ("vp",),
}
NONCE_AT = {"ldp_vc": (("proof",), "challenge"), "jwt_vc_json": ((), "nonce")}
AUDIENCE_AT = {"ldp_vc": (("proof",), "domain"), "jwt_vc_json": ((), "aud")}


@pytest.fixture
def resolver() -> DIDResolver:
    return DIDResolver()


@pytest.fixture(params=["ldp_vc", "jwt_vc_json"])
def fmt(request: pytest.FixtureRequest, resolver: DIDResolver) -> CredentialFormat:
    return get_format(request.param, resolver)


@pytest.fixture(params=[KeyAlgorithm.ED25519, KeyAlgorithm.P256], ids=["Ed25519", "P-256"])
def algorithm(request: pytest.FixtureRequest) -> KeyAlgorithm:
    algorithm: KeyAlgorithm = request.param
    return algorithm


@pytest.fixture
def issuer(algorithm: KeyAlgorithm) -> SigningKey:
    return did_key_signer(algorithm)


@pytest.fixture
def holder(algorithm: KeyAlgorithm) -> SigningKey:
    return did_key_signer(algorithm)


@pytest.fixture
def credential(issuer: SigningKey, holder: SigningKey) -> dict[str, Any]:
    return ob3_credential(issuer, holder)


@pytest.fixture
async def signed_presentation(
    fmt: CredentialFormat, issuer: SigningKey, holder: SigningKey, credential: dict[str, Any]
) -> SignedDocument:
    signed_credential = await fmt.sign_credential(credential, issuer)
    return await fmt.sign_presentation(
        presentation_of(signed_credential), holder, nonce=NONCE, audience=AUDIENCE
    )


# --- what is signed verifies ---------------------------------------------------------------


async def test_a_signed_credential_verifies(
    fmt: CredentialFormat, issuer: SigningKey, credential: dict[str, Any]
) -> None:
    """An OB 3.0 credential signed by an Ed25519 or P-256 did:key issuer verifies as itself."""
    signed = await fmt.sign_credential(credential, issuer)

    result = await fmt.verify_credential(signed)

    assert result.verified, result.problems
    assert result.problems == []
    assert result.signer == issuer.verification_method
    assert {k: v for k, v in result.document.items() if k not in ("proof", "@context")} == {
        k: v for k, v in credential.items() if k != "@context"
    }


async def test_a_signed_presentation_verifies(
    fmt: CredentialFormat, holder: SigningKey, signed_presentation: SignedDocument
) -> None:
    """A presentation signed by the holder verifies for the nonce and audience it was bound to."""
    result = await fmt.verify_presentation(signed_presentation, nonce=NONCE, audience=AUDIENCE)

    assert result.verified, result.problems
    assert result.signer == holder.verification_method
    assert result.document["holder"] == holder.did
    assert len(result.document["verifiableCredential"]) == 1


async def test_the_credentials_inside_a_presentation_verify_one_by_one(
    fmt: CredentialFormat, signed_presentation: SignedDocument
) -> None:
    """The verifier takes each credential out of the presentation and verifies it by itself."""
    presentation = await fmt.verify_presentation(
        signed_presentation, nonce=NONCE, audience=AUDIENCE
    )
    (inner,) = presentation.document["verifiableCredential"]

    assert (await fmt.verify_credential(inner)).verified


# --- any change to what was signed breaks it ------------------------------------------------

CREDENTIAL_CHANGES: list[tuple[str, tuple[str, ...], Change]] = [
    ("subject id", ("credentialSubject",), set_member("id", OTHER_DID)),
    ("issuer", ("issuer",), set_member("id", OTHER_DID)),
    ("issuanceDate", (), set_member("issuanceDate", "2024-03-02T09:00:00Z")),
    (
        "achievement name",
        ("credentialSubject", "achievement"),
        set_member("name", "Advanced Data Literacy"),
    ),
    ("type", (), set_member("type", ["VerifiableCredential"])),
    ("added claim", (), set_member("description", "Also: a free pony.")),
    ("added undefined claim", ("credentialSubject",), set_member("ponies", 1)),
]


@pytest.mark.parametrize(
    ("path", "change"),
    [pytest.param(path, change, id=name) for name, path, change in CREDENTIAL_CHANGES],
)
async def test_changing_any_claim_breaks_the_credential(
    fmt: CredentialFormat,
    issuer: SigningKey,
    credential: dict[str, Any],
    path: tuple[str, ...],
    change: Change,
) -> None:
    """One changed, removed or added claim, the signature kept: verification fails."""
    signed = await fmt.sign_credential(credential, issuer)
    forged = tampered(signed, DOCUMENT_PATH[fmt.name, "credential"] + path, change)

    result = await fmt.verify_credential(forged)

    assert not result.verified
    assert result.problems


JWT_CLAIM_CHANGES: list[tuple[str, Change]] = [
    ("iss", set_member("iss", OTHER_DID)),
    ("sub", set_member("sub", OTHER_DID)),
    ("jti", set_member("jti", "urn:uuid:00000000-0000-0000-0000-000000000000")),
    ("nbf", lambda claims: claims.__setitem__("nbf", claims["nbf"] - 86400)),
    ("exp added", set_member("exp", 4102444800)),
]


@pytest.mark.parametrize(
    "change", [pytest.param(change, id=name) for name, change in JWT_CLAIM_CHANGES]
)
async def test_changing_a_registered_claim_breaks_a_vc_jwt(
    resolver: DIDResolver, issuer: SigningKey, credential: dict[str, Any], change: Change
) -> None:
    """The JWT claims that repeat the credential are signed as much as the vc claim is."""
    fmt = get_format("jwt_vc_json", resolver)
    signed = await fmt.sign_credential(credential, issuer)

    result = await fmt.verify_credential(tampered(signed, (), change))

    assert not result.verified
    assert any("signature" in problem for problem in result.problems), result.problems


PRESENTATION_CHANGES: list[tuple[str, tuple[str, ...], Change]] = [
    ("holder", (), set_member("holder", OTHER_DID)),
    ("credentials removed", (), set_member("verifiableCredential", [])),
    ("type", (), set_member("type", ["VerifiablePresentation", "VerifiableCredential"])),
]


@pytest.mark.parametrize(
    ("path", "change"),
    [pytest.param(path, change, id=name) for name, path, change in PRESENTATION_CHANGES],
)
async def test_changing_the_presentation_breaks_it(
    fmt: CredentialFormat,
    signed_presentation: SignedDocument,
    path: tuple[str, ...],
    change: Change,
) -> None:
    forged = tampered(signed_presentation, DOCUMENT_PATH[fmt.name, "presentation"] + path, change)

    result = await fmt.verify_presentation(forged, nonce=NONCE, audience=AUDIENCE)

    assert not result.verified


async def test_changing_a_credential_inside_an_ldp_presentation_breaks_the_presentation(
    resolver: DIDResolver, issuer: SigningKey, holder: SigningKey, credential: dict[str, Any]
) -> None:
    fmt = get_format("ldp_vc", resolver)
    signed = await fmt.sign_credential(credential, issuer)
    presentation = await fmt.sign_presentation(
        presentation_of(signed), holder, nonce=NONCE, audience=AUDIENCE
    )
    path = ("verifiableCredential", 0, "credentialSubject", "achievement")
    forged = tampered(presentation, path, set_member("name", "Advanced Data Literacy"))

    result = await fmt.verify_presentation(forged, nonce=NONCE, audience=AUDIENCE)

    assert not result.verified


# --- nonce and audience ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nonce", "audience", "named"),
    [
        pytest.param("another-nonce", AUDIENCE, "nonce", id="nonce"),
        pytest.param(
            NONCE, "redirect_uri:https://elsewhere.example/response", "audience", id="aud"
        ),
        pytest.param(NONCE, "https://verifier.example/response", "audience", id="aud-no-prefix"),
    ],
)
async def test_a_presentation_is_refused_for_another_nonce_or_audience(
    fmt: CredentialFormat,
    signed_presentation: SignedDocument,
    nonce: str,
    audience: str,
    named: str,
) -> None:
    """A presentation made for one request cannot answer another (replay, other verifier)."""
    result = await fmt.verify_presentation(signed_presentation, nonce=nonce, audience=audience)

    assert not result.verified
    assert any(f"expected {named}" in problem for problem in result.problems), result.problems


@pytest.mark.parametrize("member", ["nonce", "audience"])
async def test_rewriting_the_nonce_or_audience_in_a_presentation_breaks_its_signature(
    fmt: CredentialFormat, signed_presentation: SignedDocument, member: str
) -> None:
    """Rewriting the challenge/nonce or domain/aud to the verifier's values does not help."""
    path, name = (NONCE_AT if member == "nonce" else AUDIENCE_AT)[fmt.name]
    new_nonce, new_audience = (
        ("fresh-nonce", AUDIENCE)
        if member == "nonce"
        else (NONCE, "redirect_uri:https://x.example")
    )
    forged = tampered(
        signed_presentation,
        path,
        set_member(name, new_nonce if member == "nonce" else new_audience),
    )

    result = await fmt.verify_presentation(forged, nonce=new_nonce, audience=new_audience)

    assert not result.verified
    assert not any("expected" in problem for problem in result.problems), result.problems


# --- signed by someone else ----------------------------------------------------------------


async def test_a_format_refuses_to_sign_for_an_issuer_or_holder_that_is_not_the_key(
    fmt: CredentialFormat, issuer: SigningKey, holder: SigningKey, credential: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput, match="signing key"):
        await fmt.sign_credential(credential, holder)
    with pytest.raises(InvalidInput, match="signing key"):
        await fmt.sign_presentation(
            {**presentation_of(), "holder": holder.did}, issuer, nonce=NONCE, audience=AUDIENCE
        )


async def test_an_ldp_credential_naming_another_issuer_fails(
    resolver: DIDResolver, issuer: SigningKey, holder: SigningKey, credential: dict[str, Any]
) -> None:
    """A credential signed by B that claims to come from A is refused, naming the mismatch."""
    fmt = get_format("ldp_vc", resolver)
    impostor = did_key_signer(KeyAlgorithm.ED25519)
    signed = await fmt.sign_credential(ob3_credential(impostor, holder), impostor)
    forged = tampered(signed, ("issuer",), set_member("id", issuer.did))

    result = await fmt.verify_credential(forged)

    assert not result.verified
    assert any("not a key of the issuer" in problem for problem in result.problems)


async def test_an_ldp_presentation_by_someone_other_than_its_holder_fails(
    resolver: DIDResolver, issuer: SigningKey, holder: SigningKey, credential: dict[str, Any]
) -> None:
    fmt = get_format("ldp_vc", resolver)
    thief = did_key_signer(KeyAlgorithm.ED25519)
    signed_credential = await fmt.sign_credential(credential, issuer)
    presentation = await fmt.sign_presentation(
        presentation_of(signed_credential), thief, nonce=NONCE, audience=AUDIENCE
    )
    forged = tampered(presentation, (), set_member("holder", holder.did))

    result = await fmt.verify_presentation(forged, nonce=NONCE, audience=AUDIENCE)

    assert not result.verified
    assert any("not a key of the holder" in problem for problem in result.problems)


async def test_a_vc_jwt_signed_by_someone_other_than_its_issuer_fails(
    resolver: DIDResolver, issuer: SigningKey, holder: SigningKey, credential: dict[str, Any]
) -> None:
    """A well-signed JWT whose kid is not a key of iss and vc.issuer is refused."""
    fmt = get_format("jwt_vc_json", resolver)
    impostor = did_key_signer(KeyAlgorithm.ED25519)
    claims = {
        "iss": issuer.did,
        "sub": holder.did,
        "nbf": int(datetime(2024, 3, 1, 9, tzinfo=UTC).timestamp()),
        "vc": credential,
    }
    token = jose.sign_jwt(claims, impostor, typ="JWT")

    result = await fmt.verify_credential(token)

    assert not result.verified
    assert any("not a key of the issuer" in problem for problem in result.problems)


async def test_a_vc_jwt_whose_kid_names_the_issuer_but_another_key_signed_fails(
    resolver: DIDResolver, issuer: SigningKey, credential: dict[str, Any]
) -> None:
    fmt = get_format("jwt_vc_json", resolver)
    impostor = SigningKey(generate_key(issuer.key.algorithm), issuer.verification_method)

    result = await fmt.verify_credential(await fmt.sign_credential(credential, impostor))

    assert not result.verified
    assert any("signature" in problem for problem in result.problems), result.problems


async def test_a_vp_jwt_signed_by_someone_other_than_its_holder_fails(
    resolver: DIDResolver, holder: SigningKey
) -> None:
    fmt = get_format("jwt_vc_json", resolver)
    thief = did_key_signer(KeyAlgorithm.ED25519)
    as_holder = {"iss": holder.did, "aud": AUDIENCE, "nonce": NONCE, "vp": presentation_of()}
    holder_inside = {
        "iss": thief.did,
        "aud": AUDIENCE,
        "nonce": NONCE,
        "vp": {**presentation_of(), "holder": holder.did},
    }

    for claims in (as_holder, holder_inside):
        result = await fmt.verify_presentation(
            jose.sign_jwt(claims, thief, typ="JWT"), nonce=NONCE, audience=AUDIENCE
        )
        assert not result.verified
        assert any("holder" in problem for problem in result.problems), result.problems


@pytest.mark.parametrize("kind", ["credential", "presentation"])
async def test_an_unsigned_jwt_is_refused(
    resolver: DIDResolver,
    issuer: SigningKey,
    holder: SigningKey,
    credential: dict[str, Any],
    kind: str,
) -> None:
    """alg none never verifies, whatever the claims say."""
    fmt = get_format("jwt_vc_json", resolver)
    if kind == "credential":
        header, claims = jwt_parts(await fmt.sign_credential(credential, issuer))
        result = await fmt.verify_credential(unsigned_jwt({**header, "alg": "none"}, claims))
    else:
        signed = await fmt.sign_presentation(
            presentation_of(), holder, nonce=NONCE, audience=AUDIENCE
        )
        header, claims = jwt_parts(signed)
        result = await fmt.verify_presentation(
            unsigned_jwt({**header, "alg": "none"}, claims), nonce=NONCE, audience=AUDIENCE
        )

    assert not result.verified
    assert any("unsigned" in problem for problem in result.problems), result.problems


# --- validity in time --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "verified"),
    [
        pytest.param({"expirationDate": "2025-01-01T00:00:00Z"}, False, id="expired"),
        pytest.param({"issuanceDate": "2099-01-01T00:00:00Z"}, False, id="not-yet-valid"),
        pytest.param({"expirationDate": "2099-01-01T00:00:00Z"}, True, id="within"),
    ],
)
async def test_a_credential_verifies_only_within_its_validity_period(
    fmt: CredentialFormat,
    issuer: SigningKey,
    holder: SigningKey,
    members: dict[str, str],
    verified: bool,
) -> None:
    signed = await fmt.sign_credential(ob3_credential(issuer, holder, **members), issuer)

    result = await fmt.verify_credential(signed)

    assert result.verified is verified, result.problems


async def test_a_vp_jwt_expires_after_ten_minutes(
    resolver: DIDResolver, holder: SigningKey
) -> None:
    signed_at = utc_now()
    signer = JwtVcJson(resolver, clock=fixed_clock(signed_at))
    token = await signer.sign_presentation(
        presentation_of(), holder, nonce=NONCE, audience=AUDIENCE
    )

    for minutes, verified in ((9, True), (12, False)):
        verifier = JwtVcJson(resolver, clock=fixed_clock(signed_at + timedelta(minutes=minutes)))
        result = await verifier.verify_presentation(token, nonce=NONCE, audience=AUDIENCE)
        assert result.verified is verified, (minutes, result.problems)


# --- what each format writes -------------------------------------------------------------------


async def test_a_vc_jwt_carries_the_registered_claims(
    resolver: DIDResolver, issuer: SigningKey, holder: SigningKey
) -> None:
    """iss, sub, jti, nbf (whole seconds) and exp repeat the credential; no proof in vc."""
    fmt = get_format("jwt_vc_json", resolver)
    credential = ob3_credential(
        issuer, holder, expirationDate="2030-03-01T09:00:00Z", proof={"type": "stale"}
    )

    header, claims = jwt_parts(await fmt.sign_credential(credential, issuer))

    assert header == {"alg": issuer.jose_alg, "typ": "JWT", "kid": issuer.verification_method}
    assert claims["iss"] == issuer.did
    assert claims["sub"] == holder.did
    assert claims["jti"] == credential["id"]
    assert claims["nbf"] == int(datetime(2024, 3, 1, 9, tzinfo=UTC).timestamp())
    assert type(claims["nbf"]) is int
    assert claims["exp"] == int(datetime(2030, 3, 1, 9, tzinfo=UTC).timestamp())
    assert "proof" not in claims["vc"]
    assert claims["vc"]["issuer"] == credential["issuer"]


async def test_a_vp_jwt_carries_holder_nonce_audience_and_a_short_lifetime(
    resolver: DIDResolver, issuer: SigningKey, holder: SigningKey, credential: dict[str, Any]
) -> None:
    fmt = get_format("jwt_vc_json", resolver)
    vc_jwt = await fmt.sign_credential(credential, issuer)

    header, claims = jwt_parts(
        await fmt.sign_presentation(presentation_of(vc_jwt), holder, nonce=NONCE, audience=AUDIENCE)
    )

    assert header["kid"] == holder.verification_method
    assert claims["iss"] == holder.did
    assert claims["aud"] == AUDIENCE
    assert claims["nonce"] == NONCE
    assert claims["iat"] == claims["nbf"]
    assert claims["exp"] - claims["iat"] == 600
    assert claims["jti"].startswith("urn:uuid:")
    assert claims["vp"]["verifiableCredential"] == [vc_jwt]
    assert claims["vp"]["type"] == ["VerifiablePresentation"]


@pytest.mark.parametrize(
    ("algorithm", "proof_type", "suite_context"),
    [
        (
            KeyAlgorithm.ED25519,
            "Ed25519Signature2020",
            "https://w3id.org/security/suites/ed25519-2020/v1",
        ),
        (KeyAlgorithm.P256, "JsonWebSignature2020", "https://w3id.org/security/suites/jws-2020/v1"),
    ],
    ids=["Ed25519", "P-256"],
)
async def test_an_ldp_credential_carries_its_suite_context_in_its_own_context(
    resolver: DIDResolver,
    issuer: SigningKey,
    credential: dict[str, Any],
    proof_type: str,
    suite_context: str,
) -> None:
    """Interop note 1: the suite context is in the document's @context, not only the proof's."""
    fmt = get_format("ldp_vc", resolver)
    original = copy.deepcopy(credential)

    signed = await fmt.sign_credential(credential, issuer)
    with_suite = {**credential, "@context": [*credential["@context"], suite_context]}
    signed_again = await fmt.sign_credential(with_suite, issuer)

    assert credential == original
    assert isinstance(signed, dict)
    assert signed["@context"] == [*credential["@context"], suite_context]
    assert "@context" not in signed["proof"]
    assert signed["proof"]["type"] == proof_type
    assert signed["proof"]["proofPurpose"] == "assertionMethod"
    assert isinstance(signed_again, dict)
    assert signed_again["@context"].count(suite_context) == 1


async def test_an_ldp_presentation_names_its_holder_and_binds_challenge_and_domain(
    resolver: DIDResolver, holder: SigningKey
) -> None:
    fmt = get_format("ldp_vc", resolver)

    signed = await fmt.sign_presentation(presentation_of(), holder, nonce=NONCE, audience=AUDIENCE)

    assert isinstance(signed, dict)
    assert signed["holder"] == holder.did
    assert signed["proof"]["proofPurpose"] == "authentication"
    assert signed["proof"]["challenge"] == NONCE
    assert signed["proof"]["domain"] == AUDIENCE


async def test_an_ldp_credential_is_not_accepted_as_a_presentation(
    resolver: DIDResolver, issuer: SigningKey, credential: dict[str, Any]
) -> None:
    """The proof purpose is checked: an assertionMethod proof does not authenticate a holder."""
    fmt = get_format("ldp_vc", resolver)
    signed = await fmt.sign_credential(credential, issuer)

    result = await fmt.verify_presentation(signed, nonce=NONCE, audience=AUDIENCE)

    assert not result.verified
    assert any("authentication" in problem for problem in result.problems), result.problems


# --- unreadable input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "garbage"),
    [
        ("ldp_vc", "eyJhbGciOiJFZERTQSJ9.e30.c2ln"),
        ("ldp_vc", {}),
        ("ldp_vc", {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": 5}),
        ("ldp_vc", {"@context": ["https://example.com/unknown/v1"], "type": ["x"]}),
        ("jwt_vc_json", "not a jwt"),
        ("jwt_vc_json", "a.b.c"),
        ("jwt_vc_json", {"vc": {}}),
        ("jwt_vc_json", unsigned_jwt({"alg": "EdDSA", "kid": "not-a-did"}, {"vc": {}})),
    ],
)
async def test_unreadable_input_is_reported_not_raised(
    resolver: DIDResolver, name: str, garbage: SignedDocument
) -> None:
    fmt = get_format(name, resolver)

    credential = await fmt.verify_credential(garbage)
    presentation = await fmt.verify_presentation(garbage, nonce=NONCE, audience=AUDIENCE)

    assert not credential.verified
    assert credential.problems
    assert not presentation.verified
    assert presentation.problems


# --- the registry --------------------------------------------------------------------------------


def test_the_registry_names_both_formats(resolver: DIDResolver) -> None:
    formats = credential_formats(resolver)

    assert sorted(formats) == ["jwt_vc_json", "ldp_vc"]
    assert all(fmt.name == name for name, fmt in formats.items())


def test_an_unknown_format_is_a_clear_error(resolver: DIDResolver) -> None:
    with pytest.raises(InvalidInput, match=r"'dc\+sd-jwt'.*jwt_vc_json, ldp_vc") as raised:
        get_format("dc+sd-jwt", resolver)
    assert raised.value.code == "unsupported_credential_format"
