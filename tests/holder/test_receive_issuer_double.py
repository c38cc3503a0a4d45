"""A strict little OpenID4VCI issuer for the wallet's receive tests, served over real HTTP.

(Kept in a test module because the receive tests may only add files named test_receive*;
the other modules import ``IssuerDouble`` and ``on_loopback`` from here, and the tests at
the bottom show the double refuses what a real issuer refuses, so a wallet that passes
against it did the protocol right.)

It speaks 1.0 (metadata at the inserted well-known URL, nonce endpoint, ``proofs``,
``{"credentials": [...]}``) or draft 13 (appended metadata URL, ``c_nonce`` in the token
response, ``format`` + ``proof``, ``{"credential": ...}``, token endpoint in the issuer
metadata), and refuses a request in the other dialect. It signs real OB 3.0
micro-credentials with a did:key issuer key (shared formats), bound to the DID of the key
proof's ``kid``. Knobs make it misbehave the ways the wallet must survive.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from shared.credentials.formats import get_format
from shared.crypto.jose import sign_jwt, unverified_header, verify_jwt
from shared.did.resolver import DIDResolver
from shared.errors import CredstackError
from tests.holder.samples import micro_credential
from tests.shared.credentials.test_microcredential_samples import did_key_signer
from tests.support.processes import free_port

PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
CONFIGURATIONS = {"MicroCredential_ldp_vc": "ldp_vc", "MicroCredential_jwt_vc_json": "jwt_vc_json"}


class _QuietServer(uvicorn.Server):
    """uvicorn in the test's event loop, without taking over the process's signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def on_loopback(app: FastAPI) -> AsyncIterator[str]:
    """Serve ``app`` over real HTTP on 127.0.0.1 (a development wallet may reach loopback);
    yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def _error(error: str, status: int = 400, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": error, **extra}, status_code=status)


@dataclass
class IssuerDouble:
    version: str = "1.0"  # or "draft-13"
    path: str = ""  # the issuer identifier's path, e.g. "/tenant"
    formats: tuple[str, ...] = ("ldp_vc", "jwt_vc_json")
    extra_configurations: dict[str, dict[str, Any]] = field(default_factory=dict)
    display_name: str = "Double University"
    reject_first_nonce: bool = False
    bind_to: str | None = None  # bind the credential to this DID instead of the prover's
    tamper: bool = False  # change the credential after signing it
    metadata_issuer: str | None = None  # claim another credential_issuer in the metadata
    host: str = "127.0.0.1"  # the host name the identifier uses ("localhost" works too)

    base_url: str = ""
    requests: list[tuple[str, Any]] = field(default_factory=list)
    signer: Any = field(default_factory=did_key_signer)
    _offers: dict[str, dict[str, Any]] = field(default_factory=dict)
    _codes: dict[str, str | None] = field(default_factory=dict)  # code -> tx_code
    _tokens: set[str] = field(default_factory=set)
    _nonces: set[str] = field(default_factory=set)
    _nonce_rejected: bool = False

    @property
    def identifier(self) -> str:
        return self.base_url + self.path

    @property
    def issuer_did(self) -> str:
        return str(self.signer.did)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[IssuerDouble]:
        async with on_loopback(self.app()) as base_url:
            self.base_url = base_url.replace("127.0.0.1", self.host)
            yield self

    def offer(
        self, *, tx_code: str | None = None, configurations: list[str] | None = None
    ) -> dict[str, Any]:
        """A new offer object with a fresh pre-authorized code."""
        code = secrets.token_urlsafe(16)
        self._codes[code] = tx_code
        grant: dict[str, Any] = {"pre-authorized_code": code}
        if tx_code is not None:
            grant["tx_code"] = {
                "input_mode": "numeric",
                "length": len(tx_code),
                "description": "Sent by e-mail",
            }
        ids = configurations or [self._configuration_id(f) for f in self.formats]
        return {
            "credential_issuer": self.identifier,
            "credential_configuration_ids": ids,
            "grants": {PRE_AUTHORIZED: grant},
        }

    def offer_link(self, *, tx_code: str | None = None, by_value: bool = False) -> str:
        """``openid-credential-offer://`` by reference (default) or by value."""
        offer = self.offer(tx_code=tx_code)
        if by_value:
            return "openid-credential-offer://?credential_offer=" + quote(
                json.dumps(offer), safe=""
            )
        return "openid-credential-offer://?credential_offer_uri=" + quote(
            self.store_offer(offer), safe=""
        )

    def store_offer(self, offer: dict[str, Any]) -> str:
        offer_id = secrets.token_urlsafe(8)
        self._offers[offer_id] = offer
        return f"{self.base_url}/offers/{offer_id}"

    def paths(self, name: str) -> list[str]:
        """What the wallet asked for, by endpoint name, in order."""
        return [path for path, _ in self.requests if path == name]

    def bodies(self, name: str) -> list[Any]:
        return [body for path, body in self.requests if path == name]

    @staticmethod
    def _configuration_id(format_name: str) -> str:
        return next(key for key, value in CONFIGURATIONS.items() if value == format_name)

    # --- the app ----------------------------------------------------------------------

    def app(self) -> FastAPI:
        app = FastAPI()
        v1 = self.version == "1.0"
        metadata_path = (
            f"/.well-known/openid-credential-issuer{self.path}"
            if v1
            else f"{self.path}/.well-known/openid-credential-issuer"
        )
        app.get(metadata_path)(self._metadata)
        if v1:
            app.get(f"/.well-known/oauth-authorization-server{self.path}")(self._as_metadata)
            app.post("/nonce")(self._nonce)
        app.get("/offers/{offer_id}")(self._offer)
        app.post("/token")(self._token)
        app.post("/credential")(self._credential)
        return app

    def _configurations(self) -> dict[str, dict[str, Any]]:
        configurations: dict[str, dict[str, Any]] = {}
        for format_name in self.formats:
            configuration: dict[str, Any] = {
                "format": format_name,
                "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
                },
                "credential_definition": {
                    "type": ["VerifiableCredential", "AchievementCredential"]
                },
            }
            display = [
                {"name": f"Micro-credential ({format_name})", "locale": "en"},
                {"name": f"Microcredential ({format_name})", "locale": "de"},
            ]
            if self.version == "1.0":
                configuration["credential_metadata"] = {"display": display}
            else:
                configuration["display"] = display
            configurations[self._configuration_id(format_name)] = configuration
        return {**configurations, **self.extra_configurations}

    async def _metadata(self) -> dict[str, Any]:
        self.requests.append(("metadata", None))
        metadata: dict[str, Any] = {
            "credential_issuer": self.metadata_issuer or self.identifier,
            "credential_endpoint": f"{self.base_url}/credential",
            "display": [
                {"name": self.display_name, "locale": "en"},
                {"name": f"{self.display_name} (de)", "locale": "de"},
            ],
            "credential_configurations_supported": self._configurations(),
        }
        if self.version == "1.0":
            metadata["nonce_endpoint"] = f"{self.base_url}/nonce"
        else:
            metadata["token_endpoint"] = f"{self.base_url}/token"
        return metadata

    async def _as_metadata(self) -> dict[str, Any]:
        self.requests.append(("as-metadata", None))
        return {
            "issuer": self.identifier,
            "token_endpoint": f"{self.base_url}/token",
            "grant_types_supported": [PRE_AUTHORIZED],
            "pre-authorized_grant_anonymous_access_supported": True,
        }

    async def _offer(self, offer_id: str) -> Response:
        self.requests.append(("offer", offer_id))
        if offer_id not in self._offers:
            return _error("not_found", 404)
        return JSONResponse(self._offers[offer_id])

    async def _nonce(self) -> Response:
        self.requests.append(("nonce", None))
        nonce = secrets.token_urlsafe(16)
        self._nonces.add(nonce)
        return JSONResponse({"c_nonce": nonce}, headers={"Cache-Control": "no-store"})

    async def _token(self, request: Request) -> Response:
        form = dict(await request.form())
        self.requests.append(("token", form))
        if form.get("grant_type") != PRE_AUTHORIZED:
            return _error("unsupported_grant_type")
        code = str(form.get("pre-authorized_code", ""))
        if code not in self._codes:
            return _error("invalid_grant")
        expected_tx_code = self._codes[code]
        if (expected_tx_code is None) != ("tx_code" not in form):
            return _error("invalid_request", error_description="tx_code missing or unexpected")
        if expected_tx_code is not None and form["tx_code"] != expected_tx_code:
            return _error("invalid_grant")
        del self._codes[code]  # single use
        token = secrets.token_urlsafe(16)
        self._tokens.add(token)
        body: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "expires_in": 300}
        if self.version != "1.0":
            nonce = secrets.token_urlsafe(16)
            self._nonces.add(nonce)
            body["c_nonce"] = nonce
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def _credential(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(("credential", body))
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self._tokens:
            return _error("invalid_token", 401)
        try:
            format_name, proof = self._read_request(body)
        except ValueError as exc:
            return _error("invalid_credential_request", error_description=str(exc))
        try:
            holder_did = await self._check_proof(proof)
        except _NonceProblem:
            return self._nonce_refusal()
        except (ValueError, CredstackError) as exc:
            return _error("invalid_proof", error_description=str(exc))
        credential = micro_credential(self.bind_to or holder_did, issuer_did=self.issuer_did)
        signed = await get_format(format_name, DIDResolver()).sign_credential(
            credential, self.signer
        )
        if self.tamper:
            signed = _tampered(signed)
        if self.version == "1.0":
            return JSONResponse({"credentials": [{"credential": signed}], "notification_id": "n-1"})
        return JSONResponse({"credential": signed, "format": format_name})

    def _read_request(self, body: dict[str, Any]) -> tuple[str, str]:
        configurations = self._configurations()
        if self.version == "1.0":
            if "format" in body or "proof" in body:
                raise ValueError("a draft-13 request sent to a 1.0 issuer")
            configuration_id = body.get("credential_configuration_id")
            if configuration_id not in configurations:
                raise ValueError("unknown credential_configuration_id")
            proofs = body.get("proofs", {}).get("jwt")
            if not isinstance(proofs, list) or len(proofs) != 1:
                raise ValueError("proofs.jwt must hold one proof")
            return configurations[configuration_id]["format"], proofs[0]
        if "credential_configuration_id" in body or "proofs" in body:
            raise ValueError("a 1.0 request sent to a draft-13 issuer")
        format_name = body.get("format")
        if format_name not in self.formats or "credential_definition" not in body:
            raise ValueError("format and credential_definition are required")
        proof = body.get("proof", {})
        if proof.get("proof_type") != "jwt":
            raise ValueError("proof.proof_type must be jwt")
        return format_name, proof["jwt"]

    async def _check_proof(self, proof: str) -> str:
        header = unverified_header(proof)
        kid = header.get("kid")
        if not isinstance(kid, str) or "jwk" in header:
            raise ValueError("the proof must name its key with kid")
        public_jwk = await DIDResolver().public_jwk(kid, relationship="authentication")
        _, claims = verify_jwt(proof, public_jwk, expected_typ=PROOF_TYP)
        if claims.get("aud") != self.identifier:
            raise ValueError(f"aud is {claims.get('aud')!r}, not {self.identifier!r}")
        if not isinstance(claims.get("iat"), int) or abs(claims["iat"] - time.time()) > 300:
            raise ValueError("iat missing or not fresh")
        nonce = claims.get("nonce")
        if nonce not in self._nonces:
            raise _NonceProblem
        self._nonces.discard(nonce)
        if self.reject_first_nonce and not self._nonce_rejected:
            self._nonce_rejected = True
            raise _NonceProblem
        return kid.split("#")[0]

    def _nonce_refusal(self) -> Response:
        if self.version == "1.0":
            return _error("invalid_nonce")
        nonce = secrets.token_urlsafe(16)
        self._nonces.add(nonce)
        return _error("invalid_proof", c_nonce=nonce)


class _NonceProblem(Exception):
    pass


def _tampered(signed: Any) -> Any:
    if isinstance(signed, dict):
        signed["credentialSubject"]["achievement"]["ectsCredits"] = 60
        return signed
    header, payload, signature = signed.split(".")
    return f"{header}.{payload[:-4]}AAAA.{signature}"


# --- the double is strict ------------------------------------------------------------------


async def _token(double: IssuerDouble, **form: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{double.base_url}/token", data=form)


async def test_the_double_redeems_a_pre_authorized_code_once() -> None:
    async with IssuerDouble().running() as double:
        code = double.offer()["grants"][PRE_AUTHORIZED]["pre-authorized_code"]
        first = await _token(double, grant_type=PRE_AUTHORIZED, **{"pre-authorized_code": code})
        again = await _token(double, grant_type=PRE_AUTHORIZED, **{"pre-authorized_code": code})
    assert first.status_code == 200, first.text
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


async def test_the_double_wants_the_tx_code_when_its_offer_has_one() -> None:
    async with IssuerDouble().running() as double:
        code = double.offer(tx_code="123456")["grants"][PRE_AUTHORIZED]["pre-authorized_code"]
        missing = await _token(double, grant_type=PRE_AUTHORIZED, **{"pre-authorized_code": code})
        wrong = await _token(
            double, grant_type=PRE_AUTHORIZED, tx_code="000000", **{"pre-authorized_code": code}
        )
    assert missing.json()["error"] == "invalid_request"
    assert wrong.json()["error"] == "invalid_grant"


async def test_the_double_refuses_a_proof_for_another_audience() -> None:
    async with IssuerDouble().running() as double, httpx.AsyncClient() as client:
        nonce = (await client.post(f"{double.base_url}/nonce")).json()["c_nonce"]
        proof = sign_jwt(
            {"aud": "https://elsewhere.example", "iat": int(time.time()), "nonce": nonce},
            did_key_signer(),
            typ=PROOF_TYP,
        )
        with pytest.raises(ValueError, match="aud"):
            await double._check_proof(proof)
