"""The stored trust list: what the checks look up, and loading it from a file or a URL at
start and on demand, keeping the list it had when the new one is bad."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.db import session_scope
from shared.http import safe_client
from shared.runtime import ServiceRuntime
from shared.settings import Environment
from tests.verifier.trust_webhooks_support import EXAMPLE, Database, migrated_database
from verifier.settings import VerifierSettings
from verifier.trust.document import TrustListRefused, parse_list
from verifier.trust.entries import TrustedIssuers
from verifier.trust.repository import TrustList
from verifier.trust.service import TrustListService
from verifier.trust.startup import load_trust_list_at_start

UNI = EXAMPLE["universities"][0]["did"]
OTHER = EXAMPLE["universities"][1]["did"]
LIST_URL = "https://trust.example.org/universities.json"


@pytest.fixture
async def db(database_url_for: Callable[[str], Any]) -> AsyncIterator[Database]:
    async with migrated_database(await database_url_for("verifier")) as database:
        yield database


def runtime_for(db: Database, data_dir: Path, http: httpx.AsyncClient) -> ServiceRuntime:
    return ServiceRuntime(VerifierSettings(data_dir=data_dir), db.engine, db.sessions, http, db.kek)


async def stored(db: Database) -> list[str]:
    async with session_scope(db.sessions) as session:
        return [issuer.did for issuer in await TrustList(session).all()]


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document))
    return path


async def test_the_stored_list_answers_lookups_as_the_checks_ask(db: Database) -> None:
    async with session_scope(db.sessions) as session:
        await TrustListService(session).replace(parse_list(EXAMPLE), actor="test")
    async with session_scope(db.sessions) as session:
        trusted: TrustedIssuers = TrustList(session)
        found = await trusted.lookup(UNI)
        assert found == parse_list(EXAMPLE)[0]
        assert await trusted.lookup("did:web:unknown.example") is None
    assert await stored(db) == [UNI, OTHER]


async def test_entries_are_added_changed_and_removed_in_order(db: Database) -> None:
    first, second = parse_list(EXAMPLE)
    async with session_scope(db.sessions) as session:
        service = TrustListService(session)
        await service.add(second, actor="test")
        await service.add(first, actor="test")
        changed = parse_list({"universities": [{**EXAMPLE["universities"][1], "country": "BE"}]})[0]
        await service.change(OTHER, changed, actor="test")
    async with session_scope(db.sessions) as session:
        service = TrustListService(session)
        assert [i.did for i in await service.entries()] == [OTHER, UNI]
        assert (await service.entry(OTHER)).country == "BE"
        await service.remove(OTHER)
    assert await stored(db) == [UNI]


async def test_a_file_is_loaded_at_start_and_edits_survive_a_restart_until_it_changes(
    db: Database, tmp_path: Path
) -> None:
    path = write(tmp_path / "trust-list.json", EXAMPLE)
    async with safe_client() as http:
        runtime = runtime_for(db, tmp_path, http)
        await load_trust_list_at_start(runtime, str(path))
        assert await stored(db) == [UNI, OTHER]

        async with session_scope(db.sessions) as session:
            await TrustListService(session).remove(OTHER)
        await load_trust_list_at_start(runtime, str(path))  # a restart, same file
        assert await stored(db) == [UNI]

        write(path, {"universities": [EXAMPLE["universities"][1]]})
        await load_trust_list_at_start(runtime, str(path))  # the operator edited the file
        assert await stored(db) == [OTHER]


async def test_a_bad_file_is_refused_and_the_list_that_was_there_is_kept(
    db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path / "trust-list.json", EXAMPLE)
    async with safe_client() as http:
        runtime = runtime_for(db, tmp_path, http)
        await load_trust_list_at_start(runtime, str(path))

        bad = json.loads(json.dumps(EXAMPLE))
        bad["universities"][1]["country"] = "France"
        write(path, bad)
        with caplog.at_level(logging.ERROR, logger="verifier.trust.startup"):
            await load_trust_list_at_start(runtime, str(path))
        assert await stored(db) == [UNI, OTHER]
        assert f"Entry 2 ({OTHER}): the country: 'France' is not" in caplog.text

        async with session_scope(db.sessions) as session:
            with pytest.raises(TrustListRefused) as refused:
                await TrustListService(session).reload(str(path), http)
        assert refused.value.description.startswith(
            f"The trust list file {path} was refused. Entry 2 ({OTHER}): the country"
        )
        assert await stored(db) == [UNI, OTHER]

        missing = tmp_path / "nowhere.json"
        async with session_scope(db.sessions) as session:
            with pytest.raises(TrustListRefused, match="There is no trust list file at"):
                await TrustListService(session).reload(str(missing), http)


async def test_a_development_node_reads_the_trust_list_in_its_data_directory(
    db: Database, tmp_path: Path
) -> None:
    write(tmp_path / "trust-list.json", EXAMPLE)
    async with safe_client() as http:
        production = ServiceRuntime(
            VerifierSettings(data_dir=tmp_path, environment=Environment.PRODUCTION),
            db.engine,
            db.sessions,
            http,
            db.kek,
        )
        await load_trust_list_at_start(production, None)
        assert await stored(db) == []
        await load_trust_list_at_start(runtime_for(db, tmp_path, http), None)
        assert await stored(db) == [UNI, OTHER]


def serving_json(body: bytes, content_type: str = "application/json") -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["host"] == "trust.example.org"
        return httpx.Response(200, content=body, headers={"Content-Type": content_type})

    return httpx.MockTransport(answer)


def resolving_to(address: str) -> Callable[[str, int], Any]:
    async def resolve(host: str, port: int) -> list[str]:
        return [address]

    return resolve


async def test_a_url_is_fetched_through_the_guarded_client(db: Database) -> None:
    transport = serving_json(json.dumps(EXAMPLE).encode())
    guarded = safe_client(transport=transport, resolver=resolving_to("93.184.216.34"))
    async with guarded as http, session_scope(db.sessions) as session:
        outcome = await TrustListService(session).load(LIST_URL, http, force=False)
    assert outcome.loaded
    assert await stored(db) == [UNI, OTHER]


async def test_a_url_on_a_private_network_is_refused_and_the_list_kept(db: Database) -> None:
    async with session_scope(db.sessions) as session:
        await TrustListService(session).replace(parse_list(EXAMPLE)[:1], actor="test")
    transport = serving_json(json.dumps(EXAMPLE).encode())
    guarded = safe_client(transport=transport, resolver=resolving_to("10.1.2.3"))
    async with guarded as http, session_scope(db.sessions) as session:
        with pytest.raises(TrustListRefused) as refused:
            await TrustListService(session).reload(LIST_URL, http)
    assert refused.value.description == (
        "The trust list could not be fetched. Refused to fetch from trust.example.org: "
        "it resolves to a private address."
    )
    assert await stored(db) == [UNI]


async def test_a_url_answering_what_is_not_a_trust_list_is_refused_in_words(
    db: Database,
) -> None:
    transport = serving_json(b"<html>Sign in</html>", "text/html")
    guarded = safe_client(transport=transport, resolver=resolving_to("93.184.216.34"))
    async with guarded as http, session_scope(db.sessions) as session:
        with pytest.raises(TrustListRefused) as refused:
            await TrustListService(session).load(LIST_URL, http, force=True)
    assert refused.value.description == (
        "The trust list from trust.example.org was refused. "
        "The trust list is not valid JSON (line 1, column 1)."
    )
