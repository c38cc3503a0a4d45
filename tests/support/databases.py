"""A fresh database per test: an SQLite file, or a PostgreSQL database when the suite runs
against PostgreSQL (``CREDSTACK_TEST_POSTGRES_URL``, as CI sets it)."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

POSTGRES_ENV = "CREDSTACK_TEST_POSTGRES_URL"


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def backend_name() -> str:
    return "postgresql" if postgres_admin_url() else "sqlite"


@asynccontextmanager
async def fresh_database(directory: Path, name: str) -> AsyncIterator[str]:
    """Yield the SQLAlchemy URL of an empty database that is dropped afterwards."""
    admin = postgres_admin_url()
    if admin is None:
        yield f"sqlite+aiosqlite:///{directory / f'{name}.db'}"
        return
    async with postgres_database(admin, f"credstack_test_{name}") as url:
        yield url


@asynccontextmanager
async def postgres_database(admin_url: str, prefix: str) -> AsyncIterator[str]:
    """An empty database named ``prefix`` and a random suffix on the server of ``admin_url``
    (which may create databases), dropped afterwards; yields its URL with the same driver.
    The tests and the benchmarks make theirs here."""
    url = make_url(admin_url)
    database = f"{prefix}_{secrets.token_hex(6)}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{database}"')
        yield url.set(database=database).render_as_string(hide_password=False)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await connection.close()
