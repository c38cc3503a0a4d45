"""A strict little OpenID4VP verifier for the wallet's sharing tests, served over real HTTP.

(Kept in a test module because the sharing tests may only add files named test_share*; the
other modules import ``VerifierDouble`` and the helpers from here. The tests at the bottom
show that the double itself refuses a presentation bound to the wrong nonce or audience,
so a wallet that passes against it bound its presentations right.)

It publishes requests the ways verifiers do: DCQL by value with a ``redirect_uri:`` client
id; DCQL in a request object signed by a ``decentralized_identifier:`` did:key (served at
its ``request_uri``, by GET or by POST with ``wallet_nonce``); and draft-era Presentation
Exchange with ``client_id_scheme=redirect_uri`` (the definition by value or at a
``presentation_definition_uri``). Its response endpoint records every form it receives and
checks presentations with the shared formats. Knobs make it misbehave.

The independent check, with a verifier we did not write, is tests/interop/.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from shared.credentials.formats import SignedDocument, get_format
from shared.crypto.jose import sign_jwt
from shared.crypto.keys import SigningKey
from shared.did.resolver import DIDResolver
from shared.errors import VerificationFailed
from tests.holder.test_receive_issuer_double import on_loopback
from tests.shared.credentials.test_microcredential_samples import did_key_signer

JAR_TYP = "oauth-authz-req+jwt"
OB_CREDENTIAL_IRI = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"
VC_IRI = "https://www.w3.org/2018/credentials#VerifiableCredential"


def dcql_for(*formats: str, claims: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A DCQL query with one credential query per format (ids ``q_<format>``)."""
    queries = []
    for fmt in formats:
        query: dict[str, Any] = {
            "id": f"q_{fmt}",
            "format": fmt,
            "meta": {"type_values": [[VC_IRI, OB_CREDENTIAL_IRI]]},
        }
        if claims is not None:
            query["claims"] = claims
        queries.append(query)
    return {"credentials": queries}


def micro_credential_definition(*descriptor_formats: str) -> dict[str, Any]:
    """A draft-era presentation definition: one input descriptor per format."""
    descriptors = []
    for fmt in descriptor_formats:
        path = "$.vc.type" if fmt == "jwt_vc_json" else "$.type"
        descriptors.append(
            {
                "id": f"d_{fmt}",
                "name": "Micro-credential",
                "purpose": "To check your data literacy training",
                "format": {fmt: {}},
                "constraints": {
                    "fields": [
                        {
                            "path": [path],
                            "filter": {
                                "type": "array",
                                "contains": {"const": "AchievementCredential"},
                            },
                        }
                    ]
                },
            }
        )
    return {"id": "mc_request", "input_descriptors": descriptors}


@dataclass
class Published:
    """One authorization request the double made, and what came back for it."""

    id: str
    params: dict[str, Any]  # the authorization request parameters
    link: str
    responses: list[dict[str, str]] = field(default_factory=list)

    @property
    def nonce(self) -> str:
        return str(self.params["nonce"])

    @property
    def client_id(self) -> str:
        return str(self.params["client_id"])


