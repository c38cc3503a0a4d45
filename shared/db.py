"""Async engine, sessions and Alembic migrations, identical on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, MetaData, event, make_url, pool
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.errors import ConfigurationError

# Stable constraint names, so migrations written on SQLite apply on PostgreSQL unchanged.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Metadata for one service's tables: each service keeps its own tables and migrations."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        _create_private_sqlite_file(url)
        # A file database keeps a small pool of open connections: opening one costs a new
        # aiosqlite thread and the PRAGMAs below, and the last one closing checkpoints the
        # WAL, several milliseconds per unit of work (docs/performance.md). Writers queue on
        # SQLite's lock however many connections are open; WAL readers do not block them.
        in_memory = ":memory:" in url
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30},
            poolclass=pool.StaticPool if in_memory else pool.AsyncAdaptedQueuePool,
            **({} if in_memory else {"pool_size": 5, "max_overflow": 10}),
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True)


def _create_private_sqlite_file(url: str) -> None:
    """Create the database file readable by its owner only before SQLite opens it: it holds
    personal data and encrypted keys, and SQLite would create it with the umask (often
    0644). The WAL and shared-memory files SQLite adds take the main file's mode."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite says what is wrong when it opens
    with suppress(FileExistsError):  # an existing file keeps the mode it has
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Set on every new connection. WAL: readers never wait for the writer, and several
    worker processes share the file. synchronous=NORMAL: in WAL mode a commit is durable
    against a process crash and the database stays consistent after a power loss (only the
    last commits may be lost), without an fsync per commit. busy_timeout: a writer waits
    for another process's write lock instead of failing at once."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def insert_or_on_conflict(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """``INSERT INTO table`` in the session's dialect, which knows ``ON CONFLICT … DO NOTHING``
    and ``DO UPDATE … RETURNING`` on both of our databases: one statement that inserts or
    counts, so that the database, not a read-then-write in the process, settles a race."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def session_scope(
    factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work, ``async with session_scope(sessions) as session:``; committed when
    the block ends, rolled back when it raises, and closed at once either way.

    A context manager rather than a generator consumed with ``async for``: an exception out
    of an ``async for`` body leaves the generator suspended, so the rollback (and the lock
    it releases) would wait for the garbage collector.

    Services never commit; this is the one place that does (FastAPI dependencies and CLI
    commands both use it).
    """
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def alembic_config(migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade_database(engine: AsyncEngine, migrations_dir: Path) -> None:
    """Apply every migration of one service to its database, inside the running loop."""
    await _migrate(engine, migrations_dir, lambda config: command.upgrade(config, "head"))


async def downgrade_database(engine: AsyncEngine, migrations_dir: Path, revision: str) -> None:
    """Undo one service's migrations down to ``revision``."""
    await _migrate(engine, migrations_dir, lambda config: command.downgrade(config, revision))


async def _migrate(
    engine: AsyncEngine, migrations_dir: Path, step: Callable[[Config], None]
) -> None:
    config = alembic_config(migrations_dir, engine.url.render_as_string(hide_password=False))

    def _run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        step(config)

    async with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            async with connection.begin():
                await connection.run_sync(_run)
            return
        # SQLite alters a table by rebuilding it (Alembic's batch mode: copy, drop, rename),
        # and dropping a table that others reference would break their foreign keys midway.
        # SQLite's documented procedure: switch enforcement off, which works only outside a
        # transaction, and check every key before the migration commits.
        await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await connection.commit()
        try:
            async with connection.begin():
                await connection.run_sync(_run)
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise ConfigurationError(
                        f"A migration left rows whose foreign keys point nowhere: {broken[:5]}"
                    )
        finally:
            await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            await connection.commit()


def run_migrations_from_env(context: Any, target_metadata: MetaData) -> None:
    """Body of every service's ``migrations/env.py``.

    ``context`` is ``alembic.context``, a proxy to the EnvironmentContext of the run.
    Uses the connection handed over by ``upgrade_database`` when there is one; otherwise
    (the ``alembic`` command line) opens its own engine from the configured URL.
    """

    def _run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return

    async def _standalone() -> None:
        engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
        async with engine.begin() as connection:
            await connection.run_sync(_run)
        await engine.dispose()

    asyncio.run(_standalone())
