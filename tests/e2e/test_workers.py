"""`credstack serve` with several worker processes on one SQLite file: real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from shared.crypto.jose import sign_jwt
from shared.crypto.keys import SigningKey
from tests.support.databases import fresh_database
from tests.support.processes import Service, award, free_port, serving
from tests.support.wallet_double import PROOF_TYP, new_holder_key

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
FETCHES = 3  # each fetch of an offer mints a new code; any one of them redeems the offer once
ATTEMPTS_PER_CODE = 4
ESTABLISHED, LISTEN = "01", "0A"  # the TCP state column of /proc/net/tcp
REPLACEMENT_TIMEOUT_SECONDS = 60.0


def _worker_pids(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [
        int(pid)
        for pid in children
        if b"credstack.worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


@asynccontextmanager
async def two_workers_on_the_suites_database(tmp_path: Path) -> AsyncIterator[Service]:
    """Our issuer with two workers, on one SQLite file, or on PostgreSQL when the suite runs
    on it; rate limits off, as every request comes from this machine."""
    async with fresh_database(tmp_path, "issuer") as database_url:
        with serving(
            "issuer",
            tmp_path,
            free_port(),
            CREDSTACK_WORKERS="2",
            ISSUER_RATE_LIMITS_ENABLED="false",
            ISSUER_DATABASE_URL=database_url,
        ) as issuer:
            yield issuer


async def test_two_workers_let_a_pre_authorized_offer_be_redeemed_once(tmp_path: Path) -> None:
    """Twelve /token requests at once, over separate connections that the kernel hands to
    either worker, for three codes of one offer: exactly one is answered with a token. On
    the suite's database: one SQLite file, or PostgreSQL when the suite runs on it."""
    async with two_workers_on_the_suites_database(tmp_path) as issuer:
        await _redeem_three_offers_at_once(issuer)


async def _redeem_three_offers_at_once(issuer: Service) -> None:
    """Three offers, each redeemed by twelve requests at once with three of its codes."""
    assert issuer.process is not None
    await _listening_workers(issuer)
    for _ in range(3):
        offer = await award(issuer, tx_code=False)
        link = urlsplit(offer["credential_offer_uri"])
        offer_uri = parse_qs(link.query)["credential_offer_uri"][0]
        async with httpx.AsyncClient(timeout=30) as client:
            codes = []
            for _ in range(FETCHES):
                fetched = await client.get(offer_uri)
                assert fetched.status_code == 200, fetched.text
                codes.append(fetched.json()["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"])

        async def redeem(code: str) -> httpx.Response:
            # A client of its own per request: a new connection, so both workers take some.
            async with httpx.AsyncClient(base_url=issuer.base_url, timeout=30) as client:
                return await client.post(
                    "/token",
                    data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code},
                )

        answers = await asyncio.gather(
            *(redeem(code) for code in codes for _ in range(ATTEMPTS_PER_CODE))
        )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200] + [400] * (FETCHES * ATTEMPTS_PER_CODE - 1), [
            answer.text for answer in answers
        ]
        refused = [answer.json()["error"] for answer in answers if answer.status_code == 400]
        assert set(refused) == {"invalid_grant"}


async def test_two_workers_issue_one_credential_per_nonce_and_per_offer(tmp_path: Path) -> None:
    """One key proof sent eight times at once, then eight proofs with eight fresh nonces for
    the same access token, each over a new connection that either worker may take: one
    credential each time, every other request refused with the spec's error."""
    async with two_workers_on_the_suites_database(tmp_path) as issuer:
        key = new_holder_key()
        for configuration in ("MicroCredential_jwt_vc_json", "MicroCredential_ldp_vc"):
            replay = await _credential_requests(issuer, key, configuration, fresh_nonces=False)
            # A replay is refused for its spent nonce, or, once the winner's credential is
            # recorded, because the offer has given its credential: both are right.
            assert _outcomes(replay)[0] == "200"
            assert set(_outcomes(replay)[1:]) <= REFUSED_REPLAY, _outcomes(replay)
            fresh = await _credential_requests(issuer, key, configuration, fresh_nonces=True)
            assert _outcomes(fresh) == ["200"] + ["400 credential_request_denied"] * (REQUESTS - 1)


REQUESTS = 8
REFUSED_REPLAY = {"400 invalid_nonce", "400 credential_request_denied"}


