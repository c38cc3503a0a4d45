"""Learner accounts: sign-up creates the learner's own key and DID inside the wallet.

Passwords are hashed with argon2id. Logging in goes through ``holder.accounts.login``, which
throttles password guessing around ``learner_with_password``. A session is a random token in
a cookie (or a bearer token for API clients), stored only as a hash. The holder key never
leaves this service: it is sealed in the ``keys`` table and used only through
``holder_signing_key``.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from holder.i18n import _
from holder.models import Learner, StoredKey, WalletSession
from shared.clock import as_utc, new_id, utcnow
from shared.crypto.keyring import KeyRing
from shared.crypto.keys import KeyAlgorithm, SigningKey
from shared.did.key import did_key_from_jwk, did_key_verification_method_id
from shared.errors import Conflict, InvalidInput
from shared.tokens import new_token, token_hash

MIN_PASSWORD_LENGTH = 10
# What the forms state and the service enforces: a name fits a card and the column; an
# address fits RFC 5321; a password longer than this is no safer, only slower to hash.
MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254
MAX_PASSWORD_LENGTH = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verifying against this when the e-mail is unknown keeps both answers equally slow:
    the same hasher, so the same argon2 parameters as every learner's hash."""
    return _hasher.hash("credstack: no such learner")


# argon2 takes tens of milliseconds of CPU on purpose; in a thread (argon2-cffi releases
# the GIL) it does not stall every other request of the wallet meanwhile.
async def _hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    """The login name an address stands for: ``Ada@Example.org `` is ``ada@example.org``."""
    return email.strip().lower()


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("Choose a password of at least %(num)s characters.", num=MIN_PASSWORD_LENGTH)
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            _("A password can have at most %(num)s characters.", num=MAX_PASSWORD_LENGTH)
        )


def key_owner(learner_id: str) -> str:
    return f"learner:{learner_id}"


@dataclass(frozen=True)
class SignUp:
    email: str
    password: str
    display_name: str
    language: str = "en"
    interface_language: str | None = None  # the wallet's words; None: from the browser


class Accounts:
    def __init__(self, session: AsyncSession, kek: bytes, session_ttl_seconds: int) -> None:
        self._session = session
        self._keys = KeyRing(session, StoredKey, kek)
        self._session_ttl = timedelta(seconds=session_ttl_seconds)

    async def sign_up(self, form: SignUp) -> Learner:
        email = normalise_email(form.email)
        if len(email) > MAX_EMAIL_LENGTH:
            raise InvalidInput(
                _("An e-mail address has at most %(num)s characters.", num=MAX_EMAIL_LENGTH)
            )
        if not _EMAIL.match(email):
            raise InvalidInput(_("Enter a valid e-mail address."))
        if len(form.display_name.strip()) > MAX_NAME_LENGTH:
            raise InvalidInput(
                _("Your name can have at most %(num)s characters.", num=MAX_NAME_LENGTH)
            )
        check_new_password(form.password)
        if await self._session.scalar(select(Learner.id).where(Learner.email == email)):
            raise Conflict(_("An account with this e-mail address exists already."))
        learner_id = new_id()
        key = await self._keys.create(key_owner(learner_id), KeyAlgorithm.ED25519)
        learner = Learner(
            id=learner_id,
            email=email,
            password_hash=await _hash_password(form.password),
            display_name=form.display_name.strip() or email,
            language=form.language,
            interface_language=form.interface_language,
            did=did_key_from_jwk(key.public_jwk),
            key_id=key.id,
            created_at=utcnow(),
        )
        self._session.add(learner)
        await self._session.flush()
        return learner

    async def learner_with_password(self, email: str, password: str) -> Learner | None:
        """The learner whose e-mail and password these are, else None, in the same time
        either way. Unthrottled: logins go through ``holder.accounts.login.Logins``."""
        learner = await self._session.scalar(
            select(Learner).where(Learner.email == normalise_email(email))
        )
        stored = learner.password_hash if learner else await asyncio.to_thread(_dummy_hash)
        matches = await _password_matches(stored, password)
        return learner if matches else None

    async def open_session(self, learner: Learner) -> str:
        """A new session for ``learner``; returns its token (only its hash is stored)."""
        token = new_token()
        now = utcnow()
        self._session.add(
            WalletSession(
                token_hash=token_hash(token),
                learner_id=learner.id,
                created_at=now,
                expires_at=now + self._session_ttl,
            )
        )
        return token

    async def learner_for_token(self, token: str) -> Learner | None:
        row = await self._session.get(WalletSession, token_hash(token))
        if row is None or as_utc(row.expires_at) <= utcnow():
            return None
        return await self._session.get(Learner, row.learner_id)

    async def log_out(self, token: str) -> None:
        await self._session.execute(
            delete(WalletSession).where(WalletSession.token_hash == token_hash(token))
        )

    async def set_password(self, learner: Learner, password: str) -> str:
        """A new password (argon2id, as at sign-up); every session of the learner is closed
        (a thief's too) and a new one opened for the one who changed it: its token."""
        check_new_password(password)
        learner.password_hash = await _hash_password(password)
        await self._session.execute(
            delete(WalletSession).where(WalletSession.learner_id == learner.id)
        )
        await self._session.flush()
        return await self.open_session(learner)

    async def set_languages(
        self, learner: Learner, interface_language: str, credentials_language: str
    ) -> None:
        """The wallet's words in ``interface_language``; credentials' texts shown in
        ``credentials_language`` where the issuer gives it. Callers pass known languages."""
        learner.interface_language = interface_language
        learner.language = credentials_language
        await self._session.flush()

    async def holder_signing_key(self, learner: Learner) -> SigningKey:
        """The learner's key, for proofs and presentations made inside the wallet only."""
        private = await self._keys.get_private(learner.key_id)
        return SigningKey(private, did_key_verification_method_id(learner.did))

    async def erase(self, learner: Learner) -> None:
        """Delete the account and everything it owns, its key included."""
        await self._session.execute(
            delete(StoredKey).where(StoredKey.owner == key_owner(learner.id))
        )
        await self._session.execute(delete(Learner).where(Learner.id == learner.id))
