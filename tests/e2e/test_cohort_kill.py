"""kill -9 of the issuer during a 2,000-learner cohort, at random moments, then a restart and
the same upload again: exactly 2,000 awards, none twice, and every learner's link in the
links file that the repeated command writes.

The issuer runs as a real process (``credstack serve issuer``) in its own process group,
killed whole with SIGKILL (no clean shutdown, as when a machine dies), on SQLite or on the
PostgreSQL of ``CREDSTACK_TEST_POSTGRES_URL``. The moments are drawn from a seed that is
printed (``COHORT_KILL_SEED=…`` replays a run).
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from issuer.models import Award, Cohort, CredentialOffer
from issuer.oid4vci.configurations import PRE_AUTHORIZED_GRANT
from shared.db import create_engine, session_factory
from shared.tokens import token_hash
from tests.support.databases import backend_name, fresh_database
from tests.support.processes import (
    START_TIMEOUT,
    clean_environment,
    credstack_command,
    free_port,
)

LEARNERS = 2000
KILLS = 3
# Each kill comes a random moment (up to this) after a random stage of the upload: sent,
# the cohort recorded, its first chunk of awards committed, every award made (the links).
STAGES = ("sent", "recorded", "first chunk", "awards made")
LATEST_KILL_SECONDS = 0.5


def _cohort_file() -> bytes:
    lines = ["name,email,student_id,grade,tx_code"]
    lines += [
        f"Learner {i},learner{i}@uni.example,S-{i:05d},{'ABCDE'[i % 5]},{'yes' if i % 4 else 'no'}"
        for i in range(LEARNERS)
    ]
    return ("\n".join(lines) + "\n").encode()


class Issuer:
    def __init__(self, data_dir: Path, database_url: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.database_url = database_url
        self.log = log

    @contextmanager
    def running(self) -> Iterator[subprocess.Popen[bytes]]:
        """The issuer until the block ends, when it is killed with SIGKILL if still alive."""
        env = clean_environment(
            self.data_dir,
            CREDSTACK_ENV="development",
            ISSUER_DATABASE_URL=self.database_url,
            ISSUER_PUBLIC_BASE_URL=self.url,
            ISSUER_RATE_LIMITS_ENABLED="false",
        )
        with self.log.open("ab") as log:
            process = subprocess.Popen(
                credstack_command("serve", "issuer", "--port", str(self.port)),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: every worker dies with it
            )
        try:
            _wait_until_healthy(self.url, process)
            yield process
        finally:
            kill(process)

    def admin(self) -> dict[str, str]:
        token = (self.data_dir / "issuer-admin-token").read_text().strip()
        return {"Authorization": f"Bearer {token}"}


def kill(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the issuer exited with {process.returncode}"
        with suppress(httpx.TransportError):
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError("the issuer did not start")


@pytest.mark.slow
async def test_kill_9_during_a_cohort_then_the_same_upload_gives_each_learner_one_award(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("COHORT_KILL_SEED") or random.SystemRandom().randrange(10**6))
    rng = random.Random(seed)
    moments = [
        (rng.choice(STAGES), round(rng.uniform(0, LATEST_KILL_SECONDS), 2)) for _ in range(KILLS)
    ]
    print(f"{backend_name()}: COHORT_KILL_SEED={seed}, kill -9 at {moments}")
    data = _cohort_file()
    learners = tmp_path / "learners.csv"
    learners.write_bytes(data)
    data_dir = tmp_path / "data"
    data_dir.mkdir()

    async with fresh_database(tmp_path, "issuer") as database_url:
        issuer = Issuer(data_dir, database_url, tmp_path / "issuer.log")
        achievement_id = ""
        for moment in moments:
            with issuer.running() as process:
                async with httpx.AsyncClient(base_url=issuer.url, headers=issuer.admin()) as http:
                    if not achievement_id:
                        achievement_id = (await http.get("/api/v1/achievements")).json()[0]["id"]
                    upload = asyncio.create_task(
                        http.post(
                            f"/api/v1/achievements/{achievement_id}/cohorts",
                            content=data,
                            headers={"Content-Type": "text/csv"},
                            timeout=120,
                        )
                    )
                    stage, delay = moment
                    await _reached(database_url, stage, upload)
                    await asyncio.sleep(delay)
                    kill(process)
                    with suppress(httpx.HTTPError):
                        await upload
            print(f"killed at {moment}: {await _where(database_url)}")

        # After the last kill: the operator runs the same command again.
        links = tmp_path / "links.csv"
        with issuer.running():
            env = clean_environment(data_dir, CREDSTACK_ISSUER_URL=issuer.url)
            again = await asyncio.to_thread(
                subprocess.run,
                credstack_command(
                    "issuer", "cohort", achievement_id, str(learners), "--out", str(links)
                ),
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert again.returncode == 0, again.stdout + again.stderr
            rows = list(csv.DictReader(io.StringIO(links.read_text(encoding="utf-8-sig"))))
            received = await _every_learner_has_one_award_and_a_working_link(
                issuer, database_url, rows, set()
            )

            # A lost file is made again: new links, the ones above withdrawn.
            cohort_id = again.stderr.split("cohort ", 1)[1].split(":", 1)[0]
            remade = await asyncio.to_thread(
                subprocess.run,
                credstack_command("issuer", "cohort-links", cohort_id, "-o", str(links)),
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert remade.returncode == 0, remade.stdout + remade.stderr
            assert f"{LEARNERS - 3} offers created" in remade.stderr
            new_rows = list(csv.DictReader(io.StringIO(links.read_text(encoding="utf-8-sig"))))
            await _every_learner_has_one_award_and_a_working_link(
                issuer, database_url, new_rows, received
            )
            assert {row["credential_offer_uri"] for row in rows}.isdisjoint(
                row["credential_offer_uri"] for row in new_rows
            )
        print(issuer.log.read_text()[-3000:])


async def _reached(database_url: str, stage: str, upload: asyncio.Task[object]) -> None:
    """Until the upload reaches the stage (or ends, or a minute passes)."""
    deadline = time.monotonic() + 60
    engine = create_engine(database_url)
    try:
        while stage != "sent" and not upload.done() and time.monotonic() < deadline:
            async with session_factory(engine)() as session:
                cohort = await session.scalar(select(Cohort))
            if cohort is not None and (
                stage == "recorded"
                or (stage == "first chunk" and cohort.done > 0)
                or (stage == "awards made" and cohort.state == "done")
            ):
                return
            await asyncio.sleep(0.01)
    finally:
        await engine.dispose()


async def _where(database_url: str) -> str:
    """Where the kill landed: the cohort's state and awards, or nothing recorded yet."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            cohort = await session.scalar(select(Cohort))
            awards = int(await session.scalar(select(func.count()).select_from(Award)) or 0)
    finally:
        await engine.dispose()
    if cohort is None:
        return "no cohort recorded yet"
    return f"cohort {cohort.state}, {cohort.done} rows done, {awards} awards"