@dataclass
class VerifierDouble:
    client_name: str = "Double Employer GmbH"
    redirect_request_uri: bool = False  # answer the request_uri with a 302
    redirect_response: bool = False  # answer the response_uri with a 302
    reject_responses: bool = False  # answer the response_uri with 400
    signer: SigningKey = field(default_factory=did_key_signer)

    base_url: str = ""
    published: dict[str, Published] = field(default_factory=dict)
    followed_redirects: list[str] = field(default_factory=list)
    request_fetches: list[str] = field(default_factory=list)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[VerifierDouble]:
        async with on_loopback(self.app()) as base_url:
            self.base_url = base_url
            yield self

    # --- publishing requests ------------------------------------------------------------

    def dcql_request(
        self, dcql: dict[str, Any], *, signed: bool = False, post: bool = False, **extra: Any
    ) -> Published:
        """A 1.0 request: by value (``redirect_uri:``) or signed by our DID, by reference."""
        request_id = secrets.token_urlsafe(8)
        response_uri = f"{self.base_url}/response/{request_id}"
        client_id = (
            f"decentralized_identifier:{self.signer.did}"
            if signed
            else f"redirect_uri:{response_uri}"
        )
        params = {
            "client_id": client_id,
            "response_type": "vp_token",
            "response_mode": "direct_post",
            "response_uri": response_uri,
            "nonce": secrets.token_urlsafe(16),
            "state": secrets.token_urlsafe(16),
            "dcql_query": dcql,
            "client_metadata": {
                "client_name": self.client_name,
                "vp_formats_supported": {"ldp_vc": {}, "jwt_vc_json": {}},
            },
            **extra,
        }
        if signed:
            query = {"client_id": client_id, "request_uri": f"{self.base_url}/request/{request_id}"}
            if post:
                query["request_uri_method"] = "post"
            link = "openid4vp://?" + urlencode(query)
        else:
            link = "openid4vp://?" + urlencode(_url_form(params))
        return self._publish(request_id, params, link)

    def pe_request(self, definition: dict[str, Any], *, by_reference: bool = False) -> Published:
        """A draft-era request: ``client_id_scheme=redirect_uri``, a bare client id."""
        request_id = secrets.token_urlsafe(8)
        response_uri = f"{self.base_url}/response/{request_id}"
        params: dict[str, Any] = {
            "client_id": response_uri,
            "client_id_scheme": "redirect_uri",
            "response_type": "vp_token",
            "response_mode": "direct_post",
            "response_uri": response_uri,
            "nonce": secrets.token_urlsafe(16),
            "state": secrets.token_urlsafe(16),
            "client_metadata": {"client_name": self.client_name, "vp_formats": {"ldp_vp": {}}},
        }
        if by_reference:
            params["presentation_definition_uri"] = f"{self.base_url}/pd/{request_id}"
        else:
            params["presentation_definition"] = definition
        published = self._publish(
            request_id, params, "openid4vp://?" + urlencode(_url_form(params))
        )
        published.params["presentation_definition"] = definition
        return published

    def _publish(self, request_id: str, params: dict[str, Any], link: str) -> Published:
        published = Published(request_id, params, link)
        self.published[request_id] = published
        return published

    def request_object(self, published: Published, **changes: Any) -> str:
        claims = {**published.params, "aud": "https://self-issued.me/v2", **changes}
        return sign_jwt(claims, self.signer, typ=JAR_TYP)

    # --- what came back -----------------------------------------------------------------

    def all_responses(self) -> list[dict[str, str]]:
        return [form for published in self.published.values() for form in published.responses]

    async def presented_credentials(self, published: Published) -> dict[str, list[Any]]:
        """Per query (or descriptor) id, the credentials the response carried, after
        checking every presentation's signature, nonce and audience with the shared formats.
        """
        (form,) = published.responses
        token = form["vp_token"]
        resolver = DIDResolver()
        presented: dict[str, list[SignedDocument]] = {}
        if "dcql_query" in published.params and "presentation_submission" not in form:
            decoded = json.loads(token)
            for query_id, presentations in decoded.items():
                presented[query_id] = list(presentations)
        else:
            submission = json.loads(form["presentation_submission"])
            vps = _pe_presentations(token)
            for entry in submission["descriptor_map"]:
                index = 0 if entry["path"] == "$" else int(entry["path"][2:-1])
                presented.setdefault(entry["id"], []).append(vps[index])
        credentials: dict[str, list[Any]] = {}
        for query_id, presentations in presented.items():
            for vp in presentations:
                fmt = "jwt_vc_json" if isinstance(vp, str) else "ldp_vc"
                result = await get_format(fmt, resolver).verify_presentation(
                    vp, nonce=published.nonce, audience=published.client_id
                )
                result.raise_for_problems()
                credentials.setdefault(query_id, []).extend(result.document["verifiableCredential"])
        return credentials

    # --- the app ------------------------------------------------------------------------

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/request/{request_id}")
        async def request_object_get(request_id: str) -> Response:
            return self._request_object(request_id, None)

        @app.post("/request/{request_id}")
        async def request_object_post(request_id: str, request: Request) -> Response:
            form = await request.form()
            return self._request_object(request_id, str(form.get("wallet_nonce")))

        @app.get("/pd/{request_id}")
        async def presentation_definition(request_id: str) -> Response:
            return JSONResponse(self.published[request_id].params["presentation_definition"])

        @app.post("/response/{request_id}")
        async def response(request_id: str, request: Request) -> Response:
            form = {key: str(value) for key, value in (await request.form()).items()}
            self.published[request_id].responses.append(form)
            if self.redirect_response:
                return RedirectResponse(f"{self.base_url}/elsewhere", status_code=302)
            if self.reject_responses:
                return JSONResponse(
                    {"error": "invalid_request", "error_description": "nonce already used"},
                    status_code=400,
                )
            code = secrets.token_urlsafe(16)
            return JSONResponse({"redirect_uri": f"{self.base_url}/done#response_code={code}"})

        @app.api_route("/elsewhere", methods=["GET", "POST"])
        async def elsewhere(request: Request) -> Response:
            self.followed_redirects.append(request.method)
            return JSONResponse({})

        return app

    def _request_object(self, request_id: str, wallet_nonce: str | None) -> Response:
        self.request_fetches.append(request_id)
        if self.redirect_request_uri:
            return RedirectResponse(f"{self.base_url}/elsewhere", status_code=302)
        published = self.published[request_id]
        extra = {"wallet_nonce": wallet_nonce} if wallet_nonce is not None else {}
        return Response(
            self.request_object(published, **extra), media_type="application/oauth-authz-req+jwt"
        )


