"""Our issuer as a process for the interop tests, and what a registrar does with it.

Its public URL, and so the URL of every status list its credentials name, is the loopback
address it listens on, which the independent verifiers are allowed to fetch from.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.interop.oid4vp_wallet import IndependentHolder
from tests.support.processes import Service, award, free_port, serving


@contextmanager
def running_issuer(folder: Path) -> Iterator[Service]:
    """``credstack serve issuer`` (development mode) on a free port."""
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    with serving("issuer", folder, port, ISSUER_PUBLIC_BASE_URL=public) as service:
        yield service


async def change_status(issuer: Service, award_id: str, action: str) -> None:
    """What a registrar does in the admin API: revoke, suspend or reinstate an award."""
    token = (issuer.data_dir / "issuer-admin-token").read_text().strip()
    async with httpx.AsyncClient(base_url=issuer.base_url, timeout=30) as client:
        response = await client.post(
            f"/api/v1/awards/{award_id}/{action}",
            json={"reason": "Checked by the examinations office"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text


async def holder_with_award(
    node: str, issuer: Service, folder: Path
) -> tuple[IndependentHolder, str]:
    """A new award of the issuer's first micro-credential, received in both formats by a new
    independent holder: (holder, award id)."""
    offer = await award(issuer, tx_code=True)
    holder = IndependentHolder(node, folder)
    await holder.receive(offer["credential_offer_uri"], offer["tx_code"])
    assert sorted(holder.credentials) == ["jwt_vc_json", "ldp_vc"]
    assert holder.did is not None
    assert holder.did.startswith("did:key:z6Mk")
    [ldp_vc] = holder.credentials["ldp_vc"]
    assert ldp_vc["credentialSubject"]["id"] == holder.did  # bound to the holder's did:key
    return holder, str(offer["award_id"])
