"""Each service's migrations build exactly the tables its models.py describes, and undo."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from sqlalchemy import inspect

from credstack.services import SERVICES
from shared.db import create_engine, downgrade_database, upgrade_database
from tests.support.schema import differences_from_models


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_migrations_build_the_models_schema_and_downgrade_to_nothing(
    name: str, database_url_for: Callable[[str], Any]
) -> None:
    service = SERVICES[name]
    metadata = import_module(f"{name}.models").Base.metadata
    engine = create_engine(await database_url_for(name))
    try:
        await upgrade_database(engine, service.migrations_dir)
        assert await differences_from_models(engine, metadata) == []

        await downgrade_database(engine, service.migrations_dir, "base")
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        assert set(tables) <= {"alembic_version"}
    finally:
        await engine.dispose()
