"""Importing a credential file from another wallet: verified first, stored only then."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi import FastAPI

from holder.models import StoredCredential
from holder.wallet.importing import read_credential_file
from shared.credentials.formats import get_format
from shared.crypto.keys import SigningKey, generate_key
from shared.did.resolver import DIDResolver
from shared.did.web import build_did_web_document, did_web_from_url
from shared.errors import InvalidInput
from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.samples import micro_credential
from tests.holder.test_receive_api import count, stored_credentials
from tests.holder.test_receive_issuer_double import on_loopback
from tests.shared.credentials.test_microcredential_samples import did_key_signer


async def signed(
    holder_did: str, format_name: str, signer: SigningKey | None = None, **changes: Any
) -> Any:
    signer = signer or did_key_signer()
    credential = micro_credential(holder_did, issuer_did=signer.did, **changes)
    return await get_format(format_name, DIDResolver()).sign_credential(credential, signer)


async def upload(learner: SignedInLearner, content: bytes, name: str = "badge.json") -> Any:
    return await learner.api.post(
        "/api/v1/credentials/import", files={"file": (name, content, "application/octet-stream")}
    )


async def test_an_ldp_vc_file_bound_to_me_is_verified_and_stored(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    document = await signed(learner.did, "ldp_vc")
    imported = await upload(learner, json.dumps(document, indent=2).encode())
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert body["source"] == "import"
    assert body["format"] == "ldp_vc"
    assert body["summary"]["bound_to_me"] is True
    assert body["warnings"] == []
    [(record, stored)] = await stored_credentials(wallet, learner)
    assert record.source == "import"
    assert stored == document


@pytest.mark.parametrize("wrapping", ["plain", "json-string", "response"])
async def test_a_vc_jwt_file_is_recognised_and_stored(wallet: RunningWallet, wrapping: str) -> None:
    learner = await wallet.sign_up()
    jwt = await signed(learner.did, "jwt_vc_json")
    content = {
        "plain": f"{jwt}\n",
        "json-string": json.dumps(jwt),
        "response": json.dumps({"credential": jwt, "format": "jwt_vc_json"}),
    }[wrapping]
    imported = await upload(learner, content.encode(), "badge.jwt")
    assert imported.status_code == 201, imported.text
    assert imported.json()["format"] == "jwt_vc_json"
    [(_, stored)] = await stored_credentials(wallet, learner)
    assert stored == jwt


async def test_a_credential_bound_to_another_did_is_kept_with_a_warning(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    old_wallet_did = did_key_signer().did
    imported = await upload(learner, json.dumps(await signed(old_wallet_did, "ldp_vc")).encode())
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert body["summary"]["bound_to_me"] is False
    assert body["summary"]["subject_id"] == old_wallet_did
    [warning] = body["warnings"]
    assert old_wallet_did in warning
    assert "cannot present" in warning


@pytest.mark.parametrize("format_name", ["ldp_vc", "jwt_vc_json"])
async def test_a_tampered_credential_is_refused_and_nothing_is_stored(
    wallet: RunningWallet, format_name: str
) -> None:
    learner = await wallet.sign_up()
    document = await signed(learner.did, format_name)
    if isinstance(document, dict):
        tampered: Any = copy.deepcopy(document)
        tampered["credentialSubject"]["achievement"]["ectsCredits"] = 60
        content = json.dumps(tampered)
    else:
        header, payload, signature = document.split(".")
        content = f"{header}.{payload[:-4]}AAAA.{signature}"
    imported = await upload(learner, content.encode())
    assert imported.status_code == 400, imported.text
    assert imported.json()["error"] == "verification_failed"
    assert await count(wallet, StoredCredential) == 0


async def test_a_signed_credential_that_is_no_open_badge_is_refused(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    signer = did_key_signer()
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": signer.did,
        "issuanceDate": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": learner.did},
    }
    jwt = await get_format("jwt_vc_json", DIDResolver()).sign_credential(credential, signer)
    imported = await upload(learner, str(jwt).encode(), "vc.jwt")
    assert imported.status_code == 400, imported.text
    assert "Open Badges" in imported.json()["error_description"]
    assert await count(wallet, StoredCredential) == 0


async def test_a_did_web_issuer_is_resolved_through_the_wallets_client(
    wallet: RunningWallet,
) -> None:
    """A development wallet may fetch did:web:localhost%3A<port> over plain http."""
    learner = await wallet.sign_up()
    key = generate_key()
    app = FastAPI()
    served: dict[str, Any] = {}

    @app.get("/.well-known/did.json")
    async def did_json() -> dict[str, Any]:
        return served

    async with on_loopback(app) as base_url:
        did = did_web_from_url(base_url.replace("127.0.0.1", "localhost"))
        served.update(build_did_web_document(did, [("key-1", key.public_jwk())]))
        jwt = await signed(learner.did, "jwt_vc_json", SigningKey(key, f"{did}#key-1"))
        imported = await upload(learner, jwt.encode(), "badge.jwt")
    assert imported.status_code == 201, imported.text
    assert imported.json()["issuer_id"] == did


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a credential file"),
        (b"hello", "neither JSON nor a JWT"),
        (b"[1, 2]", "does not hold a credential"),
        (b'{"type": ["VerifiableCredential"], "credentialSubject": {}}', "no proof"),
        (b'{"type": ["VerifiablePresentation"], "proof": {}}', "presentation"),
        (b"eyJhbGciOiJub25lIn0.eyJ2YyI6e319.", "neither JSON nor a JWT"),  # unsigned
    ],
    ids=["binary", "text", "array", "no-proof", "presentation", "alg-none"],
)
def test_files_that_are_no_signed_credential_are_refused_with_a_reason(
    content: bytes, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason):
        read_credential_file(content)


async def test_an_oversized_file_is_refused_before_it_is_read_in_full(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    imported = await upload(learner, b" " * (1024 * 1024 + 1))
    assert imported.status_code == 400
    assert "larger than" in imported.json()["error_description"]


async def test_import_needs_a_signed_in_learner(wallet: RunningWallet) -> None:
    refused = await wallet.client.post(
        "/api/v1/credentials/import", files={"file": ("b.json", b"{}", "application/json")}
    )
    assert refused.status_code == 401
