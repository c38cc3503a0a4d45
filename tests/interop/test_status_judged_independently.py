"""Revocation and suspension on our issuer, judged by implementations we did not write.

Our issuer runs as a process (``credstack serve issuer``). An independent holder receives
each credential from it with the OpenWallet Foundation's OpenID4VCI client, bound to the
holder's own did:key (oid4vp_wallet.py). Then Digital Bazaar's verifier (verify-ldp.mjs, with
``@digitalbazaar/vc-status-list``) fetches the credential's StatusList2021 lists from the
issuer over HTTP, verifies their signatures and reads the credential's bits; and the OWF
OpenID4VP wallet presents both formats to the OWF-based verifier (oid4vp-verifier.mjs),
which judges status the same way. A registrar's revoke or suspend through the admin API must
make both refuse the credential; an untouched or reinstated one must pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.interop.oid4vp_verifier import independent_verifier
from tests.interop.our_issuer import change_status, holder_with_award
from tests.interop.test_digitalbazaar_verifier import verify_with_digitalbazaar
from tests.support.processes import Service, free_port

pytestmark = pytest.mark.interop

# Where each status entry sits in our credentials (OB 3.0 allows one credentialStatus).
_MEMBER = {"revocation": "credentialStatus", "suspension": "suspensionStatus"}


@pytest.mark.parametrize(
    ("actions", "verdict", "set_bits"),
    [
        ([], "valid", []),
        (["suspend"], "suspended", ["suspension"]),
        (["suspend", "reinstate"], "valid", []),
        (["revoke"], "revoked", ["revocation"]),
        # Revocation wins; the suspension bit stays as it was (revocation is final anyway).
        (["suspend", "revoke"], "revoked", ["revocation", "suspension"]),
    ],
    ids=["untouched", "suspended", "reinstated", "revoked", "suspended-then-revoked"],
)
async def test_digitalbazaar_reads_our_status_bits(
    node: str,
    issuer: Service,
    tmp_path: Path,
    actions: list[str],
    verdict: str,
    set_bits: list[str],
) -> None:
    holder, award_id = await holder_with_award(node, issuer, tmp_path)
    [credential] = holder.credentials["ldp_vc"]
    for action in actions:
        await change_status(issuer, award_id, action)

    report = await verify_with_digitalbazaar(node, credential, status_lists_from=issuer.base_url)

    status = report["status"]
    assert status["checked"] is True
    assert status["verdict"] == verdict, report
    assert report["verified"] is (verdict == "valid"), report
    # Both entries were read from the lists our issuer serves, and exactly these bits are set.
    entries = {entry["purpose"]: entry for entry in status["entries"]}
    assert sorted(entries) == ["revocation", "suspension"]
    for purpose, entry in entries.items():
        assert entry["list"] == credential[_MEMBER[purpose]]["statusListCredential"]
        assert entry["list"].startswith(f"{issuer.base_url}/status/")
    assert sorted(p for p, entry in entries.items() if entry["set"]) == set_bits, entries
    if verdict != "valid":
        assert any(verdict in error for error in report["errors"]), report


async def test_a_status_list_from_elsewhere_is_unknown_not_valid(
    node: str,
    issuer: Service,
    tmp_path: Path,
) -> None:
    """Interop note 8: a list that cannot be fetched or verified never means "valid"."""
    holder, _ = await holder_with_award(node, issuer, tmp_path)
    [credential] = holder.credentials["ldp_vc"]
    report = await verify_with_digitalbazaar(
        node, credential, status_lists_from=f"http://127.0.0.1:{free_port()}"
    )
    assert report["verified"] is False
    assert report["status"]["verdict"] == "unknown"


async def test_the_independent_verifier_refuses_a_revoked_credential_the_holder_presents(
    node: str,
    issuer: Service,
    tmp_path: Path,
) -> None:
    holder, award_id = await holder_with_award(node, issuer, tmp_path)
    credentials = [holder.credentials["ldp_vc"][0], holder.credentials["jwt_vc_json"][0]]
    async with independent_verifier(node, status_lists_from=issuer.base_url) as verifier:
        before = await verifier.dcql_request("ldp_vc", "jwt_vc_json", signed=True)
        sent = await holder.present(before.link, credentials)
        accepted = await verifier.results(before)
        assert sent["response"]["status"] == 200, sent
        assert accepted["accepted"] is True, accepted
        statuses = {
            c["format"]: c["status"] for query in accepted["presented"].values() for c in query
        }
        assert statuses == {"ldp_vc": "valid", "jwt_vc_json": "valid"}

        await change_status(issuer, award_id, "revoke")
        after = await verifier.dcql_request("ldp_vc", "jwt_vc_json", signed=True)
        sent = await holder.present(after.link, credentials)
        refused = await verifier.results(after)

    assert sent["response"]["status"] == 400, sent
    assert refused["accepted"] is False, refused
    revoked = [error for error in refused["errors"] if "revoked" in error]
    assert len(revoked) == 2, refused  # one per format: both copies carry the award's bits