def _url_form(params: dict[str, Any]) -> dict[str, str]:
    return {
        key: value if isinstance(value, str) else json.dumps(value) for key, value in params.items()
    }


def _pe_presentations(token: str) -> list[SignedDocument]:
    try:
        decoded = json.loads(token)
    except ValueError:
        return [token]  # a single VP-JWT travels as is
    return decoded if isinstance(decoded, list) else [decoded]


# --- the double refuses what a strict verifier refuses -------------------------------------


@pytest.fixture
async def verifier() -> AsyncIterator[VerifierDouble]:
    async with VerifierDouble().running() as double:
        yield double


async def _signed_vp(nonce: str, audience: str) -> tuple[SignedDocument, SigningKey]:
    holder = did_key_signer()
    presentation = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": [],
    }
    fmt = get_format("ldp_vc", DIDResolver())
    return await fmt.sign_presentation(presentation, holder, nonce=nonce, audience=audience), holder


@pytest.mark.parametrize("wrong", ["nonce", "audience"])
async def test_the_double_refuses_a_presentation_bound_to_another_request(
    verifier: VerifierDouble, wrong: str
) -> None:
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    nonce = "another-nonce" if wrong == "nonce" else published.nonce
    audience = published.params["response_uri"] if wrong == "audience" else published.client_id
    vp, _ = await _signed_vp(nonce, audience)
    published.responses.append({"vp_token": json.dumps({"q_ldp_vc": [vp]})})
    with pytest.raises(VerificationFailed, match=r"challenge|domain"):
        await verifier.presented_credentials(published)


async def test_the_double_accepts_a_presentation_bound_to_its_request(
    verifier: VerifierDouble,
) -> None:
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    vp, _ = await _signed_vp(published.nonce, published.client_id)
    published.responses.append({"vp_token": json.dumps({"q_ldp_vc": [vp]})})
    assert await verifier.presented_credentials(published) == {"q_ldp_vc": []}
