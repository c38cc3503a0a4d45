"""Every service starts from its factory, migrates its database and answers /healthz."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from credstack.services import SERVICES
from tests.support.apps import serving


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_service_starts_migrates_and_reports_health(
    name: str, data_dir: Path, database_url_for: Callable[[str], Any]
) -> None:
    service = SERVICES[name]
    settings = service.settings(data_dir=data_dir, database_url=await database_url_for(name))
    app = service.create_app(settings)
    async with serving(app) as client:
        health = await client.get("/healthz")
        assert health.status_code == 200, health.text
        assert health.json() == {"status": "ok", "service": name, "database": "ok"}

        docs = await client.get("/docs")
        assert docs.status_code == 200
        openapi = (await client.get("/openapi.json")).json()
        assert openapi["info"]["title"].startswith("credstack")

        async with app.state.runtime.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        assert {"keys", "alembic_version"} <= set(tables)


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_errors_are_json_with_a_code_and_a_description(name: str, data_dir: Path) -> None:
    service = SERVICES[name]
    app = service.create_app(service.settings(data_dir=data_dir))
    async with serving(app) as client:
        response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"error": "not_found", "error_description": "Not Found"}
