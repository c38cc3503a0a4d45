"""Who may change the trust list: every organisation's results on this node depend on it, so
only operators change it; members read it, and are refused in words, by the API and by the
pages, which do not even offer them the buttons."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import update

from shared.db import session_scope
from shared.pages import CSRF_FIELD
from tests.verifier.conftest import running_verifier as running_demo_verifier
from tests.verifier.trust_webhooks_support import (
    BASE_URL,
    EXAMPLE,
    RunningVerifier,
    running_verifier,
)
from verifier.cli import _create_token
from verifier.employers.auth import SESSION_COOKIE
from verifier.employers.service import MEMBER, OPERATOR, Employers
from verifier.models import User
from verifier.pages.common import SITE
from verifier.settings import VerifierSettings

FIRST, SECOND = EXAMPLE["universities"]
ORIGIN_HTML = {"Origin": BASE_URL, "Accept": "text/html"}


@pytest.fixture
async def verifier(
    data_dir: Path, database_url_for: Callable[[str], Any]
) -> AsyncIterator[RunningVerifier]:
    async with running_verifier(data_dir, await database_url_for("verifier")) as running:
        operator = await running.employer_token("node-runner", role=OPERATOR)
        put = await running.client.put("/api/v1/trust-list", json=EXAMPLE, headers=operator)
        assert put.status_code == 200, put.text
        yield running


def refused_in_words(response: Any) -> None:
    assert response.status_code == 403, response.text
    said = response.json()["error_description"]
    assert "Only an operator" in said, said
    assert "trust list" in said, said


async def test_a_member_reads_the_trust_list_but_cannot_change_it(
    verifier: RunningVerifier,
) -> None:
    member = await verifier.employer_token("acme")
    listed = await verifier.client.get("/api/v1/trust-list", headers=member)
    assert listed.status_code == 200, listed.text
    assert listed.json() == EXAMPLE
    one = f"/api/v1/trust-list/{quote(FIRST['did'], safe=':')}"
    assert (await verifier.client.get(one, headers=member)).status_code == 200

    client = verifier.client
    refused_in_words(await client.put("/api/v1/trust-list", json=EXAMPLE, headers=member))
    new = {**FIRST, "did": "did:web:new.example"}
    refused_in_words(await client.post("/api/v1/trust-list", json=new, headers=member))
    refused_in_words(await client.put(one, json={**FIRST, "country": "BE"}, headers=member))
    refused_in_words(await client.delete(one, headers=member))
    refused_in_words(await client.post("/api/v1/trust-list/reload", headers=member))
    assert (await client.get("/api/v1/trust-list", headers=member)).json() == EXAMPLE


async def test_an_operator_changes_the_trust_list(verifier: RunningVerifier) -> None:
    operator = await verifier.employer_token("runner-two", role=OPERATOR)
    one = f"/api/v1/trust-list/{quote(FIRST['did'], safe=':')}"
    removed = await verifier.client.delete(one, headers=operator)
    assert removed.status_code == 204, removed.text
    listed = await verifier.client.get("/api/v1/trust-list", headers=operator)
    assert listed.json() == {"universities": [SECOND]}


async def sign_in_pages(verifier: RunningVerifier, header: dict[str, str]) -> str:
    token = header["Authorization"].removeprefix("Bearer ")
    page = await verifier.client.get("/employer/login")
    csrf = re.search(rf'name="{CSRF_FIELD}" value="([0-9a-f]+)"', page.text)
    assert csrf, page.text
    signed = await verifier.client.post(
        "/employer/login",
        data={"token": token, "next": "/employer/trust", CSRF_FIELD: csrf.group(1)},
        headers=ORIGIN_HTML,
    )
    assert signed.status_code == 303, signed.text
    session = verifier.client.cookies.get(SESSION_COOKIE)
    assert session
    return SITE.csrf_token_for(session, verifier.runtime.key_encryption_key)


async def test_the_pages_hide_the_changes_from_a_member_and_refuse_them(
    verifier: RunningVerifier,
) -> None:
    csrf = await sign_in_pages(verifier, await verifier.employer_token("acme"))
    page = await verifier.client.get("/employer/trust", headers=ORIGIN_HTML)
    assert page.status_code == 200, page.text
    assert "University" in page.text  # the list itself is there
    assert "/employer/trust/new" not in page.text
    assert "/employer/trust/edit" not in page.text
    assert "/employer/trust/remove" not in page.text
    assert "Only an operator" in page.text  # and says why nothing can be changed

    for path in ("/employer/trust/new", f"/employer/trust/edit?did={FIRST['did']}"):
        refused = await verifier.client.get(path, headers=ORIGIN_HTML)
        assert refused.status_code == 403, refused.text
        assert "Only an operator" in refused.text
    removed = await verifier.client.post(
        "/employer/trust/remove",
        data={"did": FIRST["did"], CSRF_FIELD: csrf},
        headers=ORIGIN_HTML,
    )
    assert removed.status_code == 403, removed.text
    assert "Only an operator" in removed.text
    operator = await verifier.employer_token("ops", role=OPERATOR)
    still = await verifier.client.get("/api/v1/trust-list", headers=operator)
    assert still.json() == EXAMPLE


async def test_the_pages_offer_an_operator_every_change(verifier: RunningVerifier) -> None:
    await sign_in_pages(verifier, await verifier.employer_token("ops", role=OPERATOR))
    page = await verifier.client.get("/employer/trust", headers=ORIGIN_HTML)
    assert page.status_code == 200, page.text
    for action in ("/employer/trust/new", "/employer/trust/edit", "/employer/trust/remove"):
        assert action in page.text
    form = await verifier.client.get("/employer/trust/new", headers=ORIGIN_HTML)
    assert form.status_code == 200, form.text


async def test_the_development_demo_user_is_an_operator(
    data_dir: Path, database_url_for: Callable[[str], Any], verifier_settings_for: Any
) -> None:
    settings = verifier_settings_for(await database_url_for("verifier"))
    async with running_demo_verifier(settings) as demo:
        added = await demo.client.post("/api/v1/trust-list", json=FIRST, headers=demo.auth)
        assert added.status_code == 201, added.text


async def test_token_create_makes_members_unless_told_operator(
    data_dir: Path, database_url_for: Callable[[str], Any]
) -> None:
    settings = VerifierSettings(
        data_dir=data_dir,
        database_url=await database_url_for("verifier"),
        public_base_url=BASE_URL,
        seed_demo=False,
    )
    member = await _create_token(settings, "acme", "Acme Ltd", "Recruiter")
    operator = await _create_token(settings, "acme", None, "Node runner", operator=True)
    async with running_verifier(data_dir, settings.resolved_database_url) as running:
        async with session_scope(running.runtime.sessions) as session:
            employers = Employers(session)
            found = [await employers.employer_for_token(t) for t in (member, operator)]
        assert [e.is_operator if e else None for e in found] == [False, True]
        header = {"Authorization": f"Bearer {member}"}
        refused_in_words(
            await running.client.post("/api/v1/trust-list", json=FIRST, headers=header)
        )
        header = {"Authorization": f"Bearer {operator}"}
        added = await running.client.post(
            "/api/v1/trust-list",
            content=json.dumps({**FIRST, "did": "did:web:x.example"}),
            headers={**header, "Content-Type": "application/json"},
        )
        assert added.status_code == 201, added.text


async def test_a_demo_user_seeded_before_roles_becomes_an_operator_on_the_next_start(
    verifier_settings_for: Any, database_url_for: Callable[[str], Any]
) -> None:
    settings = verifier_settings_for(await database_url_for("verifier"))
    async with running_demo_verifier(settings) as demo:
        async with demo.session() as session:
            await session.execute(update(User).values(role=MEMBER))
        refused_in_words(
            await demo.client.post("/api/v1/trust-list", json=FIRST, headers=demo.auth)
        )
    async with running_demo_verifier(settings) as demo:
        added = await demo.client.post("/api/v1/trust-list", json=FIRST, headers=demo.auth)
        assert added.status_code == 201, added.text
