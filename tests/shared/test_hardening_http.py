"""Every outbound URL is parsed and vetted once, before any fetch: a malformed one (octal or
out-of-range IPv4, an unclosed IPv6 bracket, a bad port) is refused with a readable
UnsafeURL, never an httpx.InvalidURL or ValueError that would surface as a 500."""

from __future__ import annotations

import httpx
import pytest

from shared.errors import UnsafeURL
from shared.http import safe_client, vetted_url

MALFORMED = [
    "https://0177.0.0.1/offer",
    "https://256.1.1.1/offer",
    "https://01.1.1.1/offer",
    "http://[::1/x",
    "https://[::1/x",
    "https://example.org:99999/x",
    "https://xn--/x",
    "https://exa mple.org/x",
    "https:///no-host",
    "ftp://example.org/x",
    "",
]


@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_url_is_refused_in_words(url: str) -> None:
    with pytest.raises(UnsafeURL) as refused:
        vetted_url(url)
    assert "/x" not in refused.value.description
    assert "/offer" not in refused.value.description
    assert refused.value.status_code == 400


@pytest.mark.parametrize("url", MALFORMED)
async def test_the_guarded_client_refuses_a_malformed_url_before_any_request(url: str) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    async def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    async with safe_client(resolver=resolver, transport=httpx.MockTransport(answer)) as client:
        with pytest.raises(UnsafeURL):
            await client.get(url)
        with pytest.raises(UnsafeURL):
            await client.post(url, data={"a": "b"})
    assert sent == []


@pytest.mark.parametrize(
    "url",
    ["https://issuer.example.org/x?y=1", "https://[2001:db8::1]:8443/x", "http://localhost:8001/"],
)
def test_a_well_formed_url_is_returned_parsed(url: str) -> None:
    assert vetted_url(url) == httpx.URL(url)
