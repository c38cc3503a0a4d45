"""Passphrase-encrypted backups: the one way a holder key leaves a wallet, sealed.

A backup is a JSON envelope anyone may store anywhere (a cloud drive, an e-mail to oneself),
so everything inside is encrypted under a key derived from the learner's passphrase:

- KDF: argon2id (RFC 9106) with a random 16-byte salt. The default parameters are the RFC's
  second recommended option (t=3, 64 MiB, p=4). They are written into the envelope, so a
  backup made with other parameters still opens; when opening, parameters beyond fixed
  bounds are refused before any work is done, so a crafted file cannot make the server
  allocate gigabytes.
- Cipher: AES-256-GCM through shared.crypto.encryption.seal. The envelope's header (format,
  version, KDF parameters, salt) is the associated data: changing any of it makes the
  backup fail to open rather than open under weaker parameters.

Envelope::

    {"format": "credstack-wallet-backup", "version": 1,
     "kdf": {"name": "argon2id", "time_cost": 3, "memory_cost": 65536, "parallelism": 4},
     "salt": "<base64url>", "nonce": "<base64url>", "ciphertext": "<base64url>"}

The plaintext is ``{"contents": <what the caller backs up>, "holder_key": <private JWK>}``.
A wrong passphrase and a tampered file look the same to AES-GCM; both are ``WrongPassphrase``.
"""

from __future__ import annotations

import json
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from argon2.low_level import Type, hash_secret_raw

from shared.crypto.b64url import b64url_decode, b64url_encode
from shared.crypto.encryption import NONCE_BYTES, binding_data, seal, unseal
from shared.crypto.keys import PrivateKey, private_key_from_jwk
from shared.errors import CryptoError, InvalidInput
from shared.settings import KEK_BYTES

BACKUP_FORMAT = "credstack-wallet-backup"
BACKUP_VERSION = 1
KDF_NAME = "argon2id"
SALT_BYTES = 16
# The first byte of every ``seal`` blob (its layout version, see shared.crypto.encryption):
# the envelope keeps nonce and ciphertext apart, and this joins them back.
_SEAL_LAYOUT = b"\x01"


class BackupError(InvalidInput):
    """The file is not a credstack wallet backup this version can open."""

    code = "invalid_backup"


class WrongPassphrase(BackupError):
    code = "wrong_passphrase"


@dataclass(frozen=True)
class KdfParams:
    """argon2id cost parameters; ``memory_cost`` is in KiB, as argon2 counts it."""

    time_cost: int = 3
    memory_cost: int = 64 * 1024
    parallelism: int = 4

    # What opening a backup accepts: generous for backups made on other settings, bounded
    # so that a file cannot ask for unbounded memory or time.
    MAX_TIME_COST = 10
    MAX_MEMORY_COST = 256 * 1024
    MAX_PARALLELISM = 16

    def to_json(self) -> dict[str, Any]:
        return {
            "name": KDF_NAME,
            "time_cost": self.time_cost,
            "memory_cost": self.memory_cost,
            "parallelism": self.parallelism,
        }

    @classmethod
    def from_json(cls, value: object) -> KdfParams:
        if not isinstance(value, Mapping) or value.get("name") != KDF_NAME:
            raise BackupError(f"The backup's key derivation is not {KDF_NAME}.")
        numbers = {name: value.get(name) for name in ("time_cost", "memory_cost", "parallelism")}
        if not all(type(number) is int for number in numbers.values()):
            raise BackupError("The backup's key derivation parameters are not whole numbers.")
        params = cls(**numbers)  # type: ignore[arg-type]  # checked to be ints just above
        if not (
            1 <= params.time_cost <= cls.MAX_TIME_COST
            and 8 * params.parallelism <= params.memory_cost <= cls.MAX_MEMORY_COST
            and 1 <= params.parallelism <= cls.MAX_PARALLELISM
        ):
            raise BackupError("The backup's key derivation parameters are out of bounds.")
        return params


DEFAULT_KDF = KdfParams()


@dataclass(frozen=True, repr=False)
class OpenedBackup:
    contents: dict[str, Any]
    holder_key: PrivateKey = field(compare=False)

    def __repr__(self) -> str:
        return f"OpenedBackup(holder_key={self.holder_key!r})"


