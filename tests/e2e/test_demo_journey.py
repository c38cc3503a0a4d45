"""`credstack up`, then `credstack demo`: the whole journey across three real processes.

award (issuer) → offer → the wallet receives → the employer's request (verifier) → the
wallet presents with consent → verified. Nothing is shared between the services but HTTP;
on PostgreSQL (CI) each service gets a database of its own on the suite's server.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest

from tests.support.databases import fresh_database
from tests.support.processes import clean_environment, credstack_command, credstack_up, free_port

SERVICES = ("issuer", "holder", "verifier")


@pytest.fixture
async def databases(tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """A database of its own for each service: SQLite files, or PostgreSQL in CI."""
    async with AsyncExitStack() as stack:
        yield {
            f"{name.upper()}_DATABASE_URL": await stack.enter_async_context(
                fresh_database(tmp_path, name)
            )
            for name in SERVICES
        }


@pytest.mark.slow
def test_credstack_demo_walks_the_whole_journey_against_credstack_up(
    tmp_path: Path, databases: dict[str, str]
) -> None:
    env = {f"{name.upper()}_PORT": str(free_port()) for name in SERVICES}
    up_env = clean_environment(tmp_path / "data", **env, **databases)
    with credstack_up(up_env) as up:
        for name in SERVICES:
            assert f"http://localhost:{env[f'{name.upper()}_PORT']}/" in up.banner
        assert "Wallet learner: learner@example.org  password " in up.banner
        assert "Verifier (employer) token: " in up.banner

        demo = subprocess.run(
            credstack_command("demo"),
            env=up_env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert "the journey works end to end" in demo.stdout
        for step in ("awards", "receives the credential", "presents", "verified"):
            assert step in demo.stdout
        # Every check the verifier ran is listed, and none failed.
        assert "passed" in demo.stdout
        assert " failed " not in demo.stdout
    assert up.returncode == 0, up.output
    _a_second_run_keeps_the_data(up_env, env, tmp_path / "data")


def _a_second_run_keeps_the_data(up_env: dict[str, str], env: dict[str, str], data: Path) -> None:
    login = (data / "wallet-demo-login").read_text()
    trust_list = json.loads((data / "trust-list.json").read_text())
    with credstack_up(up_env) as up:
        issuer = f"http://127.0.0.1:{env['ISSUER_PORT']}"
        token = (data / "issuer-admin-token").read_text().strip()
        awards = httpx.get(f"{issuer}/api/v1/awards", headers={"Authorization": f"Bearer {token}"})
        assert awards.status_code == 200, awards.text
        assert awards.json()["total"] >= 1, "the award of the first run is gone"
        email, password = login.split()
        signed_in = httpx.post(
            f"http://127.0.0.1:{env['HOLDER_PORT']}/api/v1/sessions",
            json={"email": email, "password": password},
        )
        assert signed_in.status_code == 201, signed_in.text
    assert up.returncode == 0, up.output
    assert (data / "wallet-demo-login").read_text() == login
    assert json.loads((data / "trust-list.json").read_text()) == trust_list


@pytest.mark.slow
def test_credstack_demo_names_the_step_that_failed(tmp_path: Path) -> None:
    """Nothing runs at these addresses: the first step fails, by name, with exit code 1."""
    ports = {f"{name.upper()}_PORT": str(free_port()) for name in SERVICES}
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for token_file in ("issuer-admin-token", "verifier-employer-token"):
        (data_dir / token_file).write_text("not-a-real-token\n")
    demo = subprocess.run(
        credstack_command("demo"),
        env=clean_environment(data_dir, **ports),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert demo.returncode == 1, demo.stdout + demo.stderr
    assert f"FAILED at issuer is up at http://localhost:{ports['ISSUER_PORT']}" in demo.stdout
