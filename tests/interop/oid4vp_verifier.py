"""Run the independent OpenID4VP verifier (oid4vp-verifier.mjs, on the OpenWallet
Foundation's ``@openid4vc/openid4vp``) as a local process and talk to it.

The verifier makes its authorization requests itself and reports what it received and what
its own checks concluded at ``GET /results/{id}``; tests read that and nothing else.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

SCRIPT = Path(__file__).resolve().parent / "oid4vp-verifier.mjs"
START_TIMEOUT = 60

VC_IRI = "https://www.w3.org/2018/credentials#VerifiableCredential"
OB_CREDENTIAL_IRI = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"


@dataclass(frozen=True)
class VerifierRequest:
    id: str
    link: str
    client_id: str
    nonce: str
    state: str


@dataclass
class IndependentVerifier:
    client: httpx.AsyncClient

    async def dcql_request(
        self, *formats: str, signed: bool = False, claims: list[dict[str, Any]] | None = None
    ) -> VerifierRequest:
        """A 1.0 request with one credential query per format (ids ``q_<format>``); by value
        with a ``redirect_uri:`` client id, or signed by the verifier's did:key."""
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
        prefix = "decentralized_identifier" if signed else "redirect_uri"
        return await self._create(
            {
                "dialect": "dcql",
                "client_id_prefix": prefix,
                "dcql_query": {"credentials": queries},
            }
        )

    async def pe_request(self, definition: dict[str, Any]) -> VerifierRequest:
        """A draft-era request: Presentation Exchange, ``client_id_scheme=redirect_uri``."""
        return await self._create({"dialect": "pex", "presentation_definition": definition})

    async def _create(self, body: dict[str, Any]) -> VerifierRequest:
        response = await self.client.post("/requests", json=body)
        assert response.status_code == 201, response.text
        return VerifierRequest(**response.json())

    async def results(self, request: VerifierRequest) -> dict[str, Any]:
        response = await self.client.get(f"/results/{request.id}")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


@asynccontextmanager
async def independent_verifier(
    node: str, *, status_lists_from: str | None = None
) -> AsyncIterator[IndependentVerifier]:
    """The verifier, running; with ``status_lists_from`` (an origin, e.g. our issuer's), it
    fetches the credentials' status lists from there and refuses any credential that is
    revoked, suspended or of unknown status."""
    status = ["--status-lists-from", status_lists_from] if status_lists_from else []
    process = await asyncio.create_subprocess_exec(
        node,
        str(SCRIPT),
        *status,
        cwd=SCRIPT.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        if not line:
            assert process.stderr is not None
            raise AssertionError((await process.stderr.read()).decode())
        port = json.loads(line)["port"]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield IndependentVerifier(client)
    finally:
        if process.returncode is None:
            process.terminate()
        await process.communicate()
