"""Our wallet receives a credential from an OpenID4VCI issuer we did not write.

The issuer is oid4vci-issuer.mjs beside this file: the OpenWallet Foundation's
``@openid4vc/openid4vci`` and ``@openid4vc/oauth2`` issuer side (pinned in package-lock.json)
behind a small node:http server, run as its own process on a free loopback port. It issues
an Open Badges 3.0 credential as ``jwt_vc_json``, signed by a did:jwk key the script
generates. The wallet runs in-process in development mode (loopback allowed) and talks to
the issuer only over HTTP, through its guarded client; the credential it stores must verify
with our shared formats and be bound to the learner's DID.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from holder.app import create_app
from holder.settings import HolderSettings
from shared.credentials.formats import get_format
from shared.did.resolver import DIDResolver
from tests.holder.conftest import BASE_URL, RunningWallet
from tests.holder.test_receive_api import stored_credentials
from tests.support.apps import serving

pytestmark = pytest.mark.interop

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "oid4vci-issuer.mjs"
START_TIMEOUT = 60


@pytest.fixture
def independent_issuer(node: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The node issuer, running; yields what it printed: its URL, DID, offers and tx_code."""
    log = (tmp_path / "issuer.log").open("w")
    process = subprocess.Popen(
        [node, str(SCRIPT)], cwd=HERE, stdout=subprocess.PIPE, stderr=log, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the script prints one line once it listens
        assert line, f"the issuer did not start:\n{(tmp_path / 'issuer.log').read_text()}"
        yield json.loads(line)
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
        log.close()
        print((tmp_path / "issuer.log").read_text())  # shown when a test fails


@pytest.fixture
async def wallet(
    database_url_for: Callable[[str], Any], data_dir: Path
) -> AsyncIterator[RunningWallet]:
    settings = HolderSettings(
        data_dir=data_dir,
        database_url=await database_url_for("holder"),
        public_base_url=BASE_URL,
    )
    app = create_app(settings)
    async with serving(app, base_url=BASE_URL) as client, AsyncExitStack() as stack:
        yield RunningWallet(app, client, settings, stack)


@pytest.mark.parametrize("offer", ["plain", "pin"])
async def test_the_wallet_receives_from_the_openid4vc_issuer_and_the_credential_verifies(
    wallet: RunningWallet, independent_issuer: dict[str, Any], offer: str
) -> None:
    learner = await wallet.sign_up()
    opened = await learner.api.post(
        "/api/v1/offers", json={"offer_uri": independent_issuer["offers"][offer]}
    )
    assert opened.status_code == 201, opened.text
    pending = opened.json()
    assert pending["issuer"]["name"] == "Independent Test Academy"
    assert pending["issuer"]["id"] == independent_issuer["issuer"]
    assert pending["receiving"]["format"] == "jwt_vc_json"
    assert pending["protocol_version"] == "1.0"
    assert pending["tx_code_required"] is (offer == "pin")
    body = {"tx_code": independent_issuer["tx_code"]} if offer == "pin" else {}
    accepted = await learner.api.post(f"/api/v1/offers/{pending['id']}/accept", json=body)
    assert accepted.status_code == 201, accepted.text
    received = accepted.json()
    assert received["issuer_id"] == independent_issuer["issuer_did"]
    assert received["summary"]["title"] == {"und": "Open Source Contributor"}
    assert received["summary"]["field_of_study"] == "Software engineering"
    assert received["summary"]["bound_to_me"] is True

    [(record, document)] = await stored_credentials(wallet, learner)
    assert record.source == "oid4vci"
    result = await get_format("jwt_vc_json", DIDResolver()).verify_credential(document)
    assert result.verified, result.problems
    assert result.document["credentialSubject"]["id"] == learner.did
    assert result.signer is not None
    assert result.signer.startswith(independent_issuer["issuer_did"])


async def test_the_openid4vc_issuer_refuses_a_wrong_tx_code_and_nothing_is_stored(
    wallet: RunningWallet, independent_issuer: dict[str, Any]
) -> None:
    learner = await wallet.sign_up()
    opened = await learner.api.post(
        "/api/v1/offers", json={"offer_uri": independent_issuer["offers"]["pin"]}
    )
    wrong = "".join(str((int(d) + 1) % 10) for d in independent_issuer["tx_code"])
    refused = await learner.api.post(
        f"/api/v1/offers/{opened.json()['id']}/accept", json={"tx_code": wrong}
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_grant"
    assert await stored_credentials(wallet, learner) == []
