"""A stand-in web server for did:web: documents served by URL through httpx.MockTransport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest


class FakeWeb:
    """Serves JSON by exact URL and remembers every request it saw."""

    def __init__(self) -> None:
        self.pages: dict[str, httpx.Response] = {}
        self.requests: list[httpx.Request] = []

    def serve(self, url: str, document: Any, *, status_code: int = 200) -> None:
        self.pages[url] = httpx.Response(status_code, json=document)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.pages.get(str(request.url), httpx.Response(404, text="not found"))


@pytest.fixture
def web() -> FakeWeb:
    return FakeWeb()


@pytest.fixture
async def http(web: FakeWeb) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(web.handle)) as client:
        yield client
