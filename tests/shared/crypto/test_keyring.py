"""The key ring on a service's keys table: create, rotate, list, unseal; it never commits."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from datetime import UTC

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.crypto.key_record import KeyRecordMixin
from shared.crypto.keyring import KeyRing, StoredKey
from shared.crypto.keys import KeyAlgorithm
from shared.errors import Conflict, CryptoError, NotFound
from tests.support.rendezvous import rendezvous

ED, P256 = KeyAlgorithm.ED25519, KeyAlgorithm.P256
Sessions = async_sessionmaker[AsyncSession]
Model = type[KeyRecordMixin]
ROTATIONS = 3
ACTIVE_KEYS_QUERY = "keys.retired_at IS NULL"  # what rotate reads before it writes


async def test_created_key_signs_and_matches_its_public_key(
    sessions: Sessions, key_model: Model, kek: bytes
) -> None:
    async with sessions() as session, session.begin():
        ring = KeyRing(session, key_model, kek)
        stored = await ring.create("org-1", ED)
    async with sessions() as session:
        ring = KeyRing(session, key_model, kek)
        key = await ring.active_signing_key("org-1", ED)
        assert key.public_jwk() == stored.public_jwk
        assert (await ring.get_private(stored.id)).public_jwk() == stored.public_jwk
        assert (await ring.get(stored.id)).created_at.tzinfo is UTC


async def test_key_ids_are_random_and_url_safe(
    sessions: Sessions, key_model: Model, kek: bytes
) -> None:
    async with sessions() as session:
        ring = KeyRing(session, key_model, kek)
        ids = {(await ring.create("org-1", ED)).id for _ in range(5)}
    assert len(ids) == 5
    for key_id in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", key_id)


async def test_rotation_retires_the_active_key_and_keeps_it(
    sessions: Sessions, key_model: Model, kek: bytes
) -> None:
    """After rotation the new key signs, the old one is retired but still published."""
    async with sessions() as session, session.begin():
        ring = KeyRing(session, key_model, kek)
        first = await ring.create("org-1", ED)
        p256 = await ring.create("org-1", P256)
        second = await ring.rotate("org-1", ED)
    async with sessions() as session:
        ring = KeyRing(session, key_model, kek)
        assert (await ring.active_signing_key("org-1", ED)).public_jwk() == second.public_jwk
        assert (await ring.active_signing_key("org-1", P256)).public_jwk() == p256.public_jwk
        every = await ring.public_keys("org-1")
        assert [key.id for key in every] == [first.id, p256.id, second.id]
        retired = {key.id: key.retired_at is not None for key in every}
        assert retired == {first.id: True, p256.id: False, second.id: False}
        current = await ring.public_keys("org-1", include_retired=False)
        assert {key.id for key in current} == {p256.id, second.id}
        # A retired key can still be unsealed (e.g. to re-verify what it signed).
        assert (await ring.get_private(first.id)).public_jwk() == first.public_jwk
        active = await ring.active("org-1", ED)
        assert active is not None
        assert active.id == second.id


async def test_owners_are_kept_apart(sessions: Sessions, key_model: Model, kek: bytes) -> None:
    async with sessions() as session:
        ring = KeyRing(session, key_model, kek)
        await ring.create("org-1", ED)
        await ring.rotate("org-2", ED)  # rotating with no active key simply creates one
        await ring.rotate("org-2", ED)
        assert len(await ring.public_keys("org-1")) == 1
        assert len(await ring.public_keys("org-2", include_retired=False)) == 1
        assert len(await ring.public_keys("org-2")) == 2


async def test_missing_keys_are_not_found(sessions: Sessions, key_model: Model, kek: bytes) -> None:
    async with sessions() as session:
        ring = KeyRing(session, key_model, kek)
        with pytest.raises(NotFound, match="no active Ed25519 key"):
            await ring.active_signing_key("nobody", ED)
        with pytest.raises(NotFound):
            await ring.get_private("no-such-id")
        assert await ring.active("nobody", ED) is None


async def test_the_key_ring_never_commits(sessions: Sessions, key_model: Model, kek: bytes) -> None:
    """Without the caller's commit, nothing the ring did survives."""
    async with sessions() as session:
        ring = KeyRing(session, key_model, kek)
        await ring.create("org-1", ED)
        await session.rollback()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(key_model)) == 0


async def test_a_different_kek_is_reported_by_id(
    sessions: Sessions, key_model: Model, kek: bytes
) -> None:
    async with sessions() as session, session.begin():
        stored = await KeyRing(session, key_model, kek).create("org-1", ED)
    async with sessions() as session:
        with pytest.raises(CryptoError, match=f"sealed under key-encryption key {stored.kek_id}"):
            await KeyRing(session, key_model, secrets.token_bytes(32)).active_signing_key(
                "org-1", ED
            )


async def test_ciphertext_swapped_between_rows_does_not_decrypt(
    sessions: Sessions, key_model: Model, kek: bytes
) -> None:
    """Write access to the table cannot hand org-2's key to org-1."""
    async with sessions() as session, session.begin():
        ring = KeyRing(session, key_model, kek)
        mine = await ring.create("org-1", ED)
        theirs = await ring.create("org-2", ED)
        mine_row = await session.get(key_model, mine.id)
        theirs_row = await session.get(key_model, theirs.id)
        assert mine_row is not None
        assert theirs_row is not None
        mine_row.private_jwk_encrypted = theirs_row.private_jwk_encrypted
        mine_row.public_jwk = theirs_row.public_jwk
    async with sessions() as session:
        with pytest.raises(CryptoError, match="could not be decrypted"):
            await KeyRing(session, key_model, kek).active_signing_key("org-1", ED)


async def test_reprs_show_no_secrets(sessions: Sessions, key_model: Model, kek: bytes) -> None:
    async with sessions() as session:
        ring = KeyRing(session, key_model, kek)
        stored = await ring.create("org-1", P256)
        key = await ring.get_private(stored.id)
    d = json.loads(key.private_jwk_json())["d"]
    for text in (repr(ring), repr(stored), repr(key), str(key)):
        assert d not in text
        assert kek.hex() not in text


async def test_concurrent_rotations_leave_one_active_key(
    sessions: Sessions, key_model: Model, kek: bytes
) -> None:
    """Rotations that all read the same active key before any retires it: one rotates, the
    others fail with Conflict instead of each adding a successor; the old key is kept."""
    async with sessions() as session, session.begin():
        first = await KeyRing(session, key_model, kek).create("org-1", ED)

    async def rotate() -> StoredKey:
        async with sessions() as session, session.begin():
            return await KeyRing(session, key_model, kek).rotate("org-1", ED)

    with rendezvous(sessions.kw["bind"], ROTATIONS, ACTIVE_KEYS_QUERY):
        outcomes = await asyncio.gather(
            *(rotate() for _ in range(ROTATIONS)), return_exceptions=True
        )
    rotated = [outcome for outcome in outcomes if isinstance(outcome, StoredKey)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, Conflict)]
    assert (len(rotated), len(refused)) == (1, ROTATIONS - 1), outcomes
    async with sessions() as session:
        ring = KeyRing(session, key_model, kek)
        assert [key.id for key in await ring.public_keys("org-1", include_retired=False)] == [
            rotated[0].id
        ]
        every = await ring.public_keys("org-1")
        assert [key.id for key in every] == [first.id, rotated[0].id]
        assert every[0].retired_at is not None
        assert (await ring.active_signing_key("org-1", ED)).public_jwk() == rotated[0].public_jwk
