"""A test-local keys table shaped like every service's: on the suite's database backend for
the key-ring tests, on an SQLite file where a test reads the file's bytes."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase

from shared.crypto.key_record import KeyRecordMixin
from shared.db import create_engine, new_metadata, session_factory


class Base(DeclarativeBase):
    metadata = new_metadata()


class TestKey(KeyRecordMixin, Base):
    __test__ = False  # a table, not a test class
    __tablename__ = "keys"


OpenDatabase = Callable[..., Awaitable[AsyncEngine]]


async def open_database(path: Path, *, echo: bool = False) -> AsyncEngine:
    """An engine on an SQLite file (WAL mode, as services run) with the keys table created."""
    return await _with_keys_table(create_engine(f"sqlite+aiosqlite:///{path}", echo=echo))


async def _with_keys_table(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return engine


@pytest.fixture
def key_model() -> type[KeyRecordMixin]:
    """The test service's keys table (a fixture, as test modules do not import conftest)."""
    return TestKey


@pytest.fixture
def open_keys_database() -> OpenDatabase:
    return open_database


@pytest.fixture
def kek() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
async def sessions(
    database_url_for: Callable[[str], Awaitable[str]],
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = await _with_keys_table(create_engine(await database_url_for("keys")))
    yield session_factory(engine)
    await engine.dispose()
