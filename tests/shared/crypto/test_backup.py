"""Passphrase-encrypted backups: they open with the passphrase and only with it, hold the key
only encrypted, and refuse envelopes that were changed or ask for unbounded work."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.crypto.backup import (
    BACKUP_FORMAT,
    DEFAULT_KDF,
    BackupError,
    KdfParams,
    WrongPassphrase,
    open_backup,
    seal_backup,
)
from shared.crypto.keys import KeyAlgorithm, generate_key
from shared.errors import InvalidInput
from tests.shared.crypto.test_no_plaintext_keys import encodings_of_private_key

# Cheap parameters keep the suite fast; the defaults are exercised once below.
FAST = KdfParams(time_cost=1, memory_cost=8 * 1024, parallelism=1)
PASSPHRASE = "blue canoe, seven lanterns"
CONTENTS = {"credentials": [{"format": "ldp_vc", "document": {"id": "urn:uuid:1"}}]}


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_a_backup_opens_with_its_passphrase_and_gives_back_contents_and_key(
    algorithm: KeyAlgorithm,
) -> None:
    key = generate_key(algorithm)
    envelope = seal_backup(CONTENTS, key, PASSPHRASE, kdf=FAST)
    opened = open_backup(json.dumps(envelope).encode(), PASSPHRASE)
    assert opened.contents == CONTENTS
    assert json.loads(opened.holder_key.private_jwk_json()) == json.loads(key.private_jwk_json())
    assert json.loads(key.private_jwk_json())["d"] not in repr(opened)


def test_the_default_parameters_are_argon2id_rfc9106_and_are_written_down() -> None:
    envelope = seal_backup(CONTENTS, generate_key(), PASSPHRASE)
    assert envelope["format"] == BACKUP_FORMAT
    assert envelope["version"] == 1
    assert envelope["kdf"] == {
        "name": "argon2id",
        "time_cost": 3,
        "memory_cost": 65536,
        "parallelism": 4,
    }
    assert DEFAULT_KDF.to_json() == envelope["kdf"]
    assert open_backup(envelope, PASSPHRASE).contents == CONTENTS


def test_the_envelope_holds_neither_key_nor_contents_in_any_encoding() -> None:
    key = generate_key()
    text = json.dumps(seal_backup(CONTENTS, key, PASSPHRASE, kdf=FAST)).encode()
    found = [name for name, needle in encodings_of_private_key(key).items() if needle in text]
    assert found == []
    assert b"urn:uuid:1" not in text
    assert PASSPHRASE.encode() not in text


def test_two_backups_of_the_same_wallet_differ_in_salt_nonce_and_ciphertext() -> None:
    key = generate_key()
    first = seal_backup(CONTENTS, key, PASSPHRASE, kdf=FAST)
    second = seal_backup(CONTENTS, key, PASSPHRASE, kdf=FAST)
    for member in ("salt", "nonce", "ciphertext"):
        assert first[member] != second[member]


@pytest.mark.parametrize("wrong", ["", "blue canoe, seven lantern", "BLUE CANOE, SEVEN LANTERNS"])
def test_a_wrong_passphrase_is_a_clear_error(wrong: str) -> None:
    envelope = seal_backup(CONTENTS, generate_key(), PASSPHRASE, kdf=FAST)
    with pytest.raises(WrongPassphrase, match="passphrase does not open"):
        open_backup(envelope, wrong)


def test_the_passphrase_is_compared_after_unicode_normalisation() -> None:
    """A passphrase typed with a composed 'é' opens a backup made with 'e' + combining accent."""
    envelope = seal_backup(CONTENTS, generate_key(), "caf\u0065\u0301 au lait!", kdf=FAST)
    assert open_backup(envelope, "caf\u00e9 au lait!").contents == CONTENTS


def _changed(envelope: dict[str, Any], member: str, value: Any) -> dict[str, Any]:
    return {**envelope, member: value}


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("kdf", {"name": "argon2id", "time_cost": 2, "memory_cost": 8192, "parallelism": 1}),
        ("salt", "AAAAAAAAAAAAAAAAAAAAAA"),
        ("nonce", "AAAAAAAAAAAAAAAA"),
    ],
)
def test_a_changed_header_does_not_open(member: str, value: Any) -> None:
    """The header is authenticated: weaker parameters or another salt cannot be swapped in."""
    envelope = seal_backup(CONTENTS, generate_key(), PASSPHRASE, kdf=FAST)
    with pytest.raises(WrongPassphrase):
        open_backup(_changed(envelope, member, value), PASSPHRASE)


def test_a_changed_ciphertext_does_not_open() -> None:
    envelope = seal_backup(CONTENTS, generate_key(), PASSPHRASE, kdf=FAST)
    text = envelope["ciphertext"]
    flipped = text[:10] + ("A" if text[10] != "A" else "B") + text[11:]
    with pytest.raises(WrongPassphrase):
        open_backup(_changed(envelope, "ciphertext", flipped), PASSPHRASE)


@pytest.mark.parametrize(
    "kdf",
    [
        {"name": "argon2id", "time_cost": 3, "memory_cost": 4 * 1024 * 1024, "parallelism": 4},
        {"name": "argon2id", "time_cost": 1000, "memory_cost": 8192, "parallelism": 1},
        {"name": "argon2id", "time_cost": 1, "memory_cost": 8192, "parallelism": 64},
        {"name": "argon2id", "time_cost": 0, "memory_cost": 8192, "parallelism": 1},
        {"name": "argon2id", "time_cost": "3", "memory_cost": 8192, "parallelism": 1},
        {"name": "scrypt", "time_cost": 1, "memory_cost": 8192, "parallelism": 1},
    ],
)
def test_parameters_out_of_bounds_are_refused_before_any_work(kdf: dict[str, Any]) -> None:
    envelope = seal_backup(CONTENTS, generate_key(), PASSPHRASE, kdf=FAST)
    with pytest.raises(BackupError) as raised:
        open_backup(_changed(envelope, "kdf", kdf), PASSPHRASE)
    assert not isinstance(raised.value, WrongPassphrase)


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[]",
        json.dumps({"format": "something-else", "version": 1}).encode(),
        json.dumps({"format": BACKUP_FORMAT, "version": 2}).encode(),
        json.dumps({"format": BACKUP_FORMAT, "version": 1, "kdf": FAST.to_json()}).encode(),
    ],
)
def test_a_file_that_is_not_a_backup_is_refused_as_such(content: bytes) -> None:
    with pytest.raises(BackupError) as raised:
        open_backup(content, PASSPHRASE)
    assert not isinstance(raised.value, WrongPassphrase)
    assert raised.value.status_code == 400


def test_a_backup_needs_a_passphrase() -> None:
    with pytest.raises(InvalidInput, match="passphrase"):
        seal_backup(CONTENTS, generate_key(), "", kdf=FAST)
