"""The wallet's migrations build exactly the tables holder/models.py describes, and undo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from holder.app import MIGRATIONS_DIR
from holder.models import Base
from shared.db import alembic_config, create_engine, upgrade_database


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrated_database_matches_the_models_and_downgrades_to_nothing(
    database_url_for: Callable[[str], Any],
) -> None:
    url = await database_url_for("holder")
    engine = create_engine(url)
    try:
        await upgrade_database(engine, MIGRATIONS_DIR)
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []

        config = alembic_config(MIGRATIONS_DIR, url)

        def downgrade(connection: Connection) -> list[str]:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
            return [t for t in inspect(connection).get_table_names() if t != "alembic_version"]

        async with engine.begin() as connection:
            assert await connection.run_sync(downgrade) == []
    finally:
        await engine.dispose()