def seal_backup(
    contents: Mapping[str, Any],
    holder_key: PrivateKey,
    passphrase: str,
    *,
    kdf: KdfParams = DEFAULT_KDF,
) -> dict[str, Any]:
    """The envelope holding ``contents`` and ``holder_key``, encrypted under ``passphrase``.

    Slow on purpose (argon2id): call it from a worker thread in a server.
    """
    if not passphrase:
        raise InvalidInput("A backup needs a passphrase.")
    salt = secrets.token_bytes(SALT_BYTES)
    header = _header(kdf, salt)
    plaintext = json.dumps(
        {"contents": dict(contents), "holder_key": json.loads(holder_key.private_jwk_json())},
        separators=(",", ":"),
    ).encode("utf-8")
    blob = seal(plaintext, _derive(passphrase, salt, kdf), _associated_data(header))
    nonce, ciphertext = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    return {**header, "nonce": b64url_encode(nonce), "ciphertext": b64url_encode(ciphertext)}


def open_backup(envelope: Mapping[str, Any] | bytes, passphrase: str) -> OpenedBackup:
    """The contents and key of a backup; ``WrongPassphrase`` when it does not open."""
    data = _parse(envelope)
    if data.get("format") != BACKUP_FORMAT:
        raise BackupError("This file is not a credstack wallet backup.")
    if data.get("version") != BACKUP_VERSION:
        raise BackupError(f"This backup has version {data.get('version')!r}; expected 1.")
    kdf = KdfParams.from_json(data.get("kdf"))
    salt = _field(data, "salt")
    nonce = _field(data, "nonce")
    ciphertext = _field(data, "ciphertext")
    if len(salt) < SALT_BYTES or len(nonce) != NONCE_BYTES:
        raise BackupError("The backup's salt or nonce has the wrong length.")
    header = _header(kdf, salt)
    key = _derive(passphrase, salt, kdf)
    plaintext = unseal(_SEAL_LAYOUT + nonce + ciphertext, key, _associated_data(header))
    if plaintext is None:
        raise WrongPassphrase("The passphrase does not open this backup (or the file was changed).")
    try:
        opened = json.loads(plaintext)
        holder_key = private_key_from_jwk(json.dumps(opened["holder_key"]))
        contents = opened["contents"]
    except (ValueError, KeyError, TypeError, CryptoError):
        raise BackupError("The backup opened, but its contents are not readable.") from None
    if not isinstance(contents, dict):
        raise BackupError("The backup opened, but its contents are not readable.")
    return OpenedBackup(contents, holder_key)


def _derive(passphrase: str, salt: bytes, kdf: KdfParams) -> bytes:
    # NFC: the same passphrase typed on another device (composed or decomposed accents)
    # must derive the same key.
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return hash_secret_raw(
        secret,
        salt,
        time_cost=kdf.time_cost,
        memory_cost=kdf.memory_cost,
        parallelism=kdf.parallelism,
        hash_len=KEK_BYTES,
        type=Type.ID,
    )


def _header(kdf: KdfParams, salt: bytes) -> dict[str, Any]:
    return {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "kdf": kdf.to_json(),
        "salt": b64url_encode(salt),
    }


def _associated_data(header: Mapping[str, Any]) -> bytes:
    return binding_data(BACKUP_FORMAT, json.dumps(header, sort_keys=True, separators=(",", ":")))


def _parse(envelope: Mapping[str, Any] | bytes) -> Mapping[str, Any]:
    if isinstance(envelope, bytes):
        try:
            envelope = json.loads(envelope)
        except (ValueError, RecursionError):
            raise BackupError("This file is not a credstack wallet backup (not JSON).") from None
    if not isinstance(envelope, Mapping):
        raise BackupError("This file is not a credstack wallet backup.")
    return envelope


def _field(data: Mapping[str, Any], name: str) -> bytes:
    value = data.get(name)
    if not isinstance(value, str):
        raise BackupError(f"The backup has no {name}.")
    try:
        return b64url_decode(value)
    except ValueError:
        raise BackupError(f"The backup's {name} is not base64url.") from None
