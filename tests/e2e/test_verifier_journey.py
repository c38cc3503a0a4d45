"""Our issuer, our wallet and our verifier as real processes: what is verified, what is refused.

Three issuer nodes stand for three universities: A and C are on the verifier's trust list, B
is not; C is stopped before its credential is presented, so its status list cannot be
fetched. A fourth "university" signs one credential in the test itself (a did:key on the
trust list) to give it a validity period that is already over. Our wallet receives and
presents as a learner does; a hand-made wallet (tests/support/wallet_double.py) does what
ours never would: tamper with a claim, present for another verifier, present someone else's
credential, replay a response.

The revocation and suspension are made before the verifier reads any status list, so that
what it caches (honouring the issuer's Cache-Control) already says so.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.credentials.formats import get_format
from shared.credentials.microcredential.i18n import LocalizedText
from shared.crypto.keys import SigningKey
from shared.did.resolver import DIDResolver
from tests.shared.credentials.test_microcredential_samples import did_key_signer
from tests.support.credentials import micro_credential
from tests.support.processes import Service, free_port, serving
from tests.support.wallet_double import (
    VerifierRequest,
    new_holder_key,
    post_response,
    presentation,
    receive,
)
from verifier.trust.document import merge_into_file
from verifier.trust.entries import TrustedIssuer

pytestmark = pytest.mark.slow

LDP = "ldp_vc"


@dataclass
class Issuer:
    service: Service
    did: str
    achievements: list[dict[str, Any]]

    @property
    def admin(self) -> dict[str, str]:
        token = (self.service.data_dir / "issuer-admin-token").read_text().strip()
        return {"Authorization": f"Bearer {token}"}

    def award(self, index: int = 0) -> dict[str, Any]:
        made = httpx.post(
            f"{self.service.base_url}/api/v1/awards",
            headers=self.admin,
            json={
                "achievement_id": self.achievements[index]["id"],
                "name": "Maria Muster",
                "email": "maria@example.org",
            },
            timeout=30,
        )
        assert made.status_code == 201, made.text
        offer: dict[str, Any] = made.json()
        return offer

    def change_status(self, award_id: str, action: str) -> None:
        answer = httpx.post(
            f"{self.service.base_url}/api/v1/awards/{award_id}/{action}",
            headers=self.admin,
            json={"reason": "test"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text


@dataclass
class Wallet:
    service: Service
    auth: dict[str, str]

    def receive(self, offer: dict[str, Any]) -> str:
        url = self.service.base_url
        opened = httpx.post(
            f"{url}/api/v1/offers",
            headers=self.auth,
            json={"offer_uri": offer["credential_offer_uri"]},
            timeout=30,
        )
        assert opened.status_code == 201, opened.text
        accepted = httpx.post(
            f"{url}/api/v1/offers/{opened.json()['id']}/accept",
            headers=self.auth,
            json={"tx_code": None},
            timeout=60,
        )
        assert accepted.status_code == 201, accepted.text
        return str(accepted.json()["id"])

    def share(self, link: str, *credential_ids: str) -> None:
        url = self.service.base_url
        opened = httpx.post(
            f"{url}/api/v1/presentation-requests",
            headers=self.auth,
            json={"link": link},
            timeout=30,
        )
        assert opened.status_code == 201, opened.text
        selections: dict[str, list[str]] = {}
        for query in opened.json()["queries"]:
            offered = {match["id"] for match in query["matches"]}
            picked = [c for c in credential_ids if c in offered]
            if picked:
                selections[query["id"]] = picked
        assert selections, opened.json()
        shared = httpx.post(
            f"{url}/api/v1/presentation-requests/{opened.json()['id']}/share",
            headers=self.auth,
            json={"selections": selections},
            timeout=60,
        )
        assert shared.status_code == 200, shared.text


@dataclass
class Verifier:
    service: Service
    auth: dict[str, str]

    def request(self, **body: Any) -> dict[str, Any]:
        made = httpx.post(
            f"{self.service.base_url}/api/v1/requests",
            headers=self.auth,
            json=body or {"template": "microcredential"},
            timeout=30,
        )
        assert made.status_code == 201, made.text
        request: dict[str, Any] = made.json()
        return request

    def result(self, request_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while True:
            answer = httpx.get(
                f"{self.service.base_url}/api/v1/requests/{request_id}",
                headers=self.auth,
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
            result: dict[str, Any] = answer.json()
            if result["status"] != "pending" or time.monotonic() > deadline:
                return result
            time.sleep(0.2)


@dataclass
class Hooks:
    """A real HTTP receiver for the verifier's webhooks: it answers 500 to the very first
    delivery and 200 after that, and keeps what it was sent."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)

    @contextmanager
    def running(self) -> Iterator[Hooks]:
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = 500 if not hooks.received else 200
                hooks.received.append(
                    ({k.lower(): v for k, v in self.headers.items()}, body, status)
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        port = free_port()
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{port}/hooks"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


@dataclass
class Journey:
    a: Issuer
    b: Issuer
    c: Issuer
    wallet: Wallet
    verifier: Verifier
    hooks: Hooks
    webhook_secret: str
    ours: dict[str, str]  # credential ids in our wallet, by role
    double_key: SigningKey  # the hand-made wallet's key
    double_credential: dict[str, Any]  # from issuer A, bound to double_key
    expired_credential: dict[str, Any]  # by the test's own issuer, bound to double_key


def _issuer(stack: ExitStack, tmp: Path, name: str) -> Issuer:
    service = stack.enter_context(serving("issuer", tmp / name, free_port()))
    token = (service.data_dir / "issuer-admin-token").read_text().strip()
    auth = {"Authorization": f"Bearer {token}"}
    organisations = httpx.get(f"{service.base_url}/api/v1/organisations", headers=auth).json()
    achievements = httpx.get(f"{service.base_url}/api/v1/achievements", headers=auth).json()
    return Issuer(service, organisations[0]["did"], achievements)


def _trust(path: Path, did: str, name: str) -> None:
    merge_into_file(
        path,
        TrustedIssuer(
            did=did,
            name=LocalizedText.model_validate({"en": name}),
            country="DE",
            accreditation="Test accreditation agency",
        ),
    )


async def _expired_credential(holder_did: str) -> dict[str, Any]:
    signer = did_key_signer()
    credential = micro_credential(holder_did, issuer_did=signer.did)
    credential["issuanceDate"] = "2020-01-01T00:00:00Z"
    credential["expirationDate"] = "2021-01-01T00:00:00Z"
    signed: dict[str, Any] = await get_format(LDP, DIDResolver()).sign_credential(
        credential, signer
    )
    return signed


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    tmp = tmp_path_factory.mktemp("verifier-journey")
    with ExitStack() as stack:
        for name in ("a", "b", "c"):
            (tmp / name).mkdir()
        a, b, c = (_issuer(stack, tmp, name) for name in ("a", "b", "c"))
        wallet_service = stack.enter_context(serving("holder", tmp, free_port()))

        double_key = new_holder_key()
        expired = asyncio.run(_expired_credential(double_key.did))
        trust_list = tmp / "trust-list.json"
        _trust(trust_list, a.did, "University A")
        _trust(trust_list, c.did, "University C")
        _trust(trust_list, expired["issuer"]["id"], "University H")

        hooks = stack.enter_context(Hooks().running())
        verifier_service = stack.enter_context(
            serving(
                "verifier",
                tmp,
                free_port(),
                VERIFIER_TRUST_LIST_SOURCE=str(trust_list),
                VERIFIER_WEBHOOK_RETRY_BASE_SECONDS="0.5",
                VERIFIER_WEBHOOK_POLL_SECONDS="0.2",
            )
        )
        token = (verifier_service.data_dir / "verifier-employer-token").read_text().strip()
        verifier = Verifier(verifier_service, {"Authorization": f"Bearer {token}"})
        endpoint = httpx.post(
            f"{verifier_service.base_url}/api/v1/webhooks", headers=verifier.auth,
            json={"url": hooks.url},
        )  # fmt: skip
        assert endpoint.status_code == 201, endpoint.text

        email, password = "ana@example.org", "a long enough password"
        signed_up = httpx.post(
            f"{wallet_service.base_url}/api/v1/accounts",
            json={"email": email, "password": password, "display_name": "Ana"},
            timeout=30,
        )
        assert signed_up.status_code == 201, signed_up.text
        login = httpx.post(
            f"{wallet_service.base_url}/api/v1/sessions",
            json={"email": email, "password": password},
            timeout=30,
        )
        wallet = Wallet(wallet_service, {"Authorization": f"Bearer {login.json()['token']}"})

        ours: dict[str, str] = {}
        for role, issuer, index in (
            ("valid", a, 0),
            ("second", a, 1),
            ("revoked", a, 0),
            ("suspended", a, 0),
            ("untrusted", b, 0),
            ("unreachable", c, 0),
        ):
            offer = issuer.award(index)
            ours[role] = wallet.receive(offer)
            ours[f"{role}.award"] = offer["award_id"]
        a.change_status(ours["revoked.award"], "revoke")
        a.change_status(ours["suspended.award"], "suspend")
        double_credential = receive(
            a.award()["credential_offer_uri"], double_key, f"MicroCredential_{LDP}"
        )
        yield Journey(
            a, b, c, wallet, verifier, hooks, endpoint.json()["secret"], ours, double_key,
            double_credential, expired,
        )  # fmt: skip


def _outcomes(result: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for check in result["checks"]:
        found.setdefault(check["name"], set()).add(check["outcome"])
    return found


def _refused_by(result: dict[str, Any], *names: str) -> None:
    """Not verified, and each named check is among those that did not pass."""
    assert result["status"] == "rejected", result
    assert result["verified"] is False
    not_passed = {c["name"] for c in result["checks"] if c["outcome"] in ("failed", "unknown")}
    for name in names:
        assert name in not_passed, (name, result["checks"])
    for check in result["checks"]:
        assert check["reason"], check  # every check says why, in words


def test_a_valid_presentation_is_verified_with_every_check_passed(journey: Journey) -> None:
    request = journey.verifier.request()
    journey.wallet.share(request["request_uri"], journey.ours["valid"])
    result = journey.verifier.result(request["request_id"])
    assert result["status"] == "verified", result["checks"]
    outcomes = _outcomes(result)
    for name in (
        "response", "presentation_signature", "nonce", "audience", "holder_binding",
        "credential_signature", "trusted_issuer", "status", "validity_dates",
        "credential_shape", "constraints",
    ):  # fmt: skip
        assert outcomes.get(name) == {"passed"}, (name, result["checks"])
    # The issuer's name comes from the trust list, never from the credential.
    assert "University A" in json.dumps(result["credentials"])


def test_a_revoked_credential_is_refused_by_its_status(journey: Journey) -> None:
    request = journey.verifier.request()
    journey.wallet.share(request["request_uri"], journey.ours["revoked"])
    result = journey.verifier.result(request["request_id"])
    _refused_by(result, "status")
    assert "revoked" in json.dumps(result["checks"]).lower()


def test_a_suspended_credential_is_refused_by_its_status(journey: Journey) -> None:
    request = journey.verifier.request()
    journey.wallet.share(request["request_uri"], journey.ours["suspended"])
    result = journey.verifier.result(request["request_id"])
    _refused_by(result, "status")
    assert "suspended" in json.dumps(result["checks"]).lower()


def test_an_issuer_outside_the_trust_list_is_refused(journey: Journey) -> None:
    request = journey.verifier.request()
    journey.wallet.share(request["request_uri"], journey.ours["untrusted"])
    result = journey.verifier.result(request["request_id"])
    _refused_by(result, "trusted_issuer")
    assert "unknown issuer" in json.dumps(result).lower()


def test_a_status_list_that_cannot_be_fetched_makes_the_status_unknown(
    journey: Journey,
) -> None:
    journey.c.service.stop()
    request = journey.verifier.request()
    journey.wallet.share(request["request_uri"], journey.ours["unreachable"])
    result = journey.verifier.result(request["request_id"])
    _refused_by(result, "status")
    status = [c for c in result["checks"] if c["name"] == "status"]
    assert {c["outcome"] for c in status} == {"unknown"}, status


def test_an_expired_credential_is_refused_by_its_dates(journey: Journey) -> None:
    request = journey.verifier.request(template="microcredential")
    asked = VerifierRequest.fetch(request["request_uri"])
    vp = asyncio.run(
        presentation(
            [journey.expired_credential], journey.double_key, LDP,
            nonce=asked.nonce, audience=asked.client_id,
        )
    )  # fmt: skip
    assert post_response(asked, {asked.query_ids[LDP]: [vp]}).status_code == 200
    _refused_by(journey.verifier.result(request["request_id"]), "validity_dates")


def _double_answers(
    journey: Journey,
    credential: dict[str, Any],
    *,
    key: SigningKey | None = None,
    audience: str | None = None,
) -> tuple[VerifierRequest, Any, dict[str, Any]]:
    request = journey.verifier.request()
    asked = VerifierRequest.fetch(request["request_uri"])
    vp = asyncio.run(
        presentation(
            [credential], key or journey.double_key, LDP,
            nonce=asked.nonce, audience=audience or asked.client_id,
        )
    )  # fmt: skip
    answer = post_response(asked, {asked.query_ids[LDP]: [vp]})
    assert answer.status_code == 200, answer.text
    return asked, vp, journey.verifier.result(request["request_id"])


def test_the_hand_made_wallet_itself_is_verified_when_honest(journey: Journey) -> None:
    """The control for the refusals below: the same wallet, the same credential, no trick."""
    _, _, result = _double_answers(journey, journey.double_credential)
    assert result["status"] == "verified", result["checks"]


def test_a_tampered_claim_breaks_the_credential_signature(journey: Journey) -> None:
    tampered = copy.deepcopy(journey.double_credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Doctorate in Everything"
    _, _, result = _double_answers(journey, tampered)
    _refused_by(result, "credential_signature")


def test_a_presentation_made_for_another_verifier_is_refused(journey: Journey) -> None:
    _, _, result = _double_answers(
        journey, journey.double_credential,
        audience="decentralized_identifier:did:web:other-verifier.example",
    )  # fmt: skip
    _refused_by(result, "audience")


def test_someone_elses_credential_is_refused_by_holder_binding(journey: Journey) -> None:
    _, _, result = _double_answers(journey, journey.double_credential, key=new_holder_key())
    _refused_by(result, "holder_binding")


def test_a_replayed_response_is_refused(journey: Journey) -> None:
    asked, vp, result = _double_answers(journey, journey.double_credential)
    assert result["status"] == "verified"
    # The same response again: the request takes one answer only, and keeps its result.
    again = post_response(asked, {asked.query_ids[LDP]: [vp]})
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"
    assert journey.verifier.result(result["request_id"])["status"] == "verified"
    # The same presentation for a new request: its nonce is the old one.
    fresh_request = journey.verifier.request()
    fresh = VerifierRequest.fetch(fresh_request["request_uri"])
    answer = post_response(fresh, {fresh.query_ids[LDP]: [vp]})
    assert answer.status_code == 200, answer.text
    _refused_by(journey.verifier.result(fresh_request["request_id"]), "nonce")


def _ects(journey: Journey, index: int) -> float:
    return float(journey.a.achievements[index]["ects"])


def test_fewer_ects_than_asked_in_one_credential_is_refused(journey: Journey) -> None:
    request = journey.verifier.request(
        constraints={"purpose": "Hiring", "min_ects_per_credential": _ects(journey, 0) + 1}
    )
    journey.wallet.share(request["request_uri"], journey.ours["valid"])
    result = journey.verifier.result(request["request_id"])
    _refused_by(result, "constraints")
    assert "ECTS" in json.dumps(result["checks"])


def test_ects_are_summed_across_two_credentials(journey: Journey) -> None:
    total = _ects(journey, 0) + _ects(journey, 1)
    both = (journey.ours["valid"], journey.ours["second"])

    enough = journey.verifier.request(constraints={"purpose": "Hiring", "min_ects_total": total})
    journey.wallet.share(enough["request_uri"], *both)
    assert journey.verifier.result(enough["request_id"])["status"] == "verified"

    too_few = journey.verifier.request(
        constraints={"purpose": "Hiring", "min_ects_total": total + 1}
    )
    journey.wallet.share(too_few["request_uri"], *both)
    result = journey.verifier.result(too_few["request_id"])
    _refused_by(result, "constraints")
    assert "ECTS" in json.dumps(result["checks"])


def test_each_result_fires_one_signed_webhook_that_survives_a_failed_delivery(
    journey: Journey,
) -> None:
    request = journey.verifier.request()
    journey.wallet.share(request["request_uri"], journey.ours["valid"])
    assert journey.verifier.result(request["request_id"])["status"] == "verified"
    deadline = time.monotonic() + 30
    mine: list[tuple[dict[str, str], bytes, int]] = []
    while time.monotonic() < deadline:
        mine = [r for r in journey.hooks.received if request["request_id"].encode() in r[1]]
        if any(status == 200 for _, _, status in mine):
            break
        time.sleep(0.2)
    delivered = [r for r in mine if r[2] == 200]
    assert len(delivered) == 1, mine
    # Every result so far got exactly one successful delivery, each with its own event id.
    events = [h["credstack-event-id"] for h, _, status in journey.hooks.received if status == 200]
    assert len(events) == len(set(events))
    # The very first delivery of this verifier was answered 500: it came again, once, and
    # was then taken.
    first_headers, _, first_status = journey.hooks.received[0]
    assert first_status == 500
    assert events.count(first_headers["credstack-event-id"]) == 1
    headers, body, _ = delivered[0]
    parts = dict(item.split("=", 1) for item in headers["credstack-signature"].split(","))
    expected = hmac.new(
        journey.webhook_secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    payload = json.loads(body)
    assert payload["status"] == "verified"
    assert abs(int(parts["t"]) - datetime.now(UTC).timestamp()) < timedelta(minutes=5).seconds
