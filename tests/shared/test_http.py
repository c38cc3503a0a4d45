"""The outbound client: the private-network guard, pinning to the vetted address, and caps.

Most tests put a recording ``httpx.MockTransport`` under the guard as "the internet" and an
injected resolver as "DNS"; the loopback tests talk to a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from shared.errors import FetchFailed, UnsafeURL
from shared.http import fetch_json, safe_client

PUBLIC_IP = "93.184.215.14"
PUBLIC_IPV6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"
MIB = 1024 * 1024

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def resolver_for(table: dict[str, list[str]]) -> Callable[[str, int], Awaitable[list[str]]]:
    """DNS as the test says; unknown names fail like a real NXDOMAIN."""

    async def resolve(host: str, port: int) -> list[str]:
        try:
            return table[host]
        except KeyError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None

    return resolve


DNS = resolver_for(
    {
        "public.example": [PUBLIC_IP],
        "other.example": ["203.0.114.7"],
        "v6.example": [PUBLIC_IPV6],
        "evil.example": ["10.0.0.1"],
        "metadata.example": ["169.254.169.254"],
        "mixed.example": [PUBLIC_IP, "10.0.0.1"],
        "loop.example": ["127.0.0.1"],
    }
)


class Web:
    """A stand-in for the internet that records every request it receives."""

    def __init__(self, handler: Handler | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self._handler = handler or (lambda request: httpx.Response(200, json={"ok": True}))

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = self._handler(request)
        if not isinstance(response, httpx.Response):
            response = await response
        return response

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)


# --- the guard ---------------------------------------------------------------------------

REFUSED_LITERALS = [
    "http://127.0.0.1/",
    "https://127.0.0.1/",
    "https://127.8.9.10:8443/",
    "https://10.0.0.1/",
    "https://172.16.5.4/",
    "https://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/",
    "https://224.0.0.1/",
    "https://0.0.0.0/",
    "https://0.1.2.3/",
    "https://240.0.0.1/",
    "https://255.255.255.255/",
    "http://[::1]/",
    "https://[::1]/",
    "https://[::]/",
    "https://[fd00::1]/",
    "https://[fe80::1]/",
    "https://[ff02::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:10.0.0.1]/",
    "https://[::ffff:169.254.169.254]/",
    "https://[64:ff9b::10.0.0.1]/",
    "https://[2002:a00:1::]/",
]


@pytest.mark.parametrize("url", REFUSED_LITERALS)
async def test_non_public_addresses_are_refused_before_any_connection(url: str) -> None:
    """Loopback, private, link-local, CGNAT, multicast, reserved and their IPv6 forms: refused."""
    web = Web()
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        with pytest.raises(UnsafeURL) as refused:
            await client.get(url)
    assert httpx.URL(url).host in refused.value.description
    assert web.requests == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://[::ffff:127.0.0.1]/", "it is a loopback address"),
        ("https://[::ffff:a9fe:a9fe]/", "it is a link-local address"),
        ("https://[64:ff9b::a00:1]/", "it is an IPv6 form of a private address"),
    ],
)
async def test_ipv4_addresses_inside_ipv6_are_judged_by_the_ipv4_address(
    url: str, reason: str
) -> None:
    async with safe_client(resolver=DNS, transport=Web().transport()) as client:
        with pytest.raises(UnsafeURL) as refused:
            await client.get(url)
    assert reason in refused.value.description


@pytest.mark.parametrize(
    "host", ["evil.example", "metadata.example", "mixed.example", "loop.example"]
)
async def test_host_names_that_resolve_to_non_public_addresses_are_refused(host: str) -> None:
    """The name is resolved and every answer checked; one private answer is enough to refuse."""
    web = Web()
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        with pytest.raises(UnsafeURL, match=rf"{host}: it resolves to a \w"):
            await client.get(f"https://{host}/.well-known/openid-credential-issuer")
    assert web.requests == []


@pytest.mark.parametrize("url", ["https://localhost/", "https://2130706433/", "https://127.1/"])
async def test_the_system_resolver_is_used_by_default(url: str) -> None:
    """Real DNS: localhost and the odd numeric spellings of 127.0.0.1 are refused too."""
    web = Web()
    async with safe_client(transport=web.transport()) as client:
        with pytest.raises(UnsafeURL, match="it resolves to a loopback address"):
            await client.get(url)
    assert web.requests == []


async def test_refusals_never_repeat_the_path_or_query() -> None:
    """The query may carry a pre-authorized code: only the host is named."""
    async with safe_client(resolver=DNS, transport=Web().transport()) as client:
        with pytest.raises(UnsafeURL) as refused:
            await client.get("https://evil.example/private/path?pre-authorized_code=SECRET")
    assert "evil.example" in refused.value.description
    assert "SECRET" not in refused.value.description
    assert "private/path" not in refused.value.description


@pytest.mark.parametrize("url", ["http://public.example/", "ftp://public.example/", "file:///x"])
async def test_only_https_leaves_the_machine(url: str) -> None:
    """Plain http (or anything else) to a public host is refused, even in development."""
    web = Web()
    for allow_loopback in (False, True):
        async with safe_client(
            allow_loopback=allow_loopback, resolver=DNS, transport=web.transport()
        ) as client:
            with pytest.raises(UnsafeURL):
                await client.get(url)
    assert web.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/",
        "http://10.0.0.1/",
        "https://169.254.169.254/latest/meta-data",
        "http://169.254.169.254/latest/meta-data",
        "https://evil.example/",
        "https://[fd00::1]/",
        "http://[::ffff:10.0.0.1]/",
    ],
)
async def test_allow_loopback_allows_loopback_only(url: str) -> None:
    """Development mode opens this machine, not the private network around it."""
    web = Web()
    async with safe_client(allow_loopback=True, resolver=DNS, transport=web.transport()) as client:
        with pytest.raises(UnsafeURL):
            await client.get(url)
    assert web.requests == []


async def test_an_unknown_host_is_a_fetch_failure() -> None:
    async with safe_client(resolver=DNS, transport=Web().transport()) as client:
        with pytest.raises(FetchFailed, match=r"Could not resolve nowhere\.example"):
            await client.get("https://nowhere.example/")


# --- connecting to the vetted address ----------------------------------------------------


async def test_the_connection_goes_to_the_vetted_address_with_the_original_name() -> None:
    """URL host rewritten to the checked IP; Host header and TLS name stay the host name."""
    web = Web()
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        response = await client.get("https://public.example:8443/issuer/metadata?x=1")
    assert response.status_code == 200, response.text
    assert str(response.url) == "https://public.example:8443/issuer/metadata?x=1"

    [sent] = web.requests
    assert str(sent.url) == f"https://{PUBLIC_IP}:8443/issuer/metadata?x=1"
    assert sent.headers["Host"] == "public.example:8443"
    assert sent.extensions["sni_hostname"] == "public.example"


async def test_a_request_body_reaches_the_vetted_address_intact() -> None:
    web = Web(lambda request: httpx.Response(200, json=json.loads(request.content)))
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        response = await client.post("https://public.example/token", json={"grant": "x"})
    assert response.json() == {"grant": "x"}
    [sent] = web.requests
    assert sent.url.host == PUBLIC_IP
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Content-Length"] == str(len(sent.content))


async def test_ipv6_addresses_are_bracketed_in_the_pinned_url() -> None:
    web = Web()
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        await client.get("https://v6.example/x")
    [sent] = web.requests
    assert sent.url.host == PUBLIC_IPV6
    assert str(sent.url).startswith(f"https://[{PUBLIC_IPV6}]/x")
    assert sent.headers["Host"] == "v6.example"


async def test_a_name_is_resolved_once_per_request_and_never_re_resolved() -> None:
    """DNS rebinding: a second answer cannot redirect a connection already vetted."""
    answers = [[PUBLIC_IP], ["127.0.0.1"]]
    lookups: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return answers.pop(0)

    web = Web()
    async with safe_client(resolver=rebinding, transport=web.transport()) as client:
        await client.get("https://rebind.example/")
        with pytest.raises(UnsafeURL, match="loopback"):
            await client.get("https://rebind.example/")
    assert lookups == ["rebind.example", "rebind.example"]
    assert [r.url.host for r in web.requests] == [PUBLIC_IP]


async def test_the_next_vetted_address_is_tried_when_one_cannot_be_reached() -> None:
    def no_ipv6_route(request: httpx.Request) -> httpx.Response:
        if ":" in request.url.host:
            raise httpx.ConnectError("Network is unreachable", request=request)
        return httpx.Response(200, json={"ok": True})

    web = Web(no_ipv6_route)
    dns = resolver_for({"dual.example": [PUBLIC_IPV6, PUBLIC_IP]})
    async with safe_client(resolver=dns, transport=web.transport()) as client:
        response = await client.get("https://dual.example/")
    assert response.json() == {"ok": True}
    assert [r.url.host for r in web.requests] == [PUBLIC_IPV6, PUBLIC_IP]


async def test_only_a_plain_user_agent_is_sent() -> None:
    """No httpx name or version, no Accept or Connection defaults, no compression asked for."""
    web = Web()
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        await client.get("https://public.example/")
    [sent] = web.requests
    assert dict(sent.headers) == {
        "host": "public.example",
        "user-agent": "credstack",
        "accept-encoding": "identity",
    }


async def test_cookies_are_neither_kept_nor_sent() -> None:
    """One client serves every user of a service: a cookie would link their fetches."""
    web = Web(lambda request: httpx.Response(200, headers={"Set-Cookie": "track=me; Path=/"}))
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        await client.get("https://public.example/")
        await client.get("https://public.example/")
        assert not client.cookies
    assert all("cookie" not in request.headers for request in web.requests)


# --- redirects ---------------------------------------------------------------------------


def redirecting(location: str, then: int = 200) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/start":
            return httpx.Response(302, headers={"Location": location})
        return httpx.Response(then, json={"path": request.url.path})

    return handle


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1/admin",
        "https://127.0.0.1/admin",
        "http://169.254.169.254/latest/meta-data",
        "https://evil.example/",
        "https://[::ffff:127.0.0.1]/",
    ],
)
async def test_a_redirect_to_a_non_public_address_is_refused(location: str) -> None:
    """Each hop passes the guard; the refused hop never reaches the network."""
    web = Web(redirecting(location))
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        with pytest.raises(UnsafeURL):
            await client.get("https://public.example/start")
    assert [str(r.url) for r in web.requests] == [f"https://{PUBLIC_IP}/start"]


async def test_allow_loopback_still_refuses_a_redirect_into_the_private_network() -> None:
    """allow_loopback lets a hop reach 127.0.0.1 but not 10.0.0.1."""
    web = Web(redirecting("http://10.0.0.1/"))
    async with safe_client(allow_loopback=True, resolver=DNS, transport=web.transport()) as client:
        with pytest.raises(UnsafeURL, match=r"10\.0\.0\.1"):
            await client.get("https://public.example/start")
    assert len(web.requests) == 1


async def test_redirects_are_followed_and_each_hop_is_pinned_again() -> None:
    web = Web(redirecting("https://other.example/landing"))
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        response = await client.get("https://public.example/start")
    assert response.json() == {"path": "/landing"}
    assert str(response.url) == "https://other.example/landing"
    first, second = web.requests
    assert (first.url.host, first.headers["Host"]) == (PUBLIC_IP, "public.example")
    assert (second.url.host, second.headers["Host"]) == ("203.0.114.7", "other.example")
    assert second.extensions["sni_hostname"] == "other.example"


async def test_a_relative_redirect_resolves_against_the_host_name_not_the_ip() -> None:
    web = Web(redirecting("/next"))
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        response = await client.get("https://public.example/start")
    assert str(response.url) == "https://public.example/next"
    assert [r.headers["Host"] for r in web.requests] == ["public.example", "public.example"]


def hops(count: int) -> Handler:
    """/0 redirects to /1 ... up to /count, which answers."""

    def handle(request: httpx.Request) -> httpx.Response:
        step = int(request.url.path.strip("/"))
        if step < count:
            return httpx.Response(302, headers={"Location": f"/{step + 1}"})
        return httpx.Response(200, json={"step": step})

    return handle


async def test_up_to_three_redirects_are_followed() -> None:
    async with safe_client(resolver=DNS, transport=Web(hops(3)).transport()) as client:
        response = await client.get("https://public.example/0")
    assert response.json() == {"step": 3}


async def test_a_fourth_redirect_is_a_fetch_failure() -> None:
    web = Web(hops(4))
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        with pytest.raises(FetchFailed, match=r"public\.example redirected more than 3 times"):
            await client.get("https://public.example/0")
    assert len(web.requests) == 4


async def test_the_redirect_cap_is_configurable() -> None:
    async with safe_client(
        max_redirects=0, resolver=DNS, transport=Web(hops(1)).transport()
    ) as client:
        with pytest.raises(FetchFailed, match="more than 0 times"):
            await client.get("https://public.example/0")


# --- caps ---------------------------------------------------------------------------------


def streaming(total: int, produced: list[int], chunk: int = 64 * 1024) -> Handler:
    """A body of ``total`` bytes sent in chunks, without Content-Length."""

    async def body() -> AsyncIterator[bytes]:
        sent = 0
        while sent < total:
            size = min(chunk, total - sent)
            produced.append(size)
            sent += size
            yield b"x" * size

    return lambda request: httpx.Response(200, content=body())


async def test_a_body_over_the_cap_fails_while_streaming() -> None:
    """The cap stops the read as soon as it is crossed, not after buffering everything."""
    produced: list[int] = []
    web = Web(streaming(8 * MIB, produced))
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        with pytest.raises(FetchFailed, match="larger than 1048576 bytes"):
            await client.get("https://public.example/")
    assert sum(produced) <= MIB + 64 * 1024


async def test_a_body_of_exactly_the_cap_is_accepted() -> None:
    web = Web(streaming(MIB, []))
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        response = await client.get("https://public.example/")
    assert len(response.content) == MIB


async def test_the_cap_also_applies_to_streamed_reads() -> None:
    web = Web(streaming(2 * MIB, []))
    async with (
        safe_client(resolver=DNS, transport=web.transport()) as client,
        client.stream("GET", "https://public.example/") as response,
    ):
        with pytest.raises(FetchFailed, match="larger than"):
            async for _ in response.aiter_bytes():
                pass


async def test_a_content_length_over_the_cap_fails_before_reading() -> None:
    read: list[int] = []
    big = streaming(10, read)

    def announce(request: httpx.Request) -> httpx.Response:
        response = big(request)
        assert isinstance(response, httpx.Response)
        response.headers["Content-Length"] = str(2 * MIB)
        return response

    async with safe_client(resolver=DNS, transport=Web(announce).transport()) as client:
        with pytest.raises(FetchFailed, match="larger than"):
            await client.get("https://public.example/")
    assert read == []


async def test_the_cap_counts_decompressed_bytes() -> None:
    """A gzip bomb (8 MiB of zeros in a few KiB) fails like any other oversized body."""
    bomb = gzip.compress(b"\0" * 8 * MIB)
    assert len(bomb) < 16 * 1024
    web = Web(lambda r: httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=bomb))
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        with pytest.raises(FetchFailed, match="larger than"):
            await client.get("https://public.example/")


async def test_a_small_gzip_body_is_decoded() -> None:
    body = json.dumps({"ok": True}).encode()
    web = Web(
        lambda r: httpx.Response(
            200,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
            content=gzip.compress(body),
        )
    )
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        assert await fetch_json(client, "https://public.example/") == {"ok": True}


@pytest.mark.parametrize(
    ("encoding", "content"),
    [
        ("br", b"\x0b\x02\x80{}\x03"),
        ("gzip", b"not gzip at all"),
        # mtime=0: the same bytes in every collection (pytest-xdist workers must agree).
        ("gzip", gzip.compress(b"{}", mtime=0)[:-6]),
    ],
    ids=["brotli-unsupported", "not-gzip", "truncated-gzip"],
)
async def test_unknown_or_broken_compression_is_a_fetch_failure(
    encoding: str, content: bytes
) -> None:
    web = Web(
        lambda r: httpx.Response(200, headers={"Content-Encoding": encoding}, content=content)
    )
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        with pytest.raises(FetchFailed, match=r"public\.example"):
            await client.get("https://public.example/")


async def test_a_fetch_that_takes_too_long_fails() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200)

    async with safe_client(timeout=0.2, resolver=DNS, transport=Web(hang).transport()) as client:
        with pytest.raises(FetchFailed, match=r"public\.example did not answer within 0.2 seconds"):
            await client.get("https://public.example/")


async def test_a_slow_resolver_counts_against_the_same_deadline() -> None:
    async def slow(host: str, port: int) -> list[str]:
        await asyncio.sleep(30)
        return [PUBLIC_IP]

    async with safe_client(timeout=0.2, resolver=slow, transport=Web().transport()) as client:
        with pytest.raises(FetchFailed, match="did not answer within"):
            await client.get("https://public.example/")


async def test_a_streamed_body_that_trickles_past_the_deadline_fails() -> None:
    async def trickle() -> AsyncIterator[bytes]:
        while True:
            yield b"x"
            await asyncio.sleep(0.05)

    web = Web(lambda request: httpx.Response(200, content=trickle()))
    async with (
        safe_client(timeout=0.3, resolver=DNS, transport=web.transport()) as client,
        client.stream("GET", "https://public.example/") as response,
    ):
        with pytest.raises(FetchFailed, match="in time"):
            async for _ in response.aiter_bytes():
                pass


# --- fetch_json --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/did+ld+json"],
)
async def test_fetch_json_parses_json_bodies(content_type: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["Accept"] == "application/did+ld+json"
        return httpx.Response(200, headers={"Content-Type": content_type}, content=b'{"id": 1}')

    async with safe_client(resolver=DNS, transport=Web(answer).transport()) as client:
        document = await fetch_json(
            client, "https://public.example/.well-known/did.json", accept="application/did+ld+json"
        )
    assert document == {"id": 1}


@pytest.mark.parametrize(
    ("status", "content_type", "content", "message"),
    [
        (404, "application/json", b"{}", "public.example: it answered 404 Not Found"),
        (500, "text/html", b"<h1>oops</h1>", "it answered 500 Internal Server Error"),
        (200, "text/html", b"<html></html>", "public.example answered with text/html, not JSON"),
        (200, "", b"{}", "answered with no content type, not JSON"),
        (200, "application/json", b"{not json", "JSON that could not be parsed"),
        (200, "application/json", b"[" * 100_000, "JSON that could not be parsed"),
    ],
)
async def test_fetch_json_explains_what_went_wrong(
    status: int, content_type: str, content: bytes, message: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    web = Web(lambda request: httpx.Response(status, headers=headers, content=content))
    async with safe_client(resolver=DNS, transport=web.transport()) as client:
        with pytest.raises(FetchFailed, match=message):
            await fetch_json(client, "https://public.example/metadata?code=SECRET")


# --- a real server on loopback -----------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/json":
            self._send(200, b'{"hello": "loopback"}')
        elif self.path == "/headers":
            self._send(200, json.dumps(dict(self.headers.items())).encode())
        elif self.path == "/redirect-to-metadata":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/big":
            # No Content-Length: the only way to notice the size is to count while reading.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(64):  # 4 MiB
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading at its cap, as it should
            self.close_connection = True
        else:
            self._send(404, b"{}")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output clean


@pytest.fixture(scope="module")
def loopback_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_a_real_loopback_server_is_reachable_only_with_allow_loopback(
    host: str, loopback_port: int
) -> None:
    url = f"http://{host}:{loopback_port}/json"
    async with safe_client(allow_loopback=True) as client:
        assert await fetch_json(client, url) == {"hello": "loopback"}
    async with safe_client() as client:
        with pytest.raises(UnsafeURL, match=host):
            await fetch_json(client, url)


async def test_what_a_real_server_receives(loopback_port: int) -> None:
    """On the wire: Host with the name used, a plain User-Agent, nothing else of note."""
    async with safe_client(allow_loopback=True) as client:
        seen = await fetch_json(client, f"http://localhost:{loopback_port}/headers")
    assert {name.lower(): value for name, value in seen.items()} == {
        "host": f"localhost:{loopback_port}",
        "user-agent": "credstack",
        "accept": "application/json",
        "accept-encoding": "identity",
    }


async def test_a_real_server_that_sends_too_much_is_cut_off(loopback_port: int) -> None:
    async with safe_client(allow_loopback=True) as client:
        with pytest.raises(FetchFailed, match="larger than 1048576 bytes"):
            await client.get(f"http://127.0.0.1:{loopback_port}/big")


async def test_a_real_redirect_from_loopback_to_the_metadata_address_is_refused(
    loopback_port: int,
) -> None:
    async with safe_client(allow_loopback=True) as client:
        with pytest.raises(UnsafeURL, match=r"169\.254\.169\.254"):
            await client.get(f"http://127.0.0.1:{loopback_port}/redirect-to-metadata")


async def test_a_real_connection_falls_back_from_ipv6_to_ipv4(loopback_port: int) -> None:
    """localhost is often ::1 first while a dev server listens on 127.0.0.1 only."""
    dns = resolver_for({"dev.example": ["::1", "127.0.0.1"]})
    async with safe_client(allow_loopback=True, resolver=dns) as client:
        assert await fetch_json(client, f"http://dev.example:{loopback_port}/json") == {
            "hello": "loopback"
        }


async def test_nothing_listening_is_a_fetch_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    async with safe_client(allow_loopback=True) as client:
        with pytest.raises(FetchFailed, match=r"Could not connect to 127\.0\.0\.1"):
            await client.get(f"http://127.0.0.1:{free_port}/")
