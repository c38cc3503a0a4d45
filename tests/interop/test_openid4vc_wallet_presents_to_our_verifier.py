"""A holder we did not write receives from our issuer and presents to our verifier.

Our issuer and our verifier run as processes (``credstack serve``). The independent holder
(oid4vp_wallet.py) receives the award's credentials from the issuer with the OpenWallet
Foundation's OpenID4VCI client, bound to its own did:key, and presents them with the OWF
OpenID4VP wallet library, Digital Bazaar's signer (ldp_vc) and jose (jwt_vc_json). The
employer makes the request through the verifier's API (``template: microcredential``, a
signed request object of a ``decentralized_identifier:`` client) and reads the outcome there.
The issuer's DID is in the verifier's trust list, as an operator would configure it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.interop.oid4vp_wallet import IndependentHolder
from tests.interop.our_issuer import change_status, holder_with_award
from tests.support.processes import Service, free_port, serving
from verifier.checks.report import CHECK_NAMES

pytestmark = pytest.mark.interop


@contextmanager
def our_verifier(folder: Path, trusted_issuer: str) -> Iterator[Service]:
    """``credstack serve verifier`` trusting one university, on its own public address."""
    trust_list = folder / "trust-list.json"
    trust_list.write_text(
        json.dumps(
            {
                "universities": [
                    {
                        "did": trusted_issuer,
                        "name": {"en": "The university under test"},
                        "country": "DE",
                        "accreditation": {"name": "Akkreditierungsrat"},
                    }
                ]
            }
        )
    )
    port = free_port()
    with serving(
        "verifier",
        folder,
        port,
        VERIFIER_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        VERIFIER_TRUST_LIST_SOURCE=str(trust_list),
    ) as service:
        yield service


@contextmanager
def employer_api(verifier: Service) -> Iterator[httpx.Client]:
    token = (verifier.data_dir / "verifier-employer-token").read_text().strip()
    with httpx.Client(
        base_url=verifier.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        yield client


def new_request(api: httpx.Client, **options: str) -> dict[str, Any]:
    """A request from the built-in template; ``options``: era, client_id_scheme."""
    created = api.post("/api/v1/requests", json={"template": "microcredential", **options})
    assert created.status_code == 201, created.text
    request: dict[str, Any] = created.json()
    assert request["status"] == "pending"
    assert request["request_uri"].startswith("openid4vp://")
    return request


def outcome(api: httpx.Client, request: dict[str, Any]) -> dict[str, Any]:
    response = api.get(f"/api/v1/requests/{request['request_id']}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def issuer_did(holder: IndependentHolder) -> str:
    named = holder.credentials["ldp_vc"][0]["issuer"]
    return str(named["id"] if isinstance(named, dict) else named)


async def present_each_format(
    holder: IndependentHolder, api: httpx.Client, **options: str
) -> dict[str, dict[str, Any]]:
    """For each format, a new request answered with that format's credential alone; what
    the wallet sent and what the verifier reports, by format."""
    exchanges = {}
    for fmt in ("ldp_vc", "jwt_vc_json"):
        request = new_request(api, **options)
        # The QR code's link as it is: a redirect_uri request cannot be signed, so the
        # verifier puts it there by value (OWF's wallet library refuses an unsecured,
        # alg "none", request object fetched by reference).
        sent = await holder.present(request["request_uri"], holder.credentials[fmt])
        assert "refused" not in sent, sent
        assert sent["request"]["client_id"] == request["client_id"]
        assert sent["response"]["status"] == 200, sent
        exchanges[fmt] = {"sent": sent, "report": outcome(api, request)}
    return exchanges


def assert_verified(report: dict[str, Any], fmt: str) -> None:
    """Verified, with every check the verifier has run and passed."""
    assert report["status"] == "verified", (fmt, report)
    assert report["verified"] is True, (fmt, report)
    checks = {check["name"]: check["outcome"] for check in report["checks"]}
    assert set(checks) == set(CHECK_NAMES), (fmt, checks)
    assert set(checks.values()) == {"passed"}, (fmt, report["checks"])
    assert len(report["credentials"]) == 1, (fmt, report["credentials"])


async def test_the_independent_holder_presents_both_formats_and_our_verifier_verifies(
    node: str,
    issuer: Service,
    tmp_path: Path,
) -> None:
    holder, _ = await holder_with_award(node, issuer, tmp_path)
    with our_verifier(tmp_path, issuer_did(holder)) as verifier, employer_api(verifier) as api:
        exchanges = await present_each_format(holder, api)

    for fmt, exchange in exchanges.items():
        request = exchange["sent"]["request"]
        assert (request["prefix"], request["signed"], request["dialect"]) == (
            "decentralized_identifier",
            True,
            "dcql",
        )
        assert_verified(exchange["report"], fmt)


@pytest.mark.parametrize(
    ("era", "client_id_scheme", "expected"),
    [
        ("1.0", "redirect_uri", ("redirect_uri", False, "dcql")),
        ("draft", "decentralized_identifier", ("decentralized_identifier", True, "pex")),
    ],
    ids=["unsigned-1.0", "draft-presentation-exchange"],
)
async def test_unsigned_and_draft_era_requests_are_answered_and_verified(
    node: str,
    issuer: Service,
    tmp_path: Path,
    era: str,
    client_id_scheme: str,
    expected: tuple[str, bool, str],
) -> None:
    holder, _ = await holder_with_award(node, issuer, tmp_path)
    with our_verifier(tmp_path, issuer_did(holder)) as verifier, employer_api(verifier) as api:
        exchanges = await present_each_format(
            holder, api, era=era, client_id_scheme=client_id_scheme
        )

    for fmt, exchange in exchanges.items():
        request = exchange["sent"]["request"]
        assert (request["prefix"], request["signed"], request["dialect"]) == expected
        assert_verified(exchange["report"], fmt)


async def test_our_verifier_refuses_a_credential_revoked_on_our_issuer(
    node: str,
    issuer: Service,
    tmp_path: Path,
) -> None:
    holder, award_id = await holder_with_award(node, issuer, tmp_path)
    await change_status(issuer, award_id, "revoke")
    with our_verifier(tmp_path, issuer_did(holder)) as verifier, employer_api(verifier) as api:
        request = new_request(api)
        sent = await holder.present(request["request_uri"], holder.credentials["ldp_vc"])
        assert "refused" not in sent, sent
        report = outcome(api, request)

    assert sent["request"]["signed"] is True, sent
    assert report["status"] == "rejected", report
    assert report["verified"] is False
    # Only the status check fails, and it fails (revoked), it is not merely "unknown".
    not_passed = {(c["name"], c["outcome"]) for c in report["checks"] if c["outcome"] != "passed"}
    assert not_passed == {("status", "failed")}, report["checks"]
