"""`credstack verifier …` against a real `credstack serve verifier` process, set up by nothing
but its development seed: the CLI finds the demo employer's token in the data directory."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from shared.crypto.jose import unverified_claims
from tests.support.processes import clean_environment, credstack_command, free_port, serving
from tests.verifier.conftest import Wallet
from verifier.employers.dev_token import DEV_TOKEN_FILE
from verifier.requests.queries import query_id

pytestmark = pytest.mark.slow


@dataclass
class Node:
    url: str
    data_dir: Path

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = clean_environment(
            self.data_dir, CREDSTACK_ENV="development", CREDSTACK_VERIFIER_URL=self.url, **env
        )
        return subprocess.run(
            credstack_command("verifier", *args),
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def json(self, *args: str) -> object:
        result = self.run(*args, "--json")
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout)

    @property
    def auth(self) -> dict[str, str]:
        token = (self.data_dir / DEV_TOKEN_FILE).read_text().strip()
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    with serving("verifier", tmp_path_factory.mktemp("verifier-cli"), free_port()) as service:
        yield Node(service.base_url, service.data_dir)


def test_templates_are_listed(node: Node) -> None:
    listed = node.json("template", "list")
    assert isinstance(listed, list)
    assert {"name": "microcredential"}.items() <= listed[0].items()
    assert all(item["name"] and item["title"] for item in listed)
    plain = node.run("template", "list")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith("microcredential")


def test_a_request_made_on_the_command_line_is_answered_and_shown_verified(
    node: Node, wallet: Wallet
) -> None:
    trusted = httpx.post(
        f"{node.url}/api/v1/trust-list",
        headers=node.auth,
        json={
            "did": wallet.issuer.did,
            "name": {"en": "University of Example"},
            "country": "DE",
            "accreditation": {"name": "Akkreditierungsrat"},
        },
        timeout=30,
    )
    assert trusted.status_code == 201, trusted.text
    created = node.json("request", "create", "--template", "microcredential")
    assert isinstance(created, dict)
    assert created["request_uri"].startswith("openid4vp://?client_id=decentralized_identifier")
    pending = node.json("request", "show", created["request_id"])
    assert isinstance(pending, dict)
    assert pending["status"] == "pending"
    assert pending["checks"] == []

    request_uri = parse_qs(urlsplit(created["request_uri"]).query)["request_uri"][0]
    jar = httpx.get(request_uri, timeout=30)
    assert jar.status_code == 200, jar.text
    claims = unverified_claims(jar.text)
    form = _signed_answer(wallet, claims)
    posted = httpx.post(claims["response_uri"], data=form, timeout=60)
    assert posted.status_code == 200, posted.text

    shown = node.json("request", "show", created["request_id"])
    assert isinstance(shown, dict)
    assert shown["status"] == "verified", shown["checks"]
    assert {check["outcome"] for check in shown["checks"]} <= {"passed", "not_applicable"}
    plain = node.run("request", "show", created["request_id"])
    assert plain.returncode == 0, plain.stderr
    assert "status   verified" in plain.stdout
    assert "Issued by a trusted institution" in plain.stdout


def test_unknown_requests_and_missing_tokens_fail_in_words(node: Node) -> None:
    missing = node.run("request", "show", "no-such-request")
    assert missing.returncode == 1
    assert "no such request" in missing.stderr
    no_token = node.run("template", "list", CREDSTACK_DATA_DIR=str(node.data_dir / "elsewhere"))
    assert no_token.returncode == 2
    assert "no token: pass --token" in no_token.stderr


def _signed_answer(wallet: Wallet, claims: dict[str, str]) -> dict[str, str]:
    async def sign() -> dict[str, str]:
        credential = await wallet.credential("ldp_vc")
        presentation = await wallet.presentation(
            "ldp_vc", credential, nonce=claims["nonce"], audience=claims["client_id"]
        )
        return {
            "vp_token": json.dumps({query_id("ldp_vc"): [presentation]}),
            "state": claims["state"],
        }

    return asyncio.run(sign())


def test_an_operator_makes_a_token_for_a_new_organisation(node: Node) -> None:
    demo_request = node.json("request", "create", "--template", "microcredential")
    assert isinstance(demo_request, dict)
    made = node.run(
        "token",
        "create",
        "Recruiting script",
        "--organisation",
        "acme",
        "--organisation-name",
        "Acme Ltd",
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert "shown once" in made.stderr
    listed = node.run("template", "list", "--json", "--token", token)
    assert listed.returncode == 0, listed.stderr
    assert [t["name"] for t in json.loads(listed.stdout)] == ["microcredential"]
    theirs = node.run("request", "show", demo_request["request_id"], "--token", token)
    assert theirs.returncode == 1
    assert "no such request" in theirs.stderr
    unknown = node.run("token", "create", "Someone", "--organisation", "nobody")
    assert unknown.returncode == 2
    assert "--organisation-name" in unknown.stderr
