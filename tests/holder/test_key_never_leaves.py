"""After sign-up, log-in, receiving from our issuer, looking around, presenting to a verifier,
exporting and backing up, no byte of the learner's private key appears in any HTTP response,
in the logs, or unencrypted in the database.

The journey is a list of steps, each an ``async def step(journey)`` that drives the wallet
over HTTP with the learner's clients (``journey.learner.api`` / ``.browser``) or any client
from ``wallet.new_client()``: every response those clients receive lands in
``wallet.responses`` and is scanned at the end, together with everything logged (DEBUG,
SQL included) and the database's bytes. Whatever the wallet sends to another service goes
into ``journey.sent`` and is scanned too: every request of its outbound client (method,
URL, headers, body: the proof of possession to the issuer, the presentation to the
verifier), and what the verifier reports it received.

The other services are real: our issuer runs as its own process (``credstack serve
issuer``), the verifier is the OpenID4VP verifier we did not write
(tests/interop/oid4vp-verifier.mjs); the in-process wallet reaches both over loopback HTTP,
as a development wallet may.

To add a flow: write a step below, add the fixtures it needs to the test's parameters and
keep them on ``journey.extras``, and call the step in the test.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from holder.models import Base, Learner
from holder.pages.common import CSRF_FIELD
from shared.crypto.backup import open_backup
from shared.crypto.jose import verify_jwt
from shared.crypto.keys import PrivateKey, generate_key
from tests.holder.conftest import PASSWORD, RunningWallet, SignedInLearner
from tests.holder.samples import micro_credential
from tests.holder.test_share_independent_verifier import (  # noqa: F401 (verifier: the fixture)
    open_and_share,
    verifier,
)
from tests.interop.oid4vp_verifier import IndependentVerifier
from tests.interop.test_digitalbazaar_verifier import node  # noqa: F401 (the fixture)
from tests.shared.crypto.test_no_plaintext_keys import encodings_of_private_key
from tests.support.processes import Service, award, free_port, serving

EMAIL = "keyholder@example.org"
PASSPHRASE = "a passphrase long enough to use"
PROOF_TYP = "openid4vci-proof+jwt"


@dataclass
class Journey:
    wallet: RunningWallet
    learner: SignedInLearner | None = None
    sent: list[bytes] = field(default_factory=list)  # what the wallet sent to other services
    outbound: list[httpx.Request] = field(default_factory=list)  # its outbound requests
    extras: dict[str, Any] = field(default_factory=dict)  # fixtures later steps need

    @property
    def me(self) -> SignedInLearner:
        assert self.learner is not None, "sign up first"
        return self.learner


@pytest.fixture
def our_issuer(tmp_path: Path) -> Iterator[Service]:
    """Our issuer as its own process, with the demo catalogue, on a free loopback port."""
    with serving("issuer", tmp_path, free_port()) as issuer:
        yield issuer


def watch_outbound(journey: Journey) -> None:
    """Every request the wallet's one outbound client makes (runtime.http: offers, metadata,
    tokens, credentials, request objects, responses to verifiers) is kept, and its method,
    URL, headers and body go into ``journey.sent``. Watching only: nothing is changed."""

    async def keep(request: httpx.Request) -> None:
        body = await request.aread()
        journey.outbound.append(request)
        journey.sent.append(
            f"{request.method} {request.url}\n{json.dumps(dict(request.headers))}\n".encode() + body
        )

    journey.wallet.runtime.http.event_hooks["request"].append(keep)


def proofs_sent(journey: Journey) -> list[str]:
    """The OpenID4VCI 1.0 key proofs (``proofs.jwt``) in the wallet's credential requests."""
    proofs: list[str] = []
    for request in journey.outbound:
        try:
            body = json.loads(request.content)
        except ValueError:
            continue  # a form or an empty body: not a credential request
        if isinstance(body, dict) and isinstance(body.get("proofs"), dict):
            proofs.extend(body["proofs"].get("jwt", []))
    return proofs


