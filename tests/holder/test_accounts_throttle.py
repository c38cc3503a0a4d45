"""Password guessing is throttled per e-mail address, on the page and over the API alike.

With the default settings: five failed logins in a row lock the address for 30 seconds,
twice as long after each further failure, up to 15 minutes. Time is moved on by editing the
stored lock (through the app) or by the throttle's clock (the throttle alone).
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from holder.accounts import service as accounts_service
from holder.accounts.throttle import LoginThrottle, TooManyAttempts
from holder.app import create_app
from holder.deps import SESSION_COOKIE
from holder.models import LoginFailures, WalletSession
from shared.clock import utcnow
from shared.errors import duration_in_words
from tests.holder.conftest import PASSWORD, RunningWallet
from tests.holder.test_accounts import HTML, csrf_of, sign_up_api
from tests.support.apps import serving

ADA = "ada@example.org"
WRONG = "not the password"
LIMIT = 5  # login_max_failures by default
# The lock is counted from the failure that set it, on the real clock: on a loaded machine a
# second or two may pass before the refused attempt, so Retry-After may be that much lower.
SLACK_SECONDS = 5


async def log_in_api(
    client: httpx.AsyncClient, email: str = ADA, password: str = WRONG
) -> httpx.Response:
    return await client.post("/api/v1/sessions", json={"email": email, "password": password})


async def log_in_page(
    client: httpx.AsyncClient, email: str = ADA, password: str = WRONG
) -> httpx.Response:
    form = await client.get("/login", headers=HTML)
    data = {"email": email, "password": password, "csrf_token": csrf_of(form.text)}
    return await client.post("/login", headers=HTML, data=data)


async def fail(client: httpx.AsyncClient, times: int, email: str = ADA) -> None:
    for attempt in range(1, times + 1):
        response = await log_in_api(client, email)
        assert response.status_code == 401, f"attempt {attempt}: {response.text}"


async def end_the_lock(wallet: RunningWallet) -> None:
    """As if the cool-down had passed: every lock ended a second ago."""
    async with wallet.session() as session:
        await session.execute(
            update(LoginFailures).values(locked_until=utcnow() - timedelta(seconds=1))
        )


async def sessions_of(wallet: RunningWallet) -> int:
    async with wallet.session() as session:
        count = len((await session.scalars(select(WalletSession))).all())
    return count


def locked_for(response: httpx.Response, lock_seconds: int) -> str:
    """The refusal's wait in words, after checking Retry-After is the lock less the slack."""
    retry_after = int(response.headers["retry-after"])
    assert lock_seconds - SLACK_SECONDS <= retry_after <= lock_seconds, retry_after
    return duration_in_words(retry_after)


async def test_five_failures_are_answered_one_by_one_then_the_address_is_locked(
    wallet: RunningWallet,
) -> None:
    await sign_up_api(wallet.client, ADA)
    await fail(wallet.client, LIMIT)

    locked = await log_in_api(wallet.client)
    assert locked.status_code == 429, locked.text
    wait = locked_for(locked, 30)
    assert locked.headers["cache-control"] == "no-store"
    assert locked.json() == {
        "error": "too_many_attempts",
        "error_description": f"Too many failed attempts; try again in {wait}.",
    }


async def test_the_right_password_is_refused_while_the_address_is_locked(
    wallet: RunningWallet,
) -> None:
    await sign_up_api(wallet.client, ADA)
    await fail(wallet.client, LIMIT)
    right = await log_in_api(wallet.client, password=PASSWORD)
    assert right.status_code == 429, right.text
    assert "token" not in right.json()
    assert await sessions_of(wallet) == 0


async def test_after_the_cool_down_the_right_password_works_and_clears_the_failures(
    wallet: RunningWallet,
) -> None:
    await sign_up_api(wallet.client, ADA)
    await fail(wallet.client, LIMIT)
    await end_the_lock(wallet)

    opened = await log_in_api(wallet.client, password=PASSWORD)
    assert opened.status_code == 201, opened.text
    # Counting starts again from nothing: five more failures before the next lock.
    await fail(wallet.client, LIMIT)
    assert (await log_in_api(wallet.client)).status_code == 429


async def test_a_success_before_the_limit_clears_the_failures(wallet: RunningWallet) -> None:
    await sign_up_api(wallet.client, ADA)
    await fail(wallet.client, LIMIT - 1)
    assert (await log_in_api(wallet.client, password=PASSWORD)).status_code == 201
    await fail(wallet.client, LIMIT)
    assert (await log_in_api(wallet.client)).status_code == 429


async def test_a_failure_after_the_cool_down_locks_again_for_twice_as_long(
    wallet: RunningWallet,
) -> None:
    await sign_up_api(wallet.client, ADA)
    await fail(wallet.client, LIMIT)
    await end_the_lock(wallet)

    await fail(wallet.client, 1)
    locked = await log_in_api(wallet.client, password=PASSWORD)
    assert locked.status_code == 429
    wait = locked_for(locked, 60)
    assert locked.json()["error_description"] == f"Too many failed attempts; try again in {wait}."