async def _every_learner_has_one_award_and_a_working_link(
    issuer: Issuer, database_url: str, rows: list[dict[str, str]], received: set[str]
) -> set[str]:
    """Checks the links file; redeems three of its offers at /token, whose awards it returns.
    ``received``: awards redeemed before, listed as such, without a link."""
    assert len(rows) == LEARNERS
    assert [int(row["line"]) for row in rows] == list(range(2, LEARNERS + 2))
    assert len({row["award_id"] for row in rows}) == LEARNERS
    offered = [row for row in rows if row["award_id"] not in received]
    assert {row["status"] for row in offered} == {"new offer"}
    assert {row["status"] for row in rows if row not in offered} <= {"already received"}
    tokens = {row["award_id"]: _uri_token(row["credential_offer_uri"]) for row in offered}
    assert all(bool(row["tx_code"]) == (int(row["line"]) % 4 != 2) for row in offered)

    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            awards = (await session.execute(select(Award.id, Award.cohort_line))).all()
            cohorts = int(await session.scalar(select(func.count()).select_from(Cohort)) or 0)
            live = dict(
                (
                    await session.execute(
                        select(CredentialOffer.award_id, CredentialOffer.uri_token_hash).where(
                            CredentialOffer.invalidated_at.is_(None),
                            CredentialOffer.redeemed_at.is_(None),
                        )
                    )
                ).all()
            )
    finally:
        await engine.dispose()
    assert len(awards) == LEARNERS, "exactly one award per learner, none twice"
    assert sorted(line for _, line in awards if line is not None) == list(range(2, LEARNERS + 2))
    assert cohorts == 1
    # Each learner's link in the file is the one live offer of their award.
    assert live == {award_id: token_hash(token) for award_id, token in tokens.items()}

    sample = random.Random(len(received)).sample(offered, 3)
    async with httpx.AsyncClient(base_url=issuer.url) as http:
        for row in sample:
            offer = await http.get(f"/credential-offer/{tokens[row['award_id']]}")
            assert offer.status_code == 200, offer.text
            grant = offer.json()["grants"][PRE_AUTHORIZED_GRANT]
            form = {
                "grant_type": PRE_AUTHORIZED_GRANT,
                "pre-authorized_code": grant["pre-authorized_code"],
            }
            if row["tx_code"]:
                form["tx_code"] = row["tx_code"]
            token = await http.post("/token", data=form)
            assert token.status_code == 200, token.text
    return {row["award_id"] for row in sample}


def _uri_token(offer_link: str) -> str:
    offer_uri = unquote(parse_qs(urlsplit(offer_link).query)["credential_offer_uri"][0])
    return offer_uri.rsplit("/", 1)[1]
