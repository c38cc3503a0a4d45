"""Pre-authorized codes: minted at each fetch of the offer object, short-lived, stored nowhere.

A code reads ``<offer id>.<minted at>.<salt>.<MAC>``, each piece base64url: the offer's id
(UTF-8), when it was minted (Unix seconds, 8 bytes big-endian), 16 random bytes, and an
HMAC-SHA256 of the first three pieces as written, under a key derived from the
key-encryption key. So the token endpoint needs no table to know which offer a code is for
and whether it is still fresh (``pre_authorized_code_ttl_seconds``), and the offer link can
live for days while each code lives minutes (OpenID4VCI 1.0 "Credential Offer Parameters":
"short lived"). The salt makes every fetch's code new, even two fetches in one second (a
wallet and a link preview).

Single use belongs to the offer, not to the code: redeeming marks the offer, so every code
minted for one offer together works once, and tx_code attempts count per offer (a fresh code
resets nothing).

The tx_code (PIN) itself is stored as an HMAC under another KEK-derived key
(``TxCodeDigests``): a PIN has only a million values, so a plain SHA-256 in a database dump
would give every PIN away at once; without the KEK the digest gives nothing.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from issuer.oid4vci.errors import INVALID_GRANT
from issuer.settings import IssuerSettings
from shared.crypto.b64url import b64url_decode, b64url_encode
from shared.errors import ProtocolError
from shared.tokens import keyed_digest, purpose_key

# A new label whenever the layout changes, so that a code of one layout never verifies as
# another.
_KEY_LABEL = b"credstack issuer pre-authorized code v2"
_TX_CODE_LABEL = b"credstack issuer tx_code v1"
_SEPARATOR = "."
_TIME_BYTES = 8
_SALT_BYTES = 16
_SIGNED_PIECES = 3
# Replicas mint and check codes with their own clocks.
CLOCK_SKEW_SECONDS = 60


class PreAuthorizedCodes:
    def __init__(self, kek: bytes, ttl_seconds: int) -> None:
        self._key = purpose_key(kek, _KEY_LABEL)
        self._ttl_seconds = ttl_seconds

    @classmethod
    def of(cls, settings: IssuerSettings, kek: bytes) -> PreAuthorizedCodes:
        return cls(kek, settings.pre_authorized_code_ttl_seconds)

    def mint(self, offer_id: str, now: datetime) -> str:
        minted_at = int(now.timestamp()).to_bytes(_TIME_BYTES, "big")
        signed = _SEPARATOR.join(
            b64url_encode(piece)
            for piece in (offer_id.encode(), minted_at, secrets.token_bytes(_SALT_BYTES))
        )
        return _SEPARATOR.join((signed, b64url_encode(self._mac(signed))))

    def offer_id(self, code: str, now: datetime) -> str:
        """The id of the offer a code redeems, if this issuer minted the code and it is
        still fresh; otherwise ``invalid_grant`` saying which (no secret in the words)."""
        signed, mac = _signed_and_mac(code)
        if not hmac.compare_digest(mac, self._mac(signed)):
            raise _invalid_grant("The pre-authorized code was not issued by this issuer.")
        # What the MAC covers is what mint() wrote, so it decodes.
        offer_piece, time_piece, _ = signed.split(_SEPARATOR)
        age = int(now.timestamp()) - int.from_bytes(b64url_decode(time_piece), "big")
        if age > self._ttl_seconds:
            raise _invalid_grant(
                f"The pre-authorized code has expired (codes last {self._ttl_seconds} "
                "seconds); fetch the credential offer again for a fresh one."
            )
        if age < -CLOCK_SKEW_SECONDS:
            raise _invalid_grant("The pre-authorized code is dated in the future.")
        return b64url_decode(offer_piece).decode()

    def _mac(self, signed: str) -> bytes:
        return keyed_digest(self._key, signed)


class TxCodeDigests:
    """What is stored of an offer's tx_code, and the constant-time check of one entered."""

    def __init__(self, kek: bytes) -> None:
        self._key = purpose_key(kek, _TX_CODE_LABEL)

    def digest(self, tx_code: str) -> str:
        return keyed_digest(self._key, tx_code).hex()

    def matches(self, tx_code: str, stored: str) -> bool:
        return hmac.compare_digest(self.digest(tx_code), stored)


def _signed_and_mac(code: str) -> tuple[str, bytes]:
    """The three pieces the MAC covers, as written, and the MAC; ``invalid_grant`` for any
    other shape."""
    signed, _, mac_piece = code.rpartition(_SEPARATOR)
    try:
        if signed.count(_SEPARATOR) != _SIGNED_PIECES - 1:
            raise ValueError("not four pieces")
        return signed, b64url_decode(mac_piece)
    except ValueError:
        raise _invalid_grant(
            "The pre-authorized code is malformed; send the code from the credential offer."
        ) from None


def _invalid_grant(description: str) -> ProtocolError:
    return ProtocolError(description, code=INVALID_GRANT)
