"""The unit of work (shared.db.session_scope) ends when its block ends, not when the garbage
collector gets round to it: an exception rolls back and closes at once, releasing locks."""

from __future__ import annotations

import gc
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.db import create_engine, session_factory, session_scope

metadata = MetaData()
things = Table("things", metadata, Column("id", Integer, primary_key=True))


class Boom(Exception):
    pass


@pytest.fixture
async def engine(database_url_for: object) -> AsyncIterator[AsyncEngine]:
    url = await database_url_for("units")  # type: ignore[operator]
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return len((await session.execute(select(things.c.id))).all())


async def test_a_unit_of_work_that_raises_is_rolled_back_and_closed_before_any_gc(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    gc.disable()  # what happens must not depend on the collector
    try:
        with pytest.raises(Boom):  # noqa: PT012 (the block is what is tested)
            async with session_scope(sessions) as session:
                await session.execute(things.insert().values(id=1))
                raise Boom
        assert not session.in_transaction()
        # The write lock (SQLite) or row lock (PostgreSQL) is gone: another writer goes on.
        async with session_scope(sessions) as other:
            await other.execute(things.insert().values(id=2))
    finally:
        gc.enable()
    assert await count(sessions) == 1


async def test_a_unit_of_work_commits_when_its_block_ends(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with session_scope(sessions) as session:
        await session.execute(things.insert().values(id=1))
    assert not session.in_transaction()
    assert await count(sessions) == 1


async def test_an_sqlite_database_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            files = [path, *tmp_path.glob("private.db-*")]  # noqa: ASYNC240 (a test's tmp dir)
            modes = {file.name: stat.S_IMODE(file.stat().st_mode) for file in files}
    finally:
        await engine.dispose()
    assert modes == dict.fromkeys(modes, 0o600)
    assert "private.db-wal" in modes
