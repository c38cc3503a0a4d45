from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import backend_name, fresh_database


def pytest_report_header() -> str:
    return f"credstack database backend: {backend_name()}"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
async def database_url_for(tmp_path: Path) -> AsyncIterator[Callable[[str], Any]]:
    """``await database_url_for("issuer")``: an empty database for one service, dropped after."""
    async with AsyncExitStack() as stack:

        async def make(name: str) -> str:
            return await stack.enter_async_context(fresh_database(tmp_path, name))

        yield make
