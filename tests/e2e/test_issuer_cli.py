"""`credstack issuer …` against a node started by `credstack up`, with no set-up at all."""

from __future__ import annotations

import json
import re
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from shared.credentials.microcredential.catalogue import demo_catalogue
from tests.support.processes import (
    Up,
    clean_environment,
    credstack_command,
    credstack_up,
    free_port,
)

OFFER_LINK = re.compile(r"^openid-credential-offer://\?credential_offer_uri=[^&]+$")


@dataclass
class Node:
    url: str
    env: dict[str, str]
    data_dir: Path
    up: Up

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            credstack_command("issuer", *args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if "cannot connect" in result.stderr:
            # The node went away under the test: what did `credstack up` and its services say?
            result.stderr += f"\n--- credstack up since it was ready:\n{self.up.so_far()}"
        return result

    def admin_token(self) -> str:
        return (self.data_dir / "issuer-admin-token").read_text().strip()


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """`credstack up` on free ports in an empty data directory; stopped after the module."""
    tmp = tmp_path_factory.mktemp("issuer-cli")
    ports = {name: free_port() for name in ("ISSUER", "HOLDER", "VERIFIER")}
    data_dir = tmp / "data"
    up_env = clean_environment(data_dir, **{f"{k}_PORT": str(v) for k, v in ports.items()})
    with credstack_up(up_env, timeout=90) as up:
        url = f"http://127.0.0.1:{ports['ISSUER']}"
        # The CLI is told only where the node is; its token comes from the data directory.
        yield Node(url, clean_environment(data_dir, CREDSTACK_ISSUER_URL=url), data_dir, up)


def _json(result: subprocess.CompletedProcess[str]) -> object:
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
def test_the_catalogue_can_be_listed_and_extended_from_the_command_line(
    node: Node, tmp_path: Path
) -> None:
    listed = _json(node.run("achievement", "list", "--json"))
    assert isinstance(listed, list)
    assert len(listed) == 2  # the demo catalogue a development node is seeded with
    assert all(item["id"] and item["title"] for item in listed)

    entry = demo_catalogue()[0].model_dump(mode="json", exclude={"id"})
    entry["title"] = {"en": "Open Data in Practice", "de": "Offene Daten in der Praxis"}
    path = tmp_path / "entry.json"
    path.write_text(json.dumps(entry))
    added = node.run("achievement", "add", str(path))
    assert added.returncode == 0, added.stdout + added.stderr
    new_id, title = added.stdout.strip().split("  ", 1)
    assert title == "Open Data in Practice"

    again = _json(node.run("achievement", "list", "--json"))
    assert isinstance(again, list)
    assert {"id": new_id, "title": "Open Data in Practice"}.items() <= again[-1].items()


@pytest.mark.slow
def test_an_award_prints_a_working_offer_and_can_be_revoked(node: Node) -> None:
    achievement_id = _first_achievement(node)
    offer = _json(
        node.run(
            "award",
            "--achievement",
            achievement_id,
            "--name",
            "Maria Muster",
            "--email",
            "maria.muster@uni.example",
            "--grade",
            "B",
            "--tx-code",
            "--json",
        )
    )
    assert isinstance(offer, dict)
    assert OFFER_LINK.match(offer["credential_offer_uri"]), offer
    assert re.fullmatch(r"\d{6}", offer["tx_code"])
    offer_uri = parse_qs(urlsplit(offer["credential_offer_uri"]).query)["credential_offer_uri"][0]
    offer_object = httpx.get(offer_uri, timeout=10)
    assert offer_object.status_code == 200, offer_object.text
    grant = offer_object.json()["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert grant["tx_code"]["length"] == 6
    assert offer["tx_code"] not in offer_object.text  # the PIN travels apart from the link

    revoked = node.run("revoke", offer["award_id"], "--reason", "Awarded by mistake")
    assert revoked.returncode == 0, revoked.stdout + revoked.stderr
    assert "revoked" in revoked.stdout
    award = httpx.get(
        f"{node.url}/api/v1/awards/{offer['award_id']}",
        headers={"Authorization": f"Bearer {node.admin_token()}"},
        timeout=10,
    )
    assert award.json()["status"] == "revoked"
    assert award.json()["status_reason"] == "Awarded by mistake"


@pytest.mark.slow
def test_a_cohort_file_becomes_a_private_links_file(node: Node, tmp_path: Path) -> None:
    achievement_id = _first_achievement(node)
    learners = tmp_path / "cohort.csv"
    learners.write_text(
        "name;email;grade;tx_code\n"
        "Ana Silva;ana.silva@uni.example;A;yes\n"
        "Jan Novák;jan.novak@uni.example;B;no\n",
        encoding="utf-8-sig",
    )
    links = tmp_path / "links.csv"
    result = node.run("cohort", achievement_id, str(learners), "--out", str(links))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 offers created" in result.stderr
    assert stat.S_IMODE(links.stat().st_mode) == 0o600
    rows = links.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("line;name;email")
    assert "Jan Novák" in rows[2]

    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nAna,not-an-address\n,x@uni.example\n")
    refused = node.run("cohort", achievement_id, str(bad))
    assert refused.returncode == 1
    assert "line 2, email" in refused.stderr
    assert "line 3, name" in refused.stderr


@pytest.mark.slow
def test_a_token_made_on_the_server_works_against_the_api(node: Node) -> None:
    created = node.run("token", "create", "student information system")
    assert created.returncode == 0, created.stdout + created.stderr
    token = created.stdout.strip()
    assert len(token) >= 40
    assert "shown once" in created.stderr
    env = {**node.env, "CREDSTACK_DATA_DIR": "/nonexistent", "CREDSTACK_ISSUER_TOKEN": token}
    listed = subprocess.run(
        credstack_command("issuer", "achievement", "list", "--json"),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    wrong = node.run("achievement", "list", "--token", "not-a-token")
    assert wrong.returncode == 1
    assert wrong.stderr.startswith("credstack: Sign in with an issuer API token")


@pytest.mark.slow
def test_the_issuers_refusals_are_printed_with_exit_code_one(node: Node) -> None:
    result = node.run("award", "--achievement", "no-such-id", "--name", "X", "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("credstack: No micro-credential no-such-id")


def test_a_node_that_is_not_running_is_named(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = subprocess.run(
        credstack_command("issuer", "achievement", "list", "--url", url, "--token", "t"),
        env=clean_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"is the issuer running at {url}? (credstack up)" in result.stderr


def test_usage_errors_exit_with_two(tmp_path: Path) -> None:
    result = subprocess.run(
        credstack_command("issuer", "award", "--name", "X"),
        env=clean_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--achievement" in result.stderr


def _first_achievement(node: Node) -> str:
    listed = _json(node.run("achievement", "list", "--json"))
    assert isinstance(listed, list)
    return str(listed[0]["id"])
