"""`credstack demo`: the whole journey over HTTP against running services, step by step.

award (issuer) → offer → the wallet receives → an employer asks (verifier) → the wallet
presents with the learner's consent → the verifier's verdict. It calls the same APIs the
pages call, so an operator can check an installation, a laptop run or a docker deployment
alike: each step prints its time, and the first step that fails names itself and makes the
command exit non-zero.

The learner is a fresh wallet account per run (``demo+<random>@example.org``), so the demo
never touches a real learner's wallet.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from shared.settings import public_url_of

VERDICT_TIMEOUT_SECONDS = 30.0
TEMPLATE = "microcredential"


class StepFailed(Exception):
    """A step of the journey did not do what it should; the message says what happened."""


@dataclass
class Endpoints:
    issuer: str
    wallet: str
    verifier: str
    issuer_token: str
    verifier_token: str

    @classmethod
    def from_data_dir(
        cls,
        data_dir: Path,
        *,
        issuer: str | None = None,
        wallet: str | None = None,
        verifier: str | None = None,
        issuer_token: str | None = None,
        verifier_token: str | None = None,
    ) -> Endpoints:
        """URLs from the arguments or the services' public-URL settings; tokens from the
        arguments or, on a development node, the files the services wrote."""
        return cls(
            issuer=(issuer or public_url_of("issuer")).rstrip("/"),
            wallet=(wallet or public_url_of("holder")).rstrip("/"),
            verifier=(verifier or public_url_of("verifier")).rstrip("/"),
            issuer_token=issuer_token or _token_file(data_dir, "issuer-admin-token", "issuer"),
            verifier_token=verifier_token
            or _token_file(data_dir, "verifier-employer-token", "verifier"),
        )


def _token_file(data_dir: Path, name: str, service: str) -> str:
    path = data_dir / name
    if not path.is_file():
        raise StepFailed(
            f"No {service} token given and none in {path}: pass --{service}-token "
            f"(or CREDSTACK_{service.upper()}_TOKEN) for a node that is not a local "
            "development one."
        )
    return path.read_text().strip()


@dataclass
class Journey:
    """The state the steps hand on to each other."""

    endpoints: Endpoints
    say: Callable[[str], None] = print
    facts: dict[str, Any] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        except httpx.HTTPError as exc:
            raise StepFailed(f"{title}: could not reach the service ({exc}).") from exc
        except StepFailed as exc:
            raise StepFailed(f"{title}: {exc}") from exc
        elapsed = time.perf_counter() - started
        self.timings.append((title, elapsed))
        self.say(f"  ok  {title}  ({elapsed * 1000:.0f} ms)")


def _expect(response: httpx.Response, *codes: int) -> Any:
    if response.status_code not in codes:
        try:
            body = response.json()
            detail = body.get("error_description") or body.get("error") or response.text
        except ValueError:
            detail = response.text[:300]
        raise StepFailed(
            f"{response.request.method} {response.url.path} answered "
            f"{response.status_code}: {detail}"
        )
    return response.json() if response.content else None


def run_demo(endpoints: Endpoints, say: Callable[[str], None] = print) -> Journey:
    """Run every step; raises StepFailed naming the first that fails."""
    journey = Journey(endpoints, say)
    e = endpoints
    issuer_auth = {"Authorization": f"Bearer {e.issuer_token}"}
    verifier_auth = {"Authorization": f"Bearer {e.verifier_token}"}
    with httpx.Client(timeout=30) as http:
        for name, url in (("issuer", e.issuer), ("wallet", e.wallet), ("verifier", e.verifier)):
            with journey.step(f"{name} is up at {url}"):
                _expect(http.get(f"{url}/healthz"), 200)

        with journey.step("the registrar awards a micro-credential"):
            achievements = _expect(
                http.get(f"{e.issuer}/api/v1/achievements", headers=issuer_auth), 200
            )
            if not achievements:
                raise StepFailed("the issuer's catalogue is empty; add a micro-credential first.")
            learner_email = f"demo+{secrets.token_hex(4)}@example.org"
            offer = _expect(
                http.post(
                    f"{e.issuer}/api/v1/awards",
                    headers=issuer_auth,
                    json={
                        "achievement_id": achievements[0]["id"],
                        "name": "Demo Learner",
                        "email": learner_email,
                    },
                ),
                201,
            )
            journey.facts.update(award_id=offer["award_id"], learner_email=learner_email)

        with journey.step("the learner opens a wallet account"):
            password = secrets.token_urlsafe(16)
            _expect(
                http.post(
                    f"{e.wallet}/api/v1/accounts",
                    json={
                        "email": learner_email,
                        "password": password,
                        "display_name": "Demo Learner",
                    },
                ),
                201,
            )
            login = _expect(
                http.post(
                    f"{e.wallet}/api/v1/sessions",
                    json={"email": learner_email, "password": password},
                ),
                201,
            )
            learner_auth = {"Authorization": f"Bearer {login['token']}"}

        with journey.step("the wallet opens the offer"):
            pending = _expect(
                http.post(
                    f"{e.wallet}/api/v1/offers",
                    headers=learner_auth,
                    json={"offer_uri": offer["credential_offer_uri"]},
                ),
                201,
            )

        with journey.step("the learner accepts; the wallet receives the credential"):
            received = _expect(
                http.post(
                    f"{e.wallet}/api/v1/offers/{pending['id']}/accept",
                    headers=learner_auth,
                    json={"tx_code": offer.get("tx_code")},
                ),
                201,
            )
            journey.facts["credential_id"] = received["id"]

        with journey.step(f"the employer creates a request (template {TEMPLATE})"):
            request = _expect(
                http.post(
                    f"{e.verifier}/api/v1/requests",
                    headers=verifier_auth,
                    json={"template": TEMPLATE},
                ),
                201,
            )
            journey.facts["request_id"] = request["request_id"]

        with journey.step("the wallet opens the employer's request"):
            opened = _expect(
                http.post(
                    f"{e.wallet}/api/v1/presentation-requests",
                    headers=learner_auth,
                    json={"link": request["request_uri"]},
                ),
                201,
            )
            selections = _selections(opened, received["id"])

        with journey.step("the learner consents; the wallet presents"):
            outcome = _expect(
                http.post(
                    f"{e.wallet}/api/v1/presentation-requests/{opened['id']}/share",
                    headers=learner_auth,
                    json={"selections": selections},
                ),
                200,
            )
            if outcome.get("status") != "sent":
                raise StepFailed(
                    f"the wallet says {outcome.get('status')}: {outcome.get('error_description')}"
                )

        with journey.step("the verifier's verdict: verified"):
            result = _verdict(http, e.verifier, request["request_id"], verifier_auth)
            journey.facts["checks"] = result.get("checks", [])
            for check in result.get("checks", []):
                title = check.get("title") or check.get("name")
                say(f"        {check.get('outcome', '?'):<15} {title}")
            if result.get("status") != "verified":
                failed = [
                    f"{c.get('name')}: {c.get('reason')}"
                    for c in result.get("checks", [])
                    if c.get("outcome") not in ("passed", "not_applicable")
                ]
                raise StepFailed(
                    f"the verifier says {result.get('status')}"
                    + (f" ({'; '.join(failed)})" if failed else "")
                )
    return journey


def _selections(opened: dict[str, Any], credential_id: str) -> dict[str, str]:
    picks = {}
    for query in opened.get("queries", []):
        ids = [match["id"] for match in query.get("matches", [])]
        if credential_id in ids:
            picks[query["id"]] = credential_id
        elif query.get("required") and ids:
            picks[query["id"]] = ids[0]
    if not picks:
        raise StepFailed("the wallet found no credential that answers the request.")
    return picks


def _verdict(
    http: httpx.Client, verifier: str, request_id: str, auth: dict[str, str]
) -> dict[str, Any]:
    deadline = time.monotonic() + VERDICT_TIMEOUT_SECONDS
    while True:
        result: dict[str, Any] = _expect(
            http.get(f"{verifier}/api/v1/requests/{request_id}", headers=auth), 200
        )
        if result.get("status") != "pending" or time.monotonic() > deadline:
            return result
        time.sleep(0.2)