async def _credential_requests(
    issuer: Service, key: SigningKey, configuration: str, *, fresh_nonces: bool
) -> list[httpx.Response]:
    """A new offer redeemed for an access token, then REQUESTS credential requests at once:
    all with one proof, or each with a proof over a nonce of its own."""
    offer_uri = parse_qs(
        urlsplit((await award(issuer, tx_code=False))["credential_offer_uri"]).query
    )["credential_offer_uri"][0]
    async with httpx.AsyncClient(base_url=issuer.base_url, timeout=30) as client:
        offer = (await client.get(offer_uri)).json()
        code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
        token = await client.post(
            "/token", data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
        )
        assert token.status_code == 200, token.text
        nonces = [(await client.post("/nonce")).json()["c_nonce"] for _ in range(REQUESTS)]
    proofs = [
        sign_jwt(
            {"aud": offer["credential_issuer"], "iat": int(time.time()), "nonce": nonce},
            key,
            typ=PROOF_TYP,
        )
        for nonce in (nonces if fresh_nonces else nonces[:1] * REQUESTS)
    ]
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    async def request(proof: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=issuer.base_url, timeout=30) as client:
            return await client.post(
                "/credential",
                json={"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}},
                headers=headers,
            )

    return list(await asyncio.gather(*(request(proof) for proof in proofs)))


def _outcomes(answers: list[httpx.Response]) -> list[str]:
    return sorted(
        "200" if answer.status_code == 200 else f"{answer.status_code} {answer.json()['error']}"
        for answer in answers
    )


def _is_running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie has closed its sockets


def _sockets(pid: int, port: int, state: str) -> int:
    """TCP sockets on local ``port`` in ``state`` that process ``pid`` holds (Linux /proc)."""
    inodes = set()
    with suppress(OSError):  # the process, or one of its files, went away meanwhile
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == state and fields[9] in inodes:
                count += 1
    return count


async def _listening_workers(issuer: Service, count: int = 2) -> list[int]:
    """The service's ``count`` workers once each listens: /healthz answers as soon as the
    first one does, and a worker joins the port only when its app has started."""
    assert issuer.process is not None
    port = int(issuer.base_url.rsplit(":", 1)[1])
    deadline = time.monotonic() + REPLACEMENT_TIMEOUT_SECONDS
    while True:
        workers = _worker_pids(issuer.process.pid)
        listening = [pid for pid in workers if _sockets(pid, port, LISTEN) == 1]
        if len(listening) == count == len(workers):
            return workers
        assert time.monotonic() < deadline, f"workers {workers}, listening {listening}"
        await asyncio.sleep(0.1)


async def test_two_workers_share_a_burst_of_keep_alive_connections(tmp_path: Path) -> None:
    """Thirty-two clients connect at once and keep their connections open: both workers
    hold some of them. (With one socket shared by the workers, the first to wake accepted
    the whole burst and did nearly all the work.) Each worker listens on a socket of its own
    and the kernel picks one per connection by a hash, so a fair split is likely, not
    certain: 27 or more on one worker happens about once in 10,000 runs."""
    port = free_port()
    with serving("issuer", tmp_path, port, CREDSTACK_WORKERS="2") as issuer:
        assert issuer.process is not None
        workers = await _listening_workers(issuer)
        clients = [httpx.AsyncClient(base_url=issuer.base_url, timeout=30) for _ in range(32)]
        try:
            answers = await asyncio.gather(*(client.get("/healthz") for client in clients))
            assert {answer.status_code for answer in answers} == {200}
            held = [_sockets(pid, port, ESTABLISHED) for pid in workers]
        finally:
            await asyncio.gather(*(client.aclose() for client in clients))
    assert sum(held) == 32, held
    assert max(held) <= 26, held


async def test_a_worker_that_dies_is_replaced(tmp_path: Path) -> None:
    """kill -9 of one worker: the other goes on answering, and a new one takes its place."""
    with serving("issuer", tmp_path, free_port(), CREDSTACK_WORKERS="2") as issuer:
        assert issuer.process is not None
        first, second = await _listening_workers(issuer)
        os.kill(first, signal.SIGKILL)
        # Connections the dead worker had accepted but not served die with it (SO_REUSEPORT:
        # its own queue); wait until it is gone, as a client's retry would.
        deadline = time.monotonic() + REPLACEMENT_TIMEOUT_SECONDS
        while _is_running(first):
            assert time.monotonic() < deadline, "the killed worker is still running"
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=issuer.base_url, timeout=30) as client:
            assert (await client.get("/healthz")).status_code == 200
        workers = await _listening_workers(issuer)
        assert first not in workers
        assert second in workers
        # New connections keep being answered, whichever worker the kernel picks.
        for _ in range(50):
            async with httpx.AsyncClient(base_url=issuer.base_url, timeout=30) as fresh:
                assert (await fresh.get("/healthz")).status_code == 200
