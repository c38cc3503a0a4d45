"""An independent holder, run as processes: it receives credentials over OpenID4VCI with the
OpenWallet Foundation's client (oid4vci-client.mjs) and presents them over OpenID4VP with
the OWF wallet library (oid4vp-wallet.mjs), both holding one did:key (holder-key.mjs) whose
private key sits in a file in the test's temporary folder.

Tests read what the scripts report: the credentials received, and for a presentation what the
wallet sent and what the verifier answered.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CLIENT = HERE / "oid4vci-client.mjs"
WALLET = HERE / "oid4vp-wallet.mjs"
RUN_TIMEOUT = 120


async def run_node(node: str, script: Path, *args: str) -> dict[str, Any]:
    """Run a script; its one line of JSON output (a failure shows the script's stderr)."""
    process = await asyncio.create_subprocess_exec(
        node,
        str(script),
        *args,
        cwd=HERE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT)
    assert process.returncode == 0, f"{script.name} failed:\n{err.decode()}"
    report: dict[str, Any] = json.loads(out)
    return report


@dataclass
class IndependentHolder:
    node: str
    folder: Path
    did: str | None = None
    # Every credential received, by format (ldp_vc: an object, jwt_vc_json: a compact JWT).
    credentials: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def key_file(self) -> Path:
        return self.folder / "holder-key.jwk"

    async def receive(self, offer_link: str, tx_code: str | None) -> dict[str, Any]:
        """Redeem an offer with the OWF client; the client's report (credentials by
        configuration id). The first offer makes the holder's key."""
        args = ["--holder-key", str(self.key_file), offer_link]
        if tx_code:
            args.append(tx_code)
        received = await run_node(self.node, CLIENT, *args)
        self.did = received["holder"]["did"]
        for item in received["credentials"].values():
            credential = item["credential"]
            fmt = "jwt_vc_json" if isinstance(credential, str) else "ldp_vc"
            self.credentials.setdefault(fmt, []).append(credential)
        return received

    async def present(self, link: str, credentials: list[Any]) -> dict[str, Any]:
        """Answer an ``openid4vp://`` request with these credentials; the wallet's report."""
        credentials_file = self.folder / "presenting.json"
        await asyncio.to_thread(credentials_file.write_text, json.dumps(credentials))
        return await run_node(
            self.node,
            WALLET,
            "--holder-key",
            str(self.key_file),
            "--credentials",
            str(credentials_file),
            link,
        )
