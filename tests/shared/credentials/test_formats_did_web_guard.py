"""didkit fetches did:web documents itself, outside the private-network guard; ``ldp_vc``
verification therefore fetches a did:web signer's document through the guarded client
first, and a signer whose host is private is refused before didkit fetches anything."""

from __future__ import annotations

from typing import Any

import httpx

from shared.credentials.formats.ldp_vc import LdpVc
from shared.crypto.keys import KeyAlgorithm
from shared.did.resolver import DIDResolver
from shared.http import safe_client
from tests.shared.credentials.test_formats import (
    AUDIENCE,
    NONCE,
    did_key_signer,
    ob3_credential,
    presentation_of,
)

EVIL_DID = "did:web:evil.example"


async def _private_dns(host: str, port: int) -> list[str]:
    return {"evil.example": ["10.0.0.1"]}.get(host, ["93.184.215.14"])


class RecordingTransport(httpx.AsyncBaseTransport):
    """Where a request would go if the guard let it through (it must not)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(404)


def _claimed_by_evil(document: dict[str, Any]) -> dict[str, Any]:
    """The signed document, now claiming a did:web signer on a private host."""
    forged = {**document, "proof": {**document["proof"]}}
    forged["proof"]["verificationMethod"] = f"{EVIL_DID}#key-1"
    return forged


async def test_a_did_web_signer_on_a_private_host_is_refused_before_didkit() -> None:
    inner = RecordingTransport()
    async with safe_client(resolver=_private_dns, transport=inner) as client:
        ldp = LdpVc(DIDResolver(client))
        issuer = did_key_signer(KeyAlgorithm.ED25519)
        holder = did_key_signer(KeyAlgorithm.ED25519)
        signed = await ldp.sign_credential(ob3_credential(issuer, holder), issuer)
        assert isinstance(signed, dict)

        genuine = await ldp.verify_credential(signed)
        forged_document = _claimed_by_evil(
            {**signed, "issuer": {**signed["issuer"], "id": EVIL_DID}}
        )
        forged = await ldp.verify_credential(forged_document)

        presentation = await ldp.sign_presentation(
            presentation_of(signed), holder, nonce=NONCE, audience=AUDIENCE
        )
        assert isinstance(presentation, dict)
        forged_vp = await ldp.verify_presentation(
            _claimed_by_evil({**presentation, "holder": EVIL_DID}), nonce=NONCE, audience=AUDIENCE
        )

    assert genuine.verified, genuine.problems
    for result in (forged, forged_vp):
        assert not result.verified
        assert any(
            "could not be fetched safely" in p and "evil.example" in p for p in result.problems
        ), result.problems
    assert inner.requests == []
