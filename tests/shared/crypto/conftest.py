"""A test-local keys table on an SQLite file, shaped like every service's."""

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
    engine = create_engine(f"sqlite+aiosqlite:///{path}", echo=echo)
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
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = await open_database(tmp_path / "keys.db")
    yield session_factory(engine)
    await engine.dispose()
