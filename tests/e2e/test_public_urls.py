"""Links to another service follow that service's public base URL: one setting moves them all.

The wallet is published at an address that is neither its default port nor the issuer's
host; nothing tells the issuer about it but the wallet's own setting, HOLDER_PUBLIC_BASE_URL.
Every "open in wallet" link the issuer produces (API, award page, cohort links file, CLI
output) must point there.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.processes import clean_environment, credstack_command, free_port, serving

WALLET = "https://wallet.uni-example.test:9443"


@pytest.mark.slow
def test_every_wallet_link_the_issuer_makes_points_at_the_wallets_public_url(
    tmp_path: Path,
) -> None:
    with serving("issuer", tmp_path, free_port(), HOLDER_PUBLIC_BASE_URL=WALLET) as issuer:
        token = (issuer.data_dir / "issuer-admin-token").read_text().strip()
        admin = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=issuer.base_url, headers=admin, timeout=30) as client:
            achievement = client.get("/api/v1/achievements").json()[0]["id"]
            made = client.post(
                "/api/v1/awards",
                json={"achievement_id": achievement, "name": "Ana Lima", "email": "a@example.org"},
            )
            assert made.status_code == 201, made.text
            assert made.json()["wallet_link"].startswith(f"{WALLET}/receive?")

            # The registrar's award page, after awarding through its form (CSRF token and all).
            client.cookies.set("credstack_issuer_session", token)
            form_path = f"/admin/achievements/{achievement}/award"
            form = client.get(form_path, headers={"Accept": "text/html"})
            assert form.status_code == 200, form.text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert csrf is not None, form.text
            page = client.post(
                form_path,
                data={"csrf_token": csrf.group(1), "name": "Bo Berg", "email": "b@example.org"},
                headers={"Accept": "text/html", "Origin": issuer.base_url},
                follow_redirects=True,  # to the award page, which shows the new offer once
            )
            assert page.status_code == 200, page.text
            assert f'href="{WALLET}/receive?' in page.text
            assert "localhost:8002" not in page.text

            cohort = client.post(
                f"/api/v1/achievements/{achievement}/cohorts",
                content="name,email\nBo Berg,bo@example.org\nCy Cole,cy@example.org\n",
                headers={"Content-Type": "text/csv", "Accept": "text/csv"},
            )
            assert cohort.status_code in (200, 201), cohort.text
            rows = list(csv.DictReader(io.StringIO(cohort.text.removeprefix("\ufeff"))))
            assert len(rows) == 2
            assert all(row["wallet_link"].startswith(f"{WALLET}/receive?") for row in rows)

        cli = subprocess.run(
            credstack_command(
                "issuer",
                "award",
                "--achievement",
                achievement,
                "--name",
                "Di Dahl",
                "--email",
                "d@example.org",
            ),
            env=clean_environment(
                issuer.data_dir, CREDSTACK_ISSUER_URL=issuer.base_url, CREDSTACK_ISSUER_TOKEN=token
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert cli.returncode == 0, cli.stdout + cli.stderr
        wallet_lines = [line for line in cli.stdout.splitlines() if line.startswith("wallet")]
        assert wallet_lines
        assert wallet_lines[0].split()[1].startswith(f"{WALLET}/receive?")


@pytest.mark.slow
def test_the_verifiers_open_in_wallet_link_points_at_the_wallets_public_url(
    tmp_path: Path,
) -> None:
    with serving("verifier", tmp_path, free_port(), HOLDER_PUBLIC_BASE_URL=WALLET) as verifier:
        token = (verifier.data_dir / "verifier-employer-token").read_text().strip()
        made = httpx.post(
            f"{verifier.base_url}/api/v1/requests",
            headers={"Authorization": f"Bearer {token}"},
            json={"template": "microcredential"},
            timeout=30,
        )
        assert made.status_code == 201, made.text
        assert made.json()["same_device_link"].startswith(f"{WALLET}/")
        with httpx.Client(base_url=verifier.base_url, timeout=30) as client:
            client.cookies.set("credstack_verifier_session", token)
            page = client.get(
                f"/employer/requests/{made.json()['request_id']}", headers={"Accept": "text/html"}
            )
        assert page.status_code == 200, page.text
        assert f'href="{WALLET}/' in page.text
