"""An independent verifier accepts our signed ldp_vc micro-credential and rejects a tampered one.

The verifier is Digital Bazaar's ``@digitalbazaar/vc`` with ``Ed25519Signature2020``, run by
node (verify-ldp.mjs beside this file) with every JSON-LD context served from npm packages
pinned in package-lock.json: no network at run time. It expands the document in jsonld.js's
safe mode, so an undefined term in our extension context fails here too.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shared.credentials.formats import get_format
from shared.credentials.microcredential.build import StatusEntry, build_credential
from shared.did.resolver import DIDResolver
from tests.shared.credentials.test_microcredential_samples import (
    award,
    did_key_signer,
    full_award_data,
    minimal_award_data,
    online_award_data,
)
from tests.support.npm import ensure_installed

pytestmark = pytest.mark.interop

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "verify-ldp.mjs"
VERIFY_TIMEOUT = 120


@pytest.fixture(scope="session")
def node() -> str:
    """The node binary, with this folder's npm packages installed (``npm ci`` once)."""
    node = shutil.which("node")
    if node is None:
        reason = "node is needed to run the Digital Bazaar verifier"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}, and CI must run it (install Debian's nodejs and npm)")
        pytest.skip(f"{reason}; install it (e.g. apt-get install nodejs npm) to run this test")
    ensure_installed(HERE, "the interop peers")
    return node


async def verify_with_digitalbazaar(
    node: str, credential: dict[str, Any], *, status_lists_from: str | None = None
) -> dict[str, Any]:
    """Digital Bazaar's report on ``credential``; with ``status_lists_from`` (an origin), its
    status lists are fetched from there and judged too (verify-ldp.mjs)."""
    status = ["--status-lists-from", status_lists_from] if status_lists_from else []
    process = await asyncio.create_subprocess_exec(
        node,
        str(SCRIPT),
        *status,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(
        process.communicate(json.dumps(credential).encode()), VERIFY_TIMEOUT
    )
    assert process.returncode == 0, err.decode()
    report: dict[str, Any] = json.loads(out)
    return report


async def signed_ldp_vc(data: Callable[[str], dict[str, Any]], **build: Any) -> dict[str, Any]:
    issuer, holder = did_key_signer(), did_key_signer()
    credential = build_credential(award(data(issuer.did)), holder_did=holder.did, **build)
    signed = await get_format("ldp_vc", DIDResolver()).sign_credential(credential, issuer)
    assert isinstance(signed, dict)
    return signed


@pytest.mark.parametrize(
    ("sample", "build"),
    [
        (minimal_award_data, {}),
        (full_award_data, {"status": StatusEntry("https://uni.example/status/1", 40213)}),
        (online_award_data, {}),
    ],
    ids=["mandatory-only", "everything-with-status", "fractional-ects"],
)
async def test_digitalbazaar_accepts_our_signed_micro_credential(
    node: str, sample: Callable[[str], dict[str, Any]], build: dict[str, Any]
) -> None:
    signed = await signed_ldp_vc(sample, **build)
    report = await verify_with_digitalbazaar(node, signed)
    assert report == {"verified": True, "errors": []}


TAMPERINGS: dict[str, Callable[[dict[str, Any]], None]] = {
    "more ECTS": lambda c: c["credentialSubject"]["achievement"].update(ectsCredits=50),
    "higher EQF level": lambda c: c["credentialSubject"]["achievement"]["alignment"][0].update(
        targetUrl="http://data.europa.eu/snb/eqf/7"
    ),
    "another learner": lambda c: c["credentialSubject"]["identifier"][0].update(
        identityHash="Mallory"
    ),
    "a translated title": lambda c: c["credentialSubject"]["achievement"][
        "nameTranslations"
    ].update(de="Doktorgrad"),
}


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
async def test_digitalbazaar_rejects_a_tampered_copy(node: str, tampering: str) -> None:
    signed = await signed_ldp_vc(full_award_data)
    tampered = copy.deepcopy(signed)
    TAMPERINGS[tampering](tampered)
    report = await verify_with_digitalbazaar(node, tampered)
    assert report["verified"] is False
    assert report["errors"], report
