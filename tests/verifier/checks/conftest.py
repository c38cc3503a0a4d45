from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.http import safe_client
from tests.shared.test_http import PUBLIC_IP, Web, resolver_for
from tests.support.credentials import StatusLists
from tests.verifier.checks.world import TrustList, World, build_verifier, university


@pytest.fixture
async def world() -> AsyncIterator[World]:
    lists = StatusLists()
    await lists.publish()
    web = Web(lists.handle)
    dns = resolver_for({"issuer.example": [PUBLIC_IP]})
    trust = TrustList(university(lists.key.did))
    async with safe_client(resolver=dns, transport=web.transport()) as http:
        resolver, verifier = build_verifier(http, trust)
        yield World(lists, web, resolver, verifier, trust)
