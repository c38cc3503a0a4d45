"""Each service's API documentation works with no internet: /docs and /redoc load every
script and style sheet from the service itself, never from a CDN."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from credstack.services import SERVICES
from tests.support.apps import serving

BASE_URL = "http://service.test"
# <script src="…"> and <link … href="…">: what a browser fetches before the page works.
ASSET = re.compile(r"""<(?:script[^>]*\ssrc|link[^>]*\shref)=["']([^"']+)["']""", re.IGNORECASE)
# Swagger UI is started by a script in the page, which names its assets in JavaScript.
SCRIPT_URL = re.compile(r"""(?:url|src):\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_api_docs_load_every_asset_from_the_service(
    name: str, page: str, data_dir: Path, database_url_for: Callable[[str], Any]
) -> None:
    service = SERVICES[name]
    settings = service.settings(data_dir=data_dir, database_url=await database_url_for(name))
    async with serving(service.create_app(settings), base_url=BASE_URL) as client:
        docs = await client.get(page)
        assert docs.status_code == 200, docs.text
        urls = set(ASSET.findall(docs.text)) | set(SCRIPT_URL.findall(docs.text))
        assets = [urljoin(BASE_URL + page, url) for url in urls]
        assert any(a.endswith(".js") for a in assets), docs.text
        for asset in assets:
            assert urlsplit(asset).netloc == urlsplit(BASE_URL).netloc, f"{asset} is elsewhere"
            fetched = await client.get(asset)
            assert fetched.status_code == 200, f"{asset}: {fetched.status_code}"
            assert fetched.content, asset
