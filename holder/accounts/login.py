"""Logging in with an e-mail address and password, throttled against guessing.

The throttle counts the attempt before the password is checked and refuses it outright
while the address is locked (holder.accounts.throttle). A known address with a wrong
password and an unknown address take the same path, the same time and the same answers.
"""

from __future__ import annotations

from holder.accounts.service import Accounts, normalise_email
from holder.accounts.throttle import LoginThrottle
from holder.i18n import _
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
            raise Unauthorized(_("E-mail address or password is wrong."))
        await self._throttle.succeeded(name)
        return learner, await self._accounts.open_session(learner)

    async def change_password(self, learner: Learner, current: str, new: str) -> str:
        """Change ``learner``'s password if ``current`` is it (guesses are throttled as at log
        in: a stolen session must not become a way to find the password); every other
        session is closed. Returns the token of the new session."""
        await self._throttle.attempt(learner.email)
        if await self._accounts.learner_with_password(learner.email, current) is None:
            raise Unauthorized(_("Your current password is not right; nothing was changed."))
        await self._throttle.succeeded(learner.email)
        return await self._accounts.set_password(learner, new)
