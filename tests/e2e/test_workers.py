"""`credstack serve` with several worker processes on one SQLite file: real processes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.processes import award, free_port, serving

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
FETCHES = 3  # each fetch of an offer mints a new code; any one of them redeems the offer once
ATTEMPTS_PER_CODE = 4


def _worker_pids(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [
        int(pid)
        for pid in children
        if b"multiprocessing.spawn" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


async def test_two_workers_on_sqlite_let_a_pre_authorized_offer_be_redeemed_once(
    tmp_path: Path,
) -> None:
    """Twelve /token requests at once, over separate connections that the kernel hands to
    either worker, for three codes of one offer: exactly one is answered with a token."""
    with serving(
        "issuer",
        tmp_path,
        free_port(),
        CREDSTACK_WORKERS="2",
        ISSUER_RATE_LIMITS_ENABLED="false",
    ) as issuer:
        assert issuer.process is not None
        assert len(_worker_pids(issuer.process.pid)) == 2
        for _ in range(3):
            offer = await award(issuer, tx_code=False)
            link = urlsplit(offer["credential_offer_uri"])
            offer_uri = parse_qs(link.query)["credential_offer_uri"][0]
            async with httpx.AsyncClient(timeout=30) as client:
                codes = []
                for _ in range(FETCHES):
                    fetched = await client.get(offer_uri)
                    assert fetched.status_code == 200, fetched.text
                    codes.append(
                        fetched.json()["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
                    )

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
