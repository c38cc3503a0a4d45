"""A service's signing keys in its own ``keys`` table: create, rotate, list, unseal.

Works on any model class that mixes in ``KeyRecordMixin``, so each service keeps the table
in its own database and migrations. Private JWKs are stored only as AES-GCM ciphertext
bound to their row (shared.crypto.encryption). Rotation retires rather than deletes:
credentials signed with an old key must still verify. The repository flushes but never
commits; the caller's unit of work (shared.db.session_scope) does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import as_utc, utcnow
from shared.crypto.encryption import KeyBinding, decrypt_private_key, encrypt_private_key, kek_id
from shared.crypto.key_record import KeyRecordMixin
from shared.crypto.keys import KeyAlgorithm, PrivateKey, generate_key
from shared.errors import Conflict, CryptoError, NotFound

KEY_ID_BYTES = 16  # 22 URL-safe characters


# Unsealed private keys by (KEK id, key id, sealed blob); bounded, as a process signs with
# a handful of keys (one per organisation) but may look at many.
_UNSEALED: dict[tuple[str, str, bytes], PrivateKey] = {}
_UNSEALED_MAX = 256


@dataclass(frozen=True)
class StoredKey:
    """What may be known about a stored key without unsealing it."""

    id: str
    owner: str
    algorithm: KeyAlgorithm
    public_jwk: dict[str, str]
    created_at: datetime
    retired_at: datetime | None
    kek_id: str

    @property
    def active(self) -> bool:
        return self.retired_at is None


class KeyRing:
    """Keys of one service, sealed under its key-encryption key (never shown in a repr)."""

    def __init__(self, session: AsyncSession, model: type[KeyRecordMixin], kek: bytes) -> None:
        self._session = session
        self._model = model
        self._kek = kek
        self._kek_id = kek_id(kek)
        self._loaded: dict[str, KeyRecordMixin] = {}

    def __repr__(self) -> str:
        return f"KeyRing({self._model.__name__}, kek_id={self._kek_id})"

    async def create(self, owner: str, algorithm: KeyAlgorithm) -> StoredKey:
        """A new active key for ``owner``; any older active key stays active (see rotate)."""
        return await self.adopt(owner, generate_key(algorithm))

    async def adopt(self, owner: str, key: PrivateKey) -> StoredKey:
        """Store an existing key for ``owner`` (a wallet restored from a backup), sealed
        exactly like a key made here."""
        algorithm = key.algorithm
        record = self._model()
        record.id = secrets.token_urlsafe(KEY_ID_BYTES)
        record.owner = owner
        record.algorithm = algorithm.value
        record.public_jwk = key.public_jwk()
        record.private_jwk_encrypted = encrypt_private_key(
            key, self._kek, KeyBinding(owner, record.id, algorithm)
        )
        record.kek_id = self._kek_id
        record.created_at = utcnow()
        record.retired_at = None
        self._session.add(record)
        await self._session.flush()
        return _stored(record)

    async def rotate(self, owner: str, algorithm: KeyAlgorithm) -> StoredKey:
        """Retire ``owner``'s active keys of ``algorithm`` and create their successor.

        Of two rotations at once, both may read the same active key before either retires
        it; each would then add a successor, leaving two active keys. So the keys are retired
        with a conditional UPDATE that only one caller can win: the other waits for the
        winner's commit (PostgreSQL's row lock, SQLite's write lock), finds the keys retired
        already and fails with Conflict, and the winner's successor is the one active key.
        """
        seen = [record.id for record in await self._active_records(owner, algorithm)]
        if seen:
            retired = await self._session.execute(
                update(self._model)
                .where(self._model.id.in_(seen), self._model.retired_at.is_(None))
                .values(retired_at=utcnow())
            )
            if retired.rowcount != len(seen):  # type: ignore[attr-defined]  # a CursorResult
                raise Conflict(
                    f"{owner!r}'s {algorithm.value} key was rotated by another request at the "
                    "same moment; its successor is active."
                )
        return await self.create(owner, algorithm)

    async def active(self, owner: str, algorithm: KeyAlgorithm) -> StoredKey | None:
        """The newest active key of ``owner`` for ``algorithm``, if there is one."""
        records = await self._active_records(owner, algorithm)
        return _stored(records[0]) if records else None

    async def active_signing_key(self, owner: str, algorithm: KeyAlgorithm) -> PrivateKey:
        records = await self._active_records(owner, algorithm)
        if not records:
            raise NotFound(f"{owner!r} has no active {algorithm.value} key.")
        return self._unseal(records[0])

    async def public_keys(self, owner: str, *, include_retired: bool = True) -> list[StoredKey]:
        """``owner``'s keys, oldest first: what a DID document or JWKS publishes."""
        query = select(self._model).where(self._model.owner == owner)
        if not include_retired:
            query = query.where(self._model.retired_at.is_(None))
        records = (await self._session.scalars(query.order_by(self._model.created_at))).all()
        return [_stored(record) for record in records]

    async def get(self, key_id: str) -> StoredKey:
        return _stored(await self._record(key_id))

    async def get_private(self, key_id: str) -> PrivateKey:
        """Unseal any key, retired or not (a retired key never signs again, but may decrypt)."""
        return self._unseal(await self._record(key_id))

    async def _record(self, key_id: str) -> KeyRecordMixin:
        # The records the last look-up for active keys loaded: the session's identity map
        # keeps an object only while something references it, so ``get`` would query again.
        if key_id in self._loaded:
            return self._loaded[key_id]
        record = await self._session.get(self._model, key_id)
        if record is None:
            raise NotFound(f"No stored key {key_id!r}.")
        return record

    async def _active_records(self, owner: str, algorithm: KeyAlgorithm) -> list[KeyRecordMixin]:
        query = (
            select(self._model)
            .where(
                self._model.owner == owner,
                self._model.algorithm == algorithm.value,
                self._model.retired_at.is_(None),
            )
            .order_by(self._model.created_at.desc())
        )
        records = list((await self._session.scalars(query)).all())
        self._loaded = {record.id: record for record in records}
        return records

    def _unseal(self, record: KeyRecordMixin) -> PrivateKey:
        # Unsealed once per process, not per signature: the sealed blob, bound to its
        # record, names the key exactly (a rotation or re-seal makes a new blob).
        cache_key = (self._kek_id, record.id, bytes(record.private_jwk_encrypted))
        key = _UNSEALED.get(cache_key)
        if key is None:
            key = self._unseal_now(record)
            if len(_UNSEALED) >= _UNSEALED_MAX:
                _UNSEALED.clear()
            _UNSEALED[cache_key] = key
        return key

    def _unseal_now(self, record: KeyRecordMixin) -> PrivateKey:
        if record.kek_id != self._kek_id:
            raise CryptoError(
                f"Stored key {record.id} was sealed under key-encryption key {record.kek_id}, "
                f"but this service runs with {self._kek_id}."
            )
        binding = KeyBinding(record.owner, record.id, KeyAlgorithm(record.algorithm))
        key = decrypt_private_key(record.private_jwk_encrypted, self._kek, binding)
        if key.public_jwk() != record.public_jwk:
            raise CryptoError(f"Stored key {record.id}: the public key does not match its seal.")
        return key


def _stored(record: KeyRecordMixin) -> StoredKey:
    return StoredKey(
        id=record.id,
        owner=record.owner,
        algorithm=KeyAlgorithm(record.algorithm),
        public_jwk=dict(record.public_jwk),
        created_at=as_utc(record.created_at),
        retired_at=None if record.retired_at is None else as_utc(record.retired_at),
        kek_id=record.kek_id,
    )
