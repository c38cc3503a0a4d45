"""An OpenID4VCI client we did not write receives both credentials from a real issuer process.

The client is the OpenWallet Foundation's ``@openid4vc/openid4vci`` (pinned in
package-lock.json), driven by oid4vci-client.mjs beside this file: it reads the
``openid-credential-offer://`` link, the issuer and authorization server metadata, redeems
the pre-authorized code with the tx_code, takes nonces from the nonce endpoint, signs key
proofs with its own Ed25519 key and fetches each offered configuration, then notifies the
issuer. The issuer is ``credstack serve issuer`` on a free loopback port (development mode,
plain http, which the library allows with its ``allowInsecureUrls`` option), on the suite's
database backend. The award and offer are made with the issuer's core services directly in
its database: that is set-up, not the protocol under test.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from issuer.app import MIGRATIONS_DIR
from issuer.awards.offers import Offers
from issuer.awards.service import Awards, Recipient
from issuer.catalogue.service import Catalogue
from issuer.models import IssuedCredential
from issuer.oid4vci.configurations import FORMAT_OF, format_of
from issuer.settings import IssuerSettings
from shared.credentials.formats import get_format
from shared.db import session_scope
from shared.did.jwk import did_jwk_from_jwk
from shared.did.resolver import DIDResolver
from shared.runtime import open_runtime
from tests.support.processes import clean_environment, credstack_command, free_port

pytestmark = pytest.mark.interop

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "oid4vci-client.mjs"
START_TIMEOUT = 90
CLIENT_TIMEOUT = 120


@asynccontextmanager
async def running_issuer(tmp_path: Path, database_url: str) -> AsyncIterator[IssuerSettings]:
    """``credstack serve issuer`` on a free port; yields settings that reach its database."""
    port = free_port()
    settings = IssuerSettings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        public_base_url=f"http://127.0.0.1:{port}",
    )
    env = clean_environment(
        settings.data_dir,
        ISSUER_DATABASE_URL=database_url,
        ISSUER_PUBLIC_BASE_URL=settings.base_url,
    )
    log_path = tmp_path / "issuer.log"
    with log_path.open("w") as log:
        process = await asyncio.create_subprocess_exec(
            *credstack_command("serve", "issuer", "--port", str(port)),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        await _wait_until_healthy(settings.base_url, process, log_path)
        yield settings
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)


async def _wait_until_healthy(
    base_url: str, process: asyncio.subprocess.Process, log_path: Path
) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(START_TIMEOUT * 4):
            if process.returncode is not None:
                break
            try:
                if (await http.get(f"{base_url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)
    log = await asyncio.to_thread(log_path.read_text)
    pytest.fail(f"the issuer did not start:\n{log}")


async def award_offer(settings: IssuerSettings) -> tuple[str, str]:
    """An award of a demo micro-credential with a tx_code-protected offer: (link, tx_code)."""
    async with (
        open_runtime(settings, MIGRATIONS_DIR) as runtime,
        session_scope(runtime.sessions) as session,
    ):
        item = (await Catalogue(session, settings.base_url).items())[0]
        award = await Awards(session, settings.base_url).create(
            item.achievement.id, Recipient(name="Ada Lovelace", grade="A"), actor="interop"
        )
        offers = Offers(session, settings, runtime.key_encryption_key)
        new_offer = await offers.create(award, with_tx_code=True, actor="interop")
    assert new_offer.tx_code is not None
    return new_offer.links(settings)["credential_offer_uri"], new_offer.tx_code


async def run_client(node_binary: str, offer_link: str, tx_code: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        node_binary,
        str(SCRIPT),
        offer_link,
        tx_code,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), CLIENT_TIMEOUT)
    assert process.returncode == 0, err.decode()
    received: dict[str, Any] = json.loads(out)
    return received


async def test_the_openid4vc_client_receives_both_formats_bound_to_its_key(
    node: str, tmp_path: Path, database_url_for: Callable[[str], Any]
) -> None:
    async with running_issuer(tmp_path, await database_url_for("issuer")) as settings:
        offer_link, tx_code = await award_offer(settings)
        received = await run_client(node, offer_link, tx_code)
        async with (
            open_runtime(settings, MIGRATIONS_DIR) as runtime,
            session_scope(runtime.sessions) as session,
        ):
            issued = list(await session.scalars(select(IssuedCredential)))

    holder = received["holder"]
    expected_subject = {
        "did": holder["did"],  # kid = did:jwk DID URL: the DID as the wallet wrote it
        "jwk": did_jwk_from_jwk(holder["publicJwk"]),  # bare jwk: its did:jwk
    }
    credentials = received["credentials"]
    assert sorted(map(format_of, credentials)) == sorted(FORMAT_OF.values())
    assert sorted({item["binding"] for item in credentials.values()}) == ["did", "jwk"]
    for configuration_id, item in credentials.items():
        result = await get_format(format_of(configuration_id), DIDResolver()).verify_credential(
            item["credential"]
        )
        assert result.verified, (configuration_id, result.problems)
        subject = result.document["credentialSubject"]["id"]
        assert subject == expected_subject[item["binding"]], configuration_id
    assert sorted(received["notified"]) == sorted(credentials)
    assert sorted((row.format, row.holder_did) for row in issued) == sorted(
        (format_of(c), expected_subject[item["binding"]]) for c, item in credentials.items()
    )
