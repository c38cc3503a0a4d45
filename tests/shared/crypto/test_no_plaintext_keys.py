"""No private key reaches the disk in clear: every byte of the data directory is searched.

Keys are stored through the key ring into an SQLite file (WAL mode, as the services run)
inside a data directory; then every file there (database, ``-wal``, ``-shm``, anything
else) is read raw and searched for each key's private scalar ``d`` in every encoding the
code base uses. The scan proves it reads the right bytes: the public ``x`` of every key
must be found, and a planted leak must be reported.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import base58
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.crypto.b64url import b64url_decode
from shared.crypto.key_record import KeyRecordMixin
from shared.crypto.keyring import KeyRing
from shared.crypto.keys import KeyAlgorithm, PrivateKey
from shared.db import session_factory

OWNERS = ("org-1", "learner-7")
OpenDatabase = Callable[..., Awaitable[AsyncEngine]]


def encodings_of_private_key(key: PrivateKey) -> dict[str, bytes]:
    """Every form in which ``d`` (or the whole private JWK) could have been written."""
    d_text = json.loads(key.private_jwk_json())["d"]
    raw = b64url_decode(d_text)
    return {
        "base64url": d_text.encode(),
        "base64url padded": base64.urlsafe_b64encode(raw),
        "base64": base64.b64encode(raw),
        "base64 unpadded": base64.b64encode(raw).rstrip(b"="),
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
        "raw": raw,
        "base58": base58.b58encode(raw),
        "private JWK JSON": key.private_jwk_json().encode(),
    }


def read_data_dir(data_dir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(data_dir)): path.read_bytes()
        for path in sorted(data_dir.rglob("*"))
        if path.is_file()
    }


def find_leaks(files: dict[str, bytes], keys: list[PrivateKey]) -> list[str]:
    return [
        f"{name}: {encoding} of the {key.algorithm.value} key {key.thumbprint()}"
        for key in keys
        for encoding, needle in encodings_of_private_key(key).items()
        for name, content in files.items()
        if needle in content
    ]


async def store_keys(engine: AsyncEngine, key_model: type[KeyRecordMixin], kek: bytes) -> None:
    """Several Ed25519 and P-256 keys for two owners, one of them rotated."""
    async with session_factory(engine)() as session, session.begin():
        ring = KeyRing(session, key_model, kek)
        for owner in OWNERS:
            for algorithm in KeyAlgorithm:
                await ring.create(owner, algorithm)
                await ring.create(owner, algorithm)
        await ring.rotate(OWNERS[0], KeyAlgorithm.ED25519)


async def all_private_keys(
    engine: AsyncEngine, key_model: type[KeyRecordMixin], kek: bytes
) -> list[PrivateKey]:
    async with session_factory(engine)() as session:
        ring = KeyRing(session, key_model, kek)
        stored = [key for owner in OWNERS for key in await ring.public_keys(owner)]
        return [await ring.get_private(key.id) for key in stored]


async def test_no_private_key_material_in_any_file_of_the_data_directory(
    tmp_path: Path,
    key_model: type[KeyRecordMixin],
    kek: bytes,
    open_keys_database: OpenDatabase,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # SQL and its parameters
    engine = await open_keys_database(data_dir / "issuer.db", echo=True)

    # While a connection stays open, SQLite keeps the new pages in the -wal file.
    async with engine.connect():
        await store_keys(engine, key_model, kek)
        keys = await all_private_keys(engine, key_model, kek)
        with_wal = read_data_dir(data_dir)
    await engine.dispose()
    closed = read_data_dir(data_dir)

    assert len(keys) == 9
    assert {key.algorithm for key in keys} == set(KeyAlgorithm)
    assert "issuer.db-wal" in with_wal
    assert "issuer.db" in closed
    for files in (with_wal, closed):
        everything = b"".join(files.values())
        for key in keys:
            # The scan reads the bytes the keys were written to: public halves are there.
            assert key.public_jwk()["x"].encode() in everything
        assert find_leaks(files, keys) == []
    for key in keys:
        assert key.public_jwk()["x"].encode() in closed["issuer.db"]

    logged = caplog.text.encode()
    assert b"INSERT INTO keys" in logged
    leaks_in_log = [
        encoding
        for key in keys
        for encoding, needle in encodings_of_private_key(key).items()
        if needle in logged
    ]
    assert leaks_in_log == []


async def test_the_scan_reports_a_planted_leak(
    tmp_path: Path, key_model: type[KeyRecordMixin], kek: bytes, open_keys_database: OpenDatabase
) -> None:
    """The test above can fail: a key written in clear anywhere in the directory is found."""
    data_dir = tmp_path / "data"
    (data_dir / "logs").mkdir(parents=True)
    engine = await open_keys_database(data_dir / "issuer.db")
    await store_keys(engine, key_model, kek)
    keys = await all_private_keys(engine, key_model, kek)
    await engine.dispose()
    assert find_leaks(read_data_dir(data_dir), keys) == []

    leaked = keys[3]
    for encoding, needle in encodings_of_private_key(leaked).items():
        (data_dir / "logs" / "debug.log").write_bytes(b"prefix " + needle + b" suffix")
        leaks = find_leaks(read_data_dir(data_dir), keys)
        assert any(f"logs/debug.log: {encoding} " in leak for leak in leaks), encoding
