"""A hand-made wallet for the verifier's refusal tests: it does what our wallet never would.

It receives a credential from a real issuer over OpenID4VCI (pre-authorized code, proof JWT
signed with its own key) and answers a verifier's OpenID4VP request with a presentation it
signs itself, with whatever nonce, audience, holder key or credential the test wants: a
tampered claim, another verifier's audience, someone else's credential, a replay. Every
signature is real (shared.credentials.formats and shared.crypto); only the intent is not.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from shared.credentials.formats import get_format
from shared.crypto.jose import sign_jwt, unverified_claims
from shared.crypto.keys import SigningKey, generate_key
from shared.did.key import did_key_from_jwk, did_key_verification_method_id
from shared.did.resolver import DIDResolver

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
VP_CONTEXT = "https://www.w3.org/2018/credentials/v1"


def new_holder_key() -> SigningKey:
    key = generate_key()
    return SigningKey(key, did_key_verification_method_id(did_key_from_jwk(key.public_jwk())))


def receive(offer_link: str, key: SigningKey, configuration_id: str) -> Any:
    """The credential a wallet holding ``key`` receives for the offer link
    (``openid-credential-offer://?credential_offer_uri=…``): JSON or a JWT."""
    offer_uri = parse_qs(urlsplit(offer_link).query)["credential_offer_uri"][0]
    with httpx.Client(timeout=30) as http:
        offer = _ok(http.get(offer_uri))
        issuer = offer["credential_issuer"]
        metadata = _ok(http.get(f"{issuer}/.well-known/openid-credential-issuer"))
        server = _ok(http.get(f"{issuer}/.well-known/oauth-authorization-server"))
        code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
        token = _ok(
            http.post(
                server["token_endpoint"],
                data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code},
            )
        )
        nonce = _ok(http.post(metadata["nonce_endpoint"]))["c_nonce"]
        proof = sign_jwt(
            {"aud": issuer, "iat": int(time.time()), "nonce": nonce}, key, typ=PROOF_TYP
        )
        answer = _ok(
            http.post(
                metadata["credential_endpoint"],
                json={"credential_configuration_id": configuration_id, "proofs": {"jwt": [proof]}},
                headers={"Authorization": f"Bearer {token['access_token']}"},
            )
        )
    return answer["credentials"][0]["credential"]


@dataclass(frozen=True)
class VerifierRequest:
    """What the verifier's request object asks (read without checking its signature: the
    double trusts the verifier, the tests are about what the verifier trusts)."""

    client_id: str
    nonce: str
    state: str
    response_uri: str
    query_ids: dict[str, str]  # the DCQL credential query id for each format asked for

    @classmethod
    def fetch(cls, link: str) -> VerifierRequest:
        query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        with httpx.Client(timeout=30) as http:
            answer = http.get(query["request_uri"])
        assert answer.status_code == 200, answer.text
        claims = unverified_claims(answer.text)
        dcql = claims["dcql_query"]
        dcql = json.loads(dcql) if isinstance(dcql, str) else dcql
        return cls(
            client_id=claims["client_id"],
            nonce=claims["nonce"],
            state=claims["state"],
            response_uri=claims["response_uri"],
            query_ids={query["format"]: query["id"] for query in dcql["credentials"]},
        )


async def presentation(
    credentials: list[Any],
    key: SigningKey,
    format_name: str,
    *,
    nonce: str,
    audience: str,
) -> Any:
    """A presentation of ``credentials`` signed by ``key`` for that nonce and audience."""
    document = {
        "@context": [VP_CONTEXT],
        "type": ["VerifiablePresentation"],
        "holder": key.did,
        "verifiableCredential": credentials,
    }
    return await get_format(format_name, DIDResolver()).sign_presentation(
        document, key, nonce=nonce, audience=audience
    )


def post_response(request: VerifierRequest, vp_token: dict[str, list[Any]]) -> httpx.Response:
    """``direct_post`` of the vp_token (query id → presentations), as a wallet sends it."""
    with httpx.Client(timeout=60) as http:
        return http.post(
            request.response_uri, data={"vp_token": json.dumps(vp_token), "state": request.state}
        )


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, f"{response.request.url.path}: {response.text}"
    return response.json()