# --- steps ---------------------------------------------------------------------------------


async def sign_up_and_log_in(journey: Journey) -> None:
    """On the pages (cookie), then over the API (bearer token)."""
    wallet = journey.wallet
    browser = await wallet.new_client(headers={"Accept": "text/html"})
    form = await browser.get("/signup")
    token = re.search(rf'name="{CSRF_FIELD}" value="([0-9a-f]+)"', form.text)
    assert token
    signed_up = await browser.post(
        "/signup",
        data={"email": EMAIL, "password": PASSWORD, "display_name": "K", CSRF_FIELD: token[1]},
    )
    assert signed_up.status_code == 303, signed_up.text
    session = await wallet.client.post(
        "/api/v1/sessions", json={"email": EMAIL, "password": PASSWORD}
    )
    assert session.status_code == 201
    me = await wallet.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {session.json()['token']}"}
    )
    async with wallet.session() as db:
        learner = await db.scalar(select(Learner).where(Learner.email == EMAIL))
        assert learner is not None
        learner_id = learner.id
    journey.learner = await wallet.signed_in(
        learner_id, EMAIL, PASSWORD, me.json()["did"], session.json()["token"]
    )


async def keep_credentials(journey: Journey) -> None:
    """Credentials in the wallet, so that pages, export and backup have content. (Receiving
    them from an issuer is its own step.)"""
    learner = journey.me
    await journey.wallet.store_credential(learner, micro_credential(learner.did))


async def receive_from_our_issuer(journey: Journey) -> None:
    """A registrar awards a micro-credential with a PIN; the learner opens the offer and
    accepts it over the wallet's API. The wallet signed one key proof, which went out."""
    issuer: Service = journey.extras["issuer"]
    offer = await award(issuer, tx_code=True)
    learner = journey.me
    opened = await learner.api.post(
        "/api/v1/offers", json={"offer_uri": offer["credential_offer_uri"]}
    )
    assert opened.status_code == 201, opened.text
    accepted = await learner.api.post(
        f"/api/v1/offers/{opened.json()['id']}/accept", json={"tx_code": offer["tx_code"]}
    )
    assert accepted.status_code == 201, accepted.text
    journey.extras["received"] = accepted.json()["id"]
    [proof] = proofs_sent(journey)
    journey.extras["proof"] = proof


async def look_around(journey: Journey) -> None:
    learner = journey.me
    for path in ("/", "/stack", "/account", "/account/erase"):
        assert (await learner.browser.get(path)).status_code == 200, path
    for path in ("/api/v1/me", "/api/v1/credentials", "/api/v1/stack"):
        assert (await learner.api.get(path)).status_code == 200, path
    for credential in (await learner.api.get("/api/v1/credentials")).json():
        assert (await learner.browser.get(f"/credentials/{credential['id']}")).status_code == 200
        assert (await learner.api.get(f"/api/v1/credentials/{credential['id']}")).status_code == 200


async def present_to_an_independent_verifier(journey: Journey) -> None:
    """The credential from our issuer, presented to the verifier we did not write (a signed
    OpenID4VP 1.0 request with DCQL); it accepts. What it says it received goes into
    ``journey.sent`` beside what the wallet's client sent."""
    independent: IndependentVerifier = journey.extras["verifier"]
    request = await independent.dcql_request("ldp_vc", signed=True)
    outcome = await open_and_share(journey.me, request, {"q_ldp_vc": journey.extras["received"]})
    assert outcome["status"] == "sent", outcome
    result = await independent.results(request)
    assert result["accepted"] is True, result
    assert isinstance(result["vp_token"], str)
    journey.sent.append(result["vp_token"].encode())


async def export(journey: Journey) -> None:
    learner = journey.me
    assert (await learner.api.get("/api/v1/export")).status_code == 200
    assert (await learner.browser.get("/account/export")).status_code == 200


