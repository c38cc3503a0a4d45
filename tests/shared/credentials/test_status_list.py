import base64
import gzip
from datetime import UTC, datetime

import pytest

from shared.credentials.status_list import (
    MIN_ENTRIES,
    Bitstring,
    StatusListError,
    StatusPurpose,
    decode_list,
    read_entry_status,
    status_entry,
    status_list_credential,
)

SPEC_EXAMPLE = "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
LIST_URL = "https://issuer.uni.example/status/revocation/1"


def test_the_spec_example_decodes_to_131072_clear_entries() -> None:
    bits = decode_list(SPEC_EXAMPLE)
    assert len(bits) == MIN_ENTRIES
    assert bits.to_bytes() == bytes(16_384)
    assert decode_list("u" + SPEC_EXAMPLE).to_bytes() == bytes(16_384)


def test_index_zero_is_the_leftmost_bit() -> None:
    bits = Bitstring.empty()
    bits.set(0, True)
    bits.set(9, True)
    raw = bits.to_bytes()
    assert (raw[0], raw[1]) == (0x80, 0x40)
    assert (bits.get(0), bits.get(1), bits.get(9)) == (True, False, True)


def test_encoding_round_trips_and_is_unpadded_base64url_gzip() -> None:
    bits = Bitstring.empty()
    for index in (0, 7, 40_213, MIN_ENTRIES - 1):
        bits.set(index, True)
    encoded = bits.encode()
    assert "=" not in encoded
    assert encoded.startswith("H4sI")
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert raw == bits.to_bytes()
    again = decode_list(encoded)
    assert [again.get(i) for i in (0, 1, 7, 40_213, MIN_ENTRIES - 1)] == [
        True,
        False,
        True,
        True,
        True,
    ]
    bits.set(7, False)
    assert not decode_list(bits.encode()).get(7)


def test_a_list_shorter_than_131072_entries_is_refused() -> None:
    short = base64.urlsafe_b64encode(gzip.compress(bytes(1024))).decode().rstrip("=")
    with pytest.raises(StatusListError, match="at least 131072"):
        decode_list(short)
    with pytest.raises(ValueError, match="131072"):
        Bitstring.empty(1024)


def test_garbage_and_out_of_range_indexes_are_refused() -> None:
    with pytest.raises(StatusListError, match="GZIP"):
        decode_list("not-a-list!")
    with pytest.raises(StatusListError, match="outside the list"):
        Bitstring.empty().get(MIN_ENTRIES)
    with pytest.raises(StatusListError, match="outside the list"):
        Bitstring.empty().set(-1, True)


def test_a_gzip_bomb_is_refused() -> None:
    bomb = base64.urlsafe_b64encode(gzip.compress(bytes(17 * 1024 * 1024))).decode()
    with pytest.raises(StatusListError, match="16 MiB"):
        decode_list(bomb)


def _list_with(index: int, purpose: StatusPurpose) -> dict[str, object]:
    bits = Bitstring.empty()
    bits.set(index, True)
    return status_list_credential(
        list_url=LIST_URL,
        issuer="did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        purpose=purpose,
        bits=bits,
        issued_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_an_entry_reads_its_bit_from_its_list() -> None:
    listing = _list_with(40_213, StatusPurpose.REVOCATION)
    assert listing["type"] == ["VerifiableCredential", "StatusList2021Credential"]
    revoked = status_entry(LIST_URL, 40_213, StatusPurpose.REVOCATION)
    assert revoked == {
        "id": f"{LIST_URL}#40213",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "40213",
        "statusListCredential": LIST_URL,
    }
    assert read_entry_status(revoked, listing).set is True
    assert (
        read_entry_status(status_entry(LIST_URL, 5, StatusPurpose.REVOCATION), listing).set is False
    )


def test_an_entry_is_not_read_from_a_list_of_another_purpose_or_url() -> None:
    listing = _list_with(3, StatusPurpose.SUSPENSION)
    with pytest.raises(StatusListError, match="purpose"):
        read_entry_status(status_entry(LIST_URL, 3, StatusPurpose.REVOCATION), listing)
    with pytest.raises(StatusListError, match="another list"):
        read_entry_status(status_entry(LIST_URL + "x", 3, StatusPurpose.SUSPENSION), listing)
