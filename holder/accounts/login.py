"""Logging in with an e-mail address and password, throttled against guessing.

The throttle counts the attempt before the password is checked and refuses it outright
while the address is locked (holder.accounts.throttle). A known address with a wrong
password and an unknown address take the same path, the same time and the same answers.
"""

from __future__ import annotations

from holder.accounts.service import Accounts, normalise_email
from holder.accounts.throttle import LoginThrottle
from holder.models import Learner
from shared.errors import Unauthorized


class Logins:
    def __init__(self, accounts: Accounts, throttle: LoginThrottle) -> None:
        self._accounts = accounts
        self._throttle = throttle

    async def log_in(self, email: str, password: str) -> tuple[Learner, str]:
        """Check the password and open a session; returns the learner and the session token.

        Unauthorized for a wrong address or password; TooManyAttempts (429) while the address
        is locked, whatever the password.
        """
        name = normalise_email(email)
        await self._throttle.attempt(name)
        learner = await self._accounts.learner_with_password(name, password)
        if learner is None:
            raise Unauthorized("E-mail address or password is wrong.")
        await self._throttle.succeeded(name)
        return learner, await self._accounts.open_session(learner)