async def test_an_unknown_address_is_throttled_exactly_like_a_known_one(
    wallet: RunningWallet,
) -> None:
    await sign_up_api(wallet.client, ADA)
    known = [await log_in_api(wallet.client, ADA) for _ in range(LIMIT + 1)]
    unknown = [await log_in_api(wallet.client, "nobody@example.org") for _ in range(LIMIT + 1)]

    def seen(response: httpx.Response) -> tuple[int, object, str | None]:
        if response.status_code != 429:
            return response.status_code, response.json(), response.headers.get("retry-after")
        # The two locks began a moment apart: compare their waits as the slack allows.
        wait = locked_for(response, 30)
        return (
            429,
            response.json()["error"],
            response.json()["error_description"].replace(wait, "…"),
        )

    assert [seen(r) for r in unknown] == [seen(r) for r in known]
    assert [r.status_code for r in unknown] == [401] * LIMIT + [429]


async def test_addresses_are_throttled_apart_and_stored_only_as_keyed_hashes(
    wallet: RunningWallet,
) -> None:
    await sign_up_api(wallet.client, ADA)
    await fail(wallet.client, LIMIT, email="  ADA@example.org ")  # the same address
    assert (await log_in_api(wallet.client, ADA, PASSWORD)).status_code == 429
    grace = await sign_up_api(wallet.client, "grace@example.org")
    assert grace.status_code == 201
    assert (await log_in_api(wallet.client, "grace@example.org", PASSWORD)).status_code == 201

    async with wallet.session() as session:
        names = (await session.scalars(select(LoginFailures.name_hash))).all()
    assert len(names) == 1
    assert names[0] != hashlib.sha256(ADA.encode()).hexdigest()  # keyed: no dictionary lookup


class CountingHasher(PasswordHasher):
    """argon2 as the wallet uses it, counting the passwords it checks."""

    checked = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.checked += 1
        return super().verify(hash, password)


async def test_parallel_guesses_get_no_more_tries_than_guesses_one_after_another(
    wallet: RunningWallet, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_up_api(wallet.client, ADA)
    hasher = CountingHasher()
    monkeypatch.setattr(accounts_service, "_hasher", hasher)
    answers = await asyncio.gather(*(log_in_api(wallet.client) for _ in range(4 * LIMIT)))
    assert sorted(r.status_code for r in answers) == [401] * LIMIT + [429] * 3 * LIMIT
    assert hasher.checked == LIMIT


async def test_the_login_page_says_when_to_try_again(wallet: RunningWallet) -> None:
    await sign_up_api(wallet.client, ADA)
    for _ in range(LIMIT):
        assert (await log_in_page(wallet.client)).status_code == 401

    locked = await log_in_page(wallet.client, password=PASSWORD)
    assert locked.status_code == 429
    wait = locked_for(locked, 30)
    assert locked.headers["content-type"].startswith("text/html")
    assert f"Too many failed attempts; try again in {wait}." in locked.text
    assert f'value="{ADA}"' in locked.text
    assert SESSION_COOKIE not in locked.cookies


async def test_failures_on_the_page_and_over_the_api_add_up(wallet: RunningWallet) -> None:
    await sign_up_api(wallet.client, ADA)
    for _ in range(LIMIT - 2):
        assert (await log_in_page(wallet.client)).status_code == 401
    await fail(wallet.client, 2)
    assert (await log_in_api(wallet.client, password=PASSWORD)).status_code == 429
    assert (await log_in_page(wallet.client, password=PASSWORD)).status_code == 429


async def test_another_wallet_process_on_the_same_database_sees_the_lock(
    wallet: RunningWallet,
) -> None:
    """The count is in the database: a second process (or a restart) knows it."""
    await sign_up_api(wallet.client, ADA)
    await fail(wallet.client, LIMIT)
    async with serving(create_app(wallet.settings), base_url="http://wallet.test") as other:
        assert (await log_in_api(other, password=PASSWORD)).status_code == 429


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def refused_for(throttle: LoginThrottle, name: str) -> int | None:
    """Seconds the attempt is told to wait, or None if it was let through."""
    try:
        await throttle.attempt(name)
    except TooManyAttempts as refusal:
        return refusal.retry_after_seconds
    return None


async def test_the_lock_doubles_with_each_further_failure_up_to_fifteen_minutes(
    wallet: RunningWallet,
) -> None:
    clock = FakeClock()
    async with wallet.session() as session:
        throttle = LoginThrottle(
            session, wallet.runtime.sessions, wallet.settings, wallet.kek, clock
        )
        for _ in range(LIMIT):
            assert await refused_for(throttle, ADA) is None
        locks = []
        for _ in range(8):
            wait = await refused_for(throttle, ADA)
            assert wait is not None
            locks.append(wait)
            clock.wait(wait - 1)
            assert await refused_for(throttle, ADA) == 1  # not a second early
            clock.wait(1)
            assert await refused_for(throttle, ADA) is None  # one more failure
    assert locks == [30, 60, 120, 240, 480, 900, 900, 900]


async def test_failures_are_forgotten_after_a_day_without_attempts(wallet: RunningWallet) -> None:
    clock = FakeClock()
    async with wallet.session() as session:
        throttle = LoginThrottle(
            session, wallet.runtime.sessions, wallet.settings, wallet.kek, clock
        )
        for _ in range(LIMIT - 1):
            await throttle.attempt(ADA)
        clock.wait(wallet.settings.login_failures_kept_seconds + 1)
        for _ in range(LIMIT - 1):
            await throttle.attempt(ADA)
    async with wallet.session() as session:
        assert await session.scalar(select(LoginFailures.failures)) == LIMIT - 1