async def back_up(journey: Journey) -> None:
    """The backup does carry the key, encrypted: opening it gives the key back, which shows
    the scan below looked at a file that really holds it."""
    learner = journey.me
    api = await learner.api.post("/api/v1/backup", json={"passphrase": PASSPHRASE})
    page = await learner.post_form("/account/backup", data={"passphrase": PASSPHRASE})
    key = await journey.wallet.private_key(learner)
    for response in (api, page):
        assert response.status_code == 200, response.text
        opened = open_backup(response.content, PASSPHRASE)
        assert json.loads(opened.holder_key.private_jwk_json()) == json.loads(
            key.private_jwk_json()
        )


async def log_out(journey: Journey) -> None:
    assert (await journey.me.post_form("/logout")).status_code == 303


# --- the scan ----------------------------------------------------------------------------


def leaks(places: dict[str, bytes], key: PrivateKey) -> list[str]:
    return [
        f"{place}: {encoding}"
        for encoding, needle in encodings_of_private_key(key).items()
        for place, content in places.items()
        if needle in content
    ]


async def database_bytes(wallet: RunningWallet) -> dict[str, bytes]:
    """SQLite: every file of the database (main, -wal, -shm). PostgreSQL: every row of every
    table as text, which is what a dump would hold."""
    url = make_url(wallet.settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        return {p.name: p.read_bytes() for p in path.parent.glob(f"{path.name}*") if p.is_file()}
    rows: dict[str, bytes] = {}
    async with wallet.session() as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(table.select())
            rows[table.name] = repr(result.all()).encode()
    return rows


@pytest.mark.slow
@pytest.mark.interop
async def test_no_byte_of_the_holder_key_leaves_the_wallet(
    wallet: RunningWallet,
    caplog: pytest.LogCaptureFixture,
    our_issuer: Service,
    verifier: IndependentVerifier,  # noqa: F811
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")  # SQL and its parameters
    journey = Journey(wallet, extras={"issuer": our_issuer, "verifier": verifier})
    watch_outbound(journey)

    await sign_up_and_log_in(journey)
    await keep_credentials(journey)
    await receive_from_our_issuer(journey)
    await look_around(journey)
    await present_to_an_independent_verifier(journey)
    await export(journey)
    await back_up(journey)
    await log_out(journey)

    key = await wallet.private_key(journey.me)
    public_x = key.public_jwk()["x"].encode()

    responses = {
        f"response {i} {r.request.method} {r.request.url.path}": (
            json.dumps(dict(r.headers)).encode() + b"\n" + r.content
        )
        for i, r in enumerate(wallet.responses)
    }
    assert len(responses) >= 15
    assert any(journey.me.did.encode() in content for content in responses.values())
    assert leaks(responses, key) == []

    # The scan of what was sent looked at what this key signed: the key proof to the issuer
    # (it verifies with the key's public half) and the presentation the verifier accepted.
    verify_jwt(journey.extras["proof"], key.public_jwk(), expected_typ=PROOF_TYP)
    assert any(journey.extras["proof"].encode() in content for content in journey.sent)
    assert any(journey.me.did.encode() in content for content in journey.sent)
    sent = {f"sent {i}": content for i, content in enumerate(journey.sent)}
    assert leaks(sent, key) == []

    logged = caplog.text.encode()
    assert b"INSERT INTO keys" in logged  # the log really holds the SQL of the key's creation
    assert leaks({"log": logged}, key) == []

    await wallet.app.state.runtime.engine.dispose()  # nothing left only in memory
    stored = await database_bytes(wallet)
    assert any(public_x in content for content in stored.values())  # the scan reads the keys
    assert leaks(stored, key) == []


def test_the_scan_finds_a_key_wherever_it_is_written() -> None:
    """The test above can fail: the key in any of its encodings, anywhere, is reported."""
    key = generate_key()
    for encoding, needle in encodings_of_private_key(key).items():
        found = leaks({"somewhere": b"before " + needle + b" after"}, key)
        assert f"somewhere: {encoding}" in found
