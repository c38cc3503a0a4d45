"""The one outbound HTTP client, with the private-network guard (security checklist D).

Every URL credstack fetches on someone's behalf (credential offers, issuer metadata,
``did:web`` documents, status lists, ``@context`` files) may point wherever an attacker
likes. ``safe_client`` returns an ``httpx.AsyncClient`` whose transport checks every request,
redirects included, before anything leaves the machine:

- only ``https``; ``http`` only to loopback, and only with ``allow_loopback`` (development);
- the host is resolved and refused if *any* address is not public (loopback, RFC 1918, ULA,
  link-local and the cloud metadata address, CGNAT, multicast, ``0.0.0.0/8``, reserved, and
  IPv4 addresses hidden in IPv6 forms);
- the connection goes to the address that was checked, not to a second DNS answer, so DNS
  rebinding cannot swap in an internal address; TLS still verifies the host name;
- at most ``max_redirects`` redirects, ``max_response_bytes`` of body (after decompression),
  3 s to connect and 10 s for the whole fetch.

Every URL is first parsed by ``vetted_url``, the one parse-and-vet every caller goes
through (the client calls it for each request it builds; code that reads a URL before
fetching it calls it too): a malformed URL (``0177.0.0.1``, ``256.1.1.1``, an unclosed IPv6
bracket, a port past 65535) is refused in words instead of escaping as a parser's error.

Errors are ``shared.errors.UnsafeURL`` (refused) and ``shared.errors.FetchFailed`` (tried and
failed); their messages name the host and never the path or query, which may carry codes.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
import socket
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from shared.errors import FetchFailed, UnsafeURL

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_REDIRECTS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "Resolver",
    "fetch_json",
    "safe_client",
    "vetted_url",
]

logger = logging.getLogger(__name__)

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""``(host, port) -> addresses``: how the guard turns a host name into IP addresses."""

USER_AGENT = "credstack"
DEFAULT_TIMEOUT = 10.0
DEFAULT_CONNECT_TIMEOUT = 3.0
DEFAULT_MAX_REDIRECTS = 3
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_LOOPBACK = "a loopback address"

# Spelled out rather than left to ``is_private``/``is_global`` alone: what those return for
# CGNAT, multicast and IPv4-mapped addresses has changed between Python patch releases.
_IPV4_REFUSED = tuple(
    (ipaddress.IPv4Network(net), reason)
    for net, reason in (
        ("0.0.0.0/8", "an unspecified address"),
        ("10.0.0.0/8", "a private address"),
        ("100.64.0.0/10", "a carrier-grade NAT address"),
        ("127.0.0.0/8", _LOOPBACK),
        ("169.254.0.0/16", "a link-local address"),
        ("172.16.0.0/12", "a private address"),
        ("192.0.0.0/24", "a reserved address"),
        ("192.168.0.0/16", "a private address"),
        ("198.18.0.0/15", "a reserved address"),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved address"),
    )
)
_IPV6_REFUSED = tuple(
    (ipaddress.IPv6Network(net), reason)
    for net, reason in (
        ("::/128", "an unspecified address"),
        ("::1/128", _LOOPBACK),
        ("::/96", "a reserved address"),  # the deprecated IPv4-compatible form
        ("64:ff9b:1::/48", "a private address"),  # local-use NAT64
        ("100::/64", "a reserved address"),
        ("fc00::/7", "a private address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a link-local address"),  # the deprecated site-local range
        ("ff00::/8", "a multicast address"),
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _refusal_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be contacted, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        # The socket layer connects IPv4-mapped addresses to the IPv4 address itself.
        if address.ipv4_mapped is not None:
            return _refusal_reason(address.ipv4_mapped)
        # NAT64 and 6to4 route to the IPv4 address they carry, on someone else's network.
        embedded: ipaddress.IPv4Address | None = address.sixtofour
        if address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and (inner := _refusal_reason(embedded)) is not None:
            return f"an IPv6 form of {inner}"
        for network6, reason in _IPV6_REFUSED:
            if address in network6:
                return reason
    else:
        for network4, reason in _IPV4_REFUSED:
            if address in network4:
                return reason
    if not address.is_global or address.is_multicast:
        return "a reserved address"
    return None


# A DNS label as it reaches DNS (IDNA form); underscores occur in real names, so they pass.
_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")


def vetted_url(url: str | httpx.URL) -> httpx.URL:
    """``url`` parsed, if it is a well-formed http(s) URL with a host; UnsafeURL otherwise.

    Only the shape is judged here; where the host points is judged when it is contacted
    (the transport resolves it and refuses private addresses). The message names the host
    as far as it could be read, never the path or query.
    """
    text = str(url)
    shown = _shown_host(text)
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(text)
        port = parsed.port  # httpx accepts any digits; a socket does not
        ascii_host = parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, ValueError, UnicodeError):
        raise _refuse(shown, "it is not a valid web address") from None
    if parsed.scheme not in ("https", "http"):
        raise _refuse(shown, "only https addresses can be fetched")
    if not ascii_host:
        raise _refuse(shown, "the address has no host")
    if port is not None and not 0 < port < 65536:
        raise _refuse(shown, "its port is not a valid port number")
    if not _is_ip_literal(ascii_host) and not _is_host_name(ascii_host):
        raise _refuse(shown, "its host is not a valid name")
    return parsed


def _is_host_name(host: str) -> bool:
    name = host.lower().removesuffix(".")
    return 0 < len(name) <= 253 and all(_LABEL.match(label) for label in name.split("."))


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _shown_host(text: str) -> str:
    """The host part of a URL that may not parse, shortened, for messages and logs."""
    authority = text.partition("://")[2].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = authority.rpartition("@")[2]
    return (host[:80] + "...") if len(host) > 80 else (host or "(no host)")


async def _system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _refuse(host: str, why: str) -> UnsafeURL:
    logger.warning("refused outbound fetch to %s: %s", host, why)
    return UnsafeURL(f"Refused to fetch from {host}: {why}.")


class _GuardedTransport(httpx.AsyncBaseTransport):
    """Vets each request's destination, connects to the vetted address, caps the body.

    It sits under httpx's redirect handling, so every hop passes through here.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        allow_loopback: bool,
        resolver: Resolver,
        max_response_bytes: int,
        timeout: float,
    ) -> None:
        self._inner = inner
        self._allow_loopback = allow_loopback
        self._resolver = resolver
        self._limit = max_response_bytes
        self._timeout = timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        host = url.host
        addresses, literal = await self._vet(url)
        deadline = asyncio.get_running_loop().time() + self._timeout
        response = await self._send_to_first_reachable(request, addresses, literal)
        try:
            return self._capped(response, host, deadline)
        except BaseException:
            await response.aclose()
            raise

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def _vet(self, url: httpx.URL) -> tuple[list[IPAddress], bool]:
        """The addresses ``url`` may be fetched from, and whether its host is an IP literal."""
        host = url.host
        if url.scheme not in ("https", "http"):
            raise _refuse(host or "(no host)", f"the scheme {url.scheme!r} is not allowed")
        if not host:
            raise _refuse("(no host)", "the URL has no host")

        # raw_host is the ASCII (IDNA) form that DNS and TLS expect.
        ascii_host = url.raw_host.decode("ascii")
        try:
            addresses: list[IPAddress] = [ipaddress.ip_address(ascii_host)]
            literal = True
        except ValueError:
            addresses = await self._resolve(host, ascii_host, url)
            literal = False

        reasons = [_refusal_reason(address) for address in addresses]
        for reason in reasons:
            if reason is None or (reason == _LOOPBACK and self._allow_loopback):
                continue
            what = "it is" if literal else "it resolves to"
            raise _refuse(host, f"{what} {reason}")
        if url.scheme == "http" and not (
            self._allow_loopback and all(reason == _LOOPBACK for reason in reasons)
        ):
            raise _refuse(host, "only https URLs may be fetched")
        return addresses, literal

    async def _resolve(self, host: str, ascii_host: str, url: httpx.URL) -> list[IPAddress]:
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            answers = await self._resolver(ascii_host, port)
        except OSError as exc:
            raise FetchFailed(f"Could not resolve {host}.") from exc
        # Every answer is checked, not just the one we would use: an attacker who controls
        # the zone can order them as they like.
        addresses: list[IPAddress] = []
        for answer in dict.fromkeys(answers):
            try:
                addresses.append(ipaddress.ip_address(answer))
            except ValueError:
                raise _refuse(host, "it resolves to something that is not an IP address") from None
        if not addresses:
            raise FetchFailed(f"Could not resolve {host}.")
        return addresses

    async def _send_to_first_reachable(
        self, request: httpx.Request, addresses: list[IPAddress], literal: bool
    ) -> httpx.Response:
        host = request.url.host
        last_error: httpx.TransportError | None = None
        # The resolver's order is the system's preference (RFC 6724); falling through to the
        # next vetted address covers the usual "localhost is ::1 but the server is on
        # 127.0.0.1" and "no IPv6 route" cases without a second lookup.
        for address in addresses:
            pinned = request if literal else self._pinned(request, address)
            try:
                return await self._inner.handle_async_request(pinned)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last_error = exc
            except httpx.TimeoutException as exc:
                raise FetchFailed(f"{host} did not answer in time.") from exc
            except httpx.TransportError as exc:
                raise FetchFailed(f"Could not fetch from {host}: {type(exc).__name__}.") from exc
        raise FetchFailed(f"Could not connect to {host}.") from last_error

    @staticmethod
    def _pinned(request: httpx.Request, address: IPAddress) -> httpx.Request:
        """The same request, sent to ``address``: the Host header and TLS name stay the host's."""
        extensions = dict(request.extensions)
        if request.url.scheme == "https":
            extensions["sni_hostname"] = request.url.raw_host.decode("ascii")
        return httpx.Request(
            request.method,
            request.url.copy_with(host=str(address)),
            headers=request.headers,  # already carries Host: the original name
            stream=request.stream,
            extensions=extensions,
        )

    def _capped(self, response: httpx.Response, host: str, deadline: float) -> httpx.Response:
        headers = httpx.Headers(response.headers)
        announced = headers.get("content-length")
        # A malformed Content-Length never gets this far from a real server (h11 rejects it).
        if announced is not None and announced.isdigit() and int(announced) > self._limit:
            raise FetchFailed(f"{host} sent a response larger than {self._limit} bytes.")

        # httpx would decompress after this transport, where no cap applies: 1 MiB of gzip
        # can inflate to 1 GiB. So decompress here, inside the cap, and hand httpx plain bytes.
        encoding = headers.get("content-encoding", "identity").strip().lower()
        decompressor: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip", "deflate"):
            decompressor = zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip header
            del headers["content-encoding"]
            headers.pop("content-length", None)
        elif encoding not in ("", "identity"):
            raise FetchFailed(f"{host} sent a response in an encoding we do not accept.")

        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=_CappedStream(
                response.stream,
                host=host,
                limit=self._limit,
                decompressor=decompressor,
                deadline=deadline,
            ),
            extensions=response.extensions,
        )


class _CappedStream(httpx.AsyncByteStream):
    """A response body that stops at ``limit`` bytes (decompressed) and at ``deadline``."""

    def __init__(
        self,
        inner: httpx.AsyncByteStream,
        *,
        host: str,
        limit: int,
        decompressor: zlib._Decompress | None,
        deadline: float,
    ) -> None:
        self._inner = inner
        self._host = host
        self._limit = limit
        self._decompressor = decompressor
        self._deadline = deadline

    def _too_large(self) -> FetchFailed:
        return FetchFailed(f"{self._host} sent a response larger than {self._limit} bytes.")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0
        chunks = aiter(self._inner)
        while True:
            # The deadline wraps each read, never a yield: a timeout scope must not stay
            # open while the consumer holds control.
            try:
                async with asyncio.timeout_at(self._deadline):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise FetchFailed(f"{self._host} did not send its response in time.") from None
            except httpx.TransportError as exc:
                raise FetchFailed(f"The connection to {self._host} failed.") from exc
            data = self._decompress(chunk, self._limit - received)
            received += len(data)
            if received > self._limit:
                raise self._too_large()
            if data:
                yield data
        if self._decompressor is not None:
            tail = self._decompress_end(self._decompressor)
            if received + len(tail) > self._limit:
                raise self._too_large()
            if tail:
                yield tail

    def _decompress(self, chunk: bytes, remaining: int) -> bytes:
        if self._decompressor is None:
            return chunk
        try:
            # Never inflate more than one byte past what is allowed.
            return self._decompressor.decompress(chunk, remaining + 1)
        except zlib.error as exc:
            raise FetchFailed(f"{self._host} sent a corrupt compressed response.") from exc

    def _decompress_end(self, decompressor: zlib._Decompress) -> bytes:
        try:
            tail = decompressor.flush()
        except zlib.error as exc:
            raise FetchFailed(f"{self._host} sent a corrupt compressed response.") from exc
        if not decompressor.eof:
            raise FetchFailed(f"{self._host} sent a truncated compressed response.")
        return tail

    async def aclose(self) -> None:
        await self._inner.aclose()


class _GuardedClient(httpx.AsyncClient):
    """An AsyncClient with one deadline per fetch and httpx errors turned into FetchFailed."""

    def __init__(self, *, total_timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._total_timeout = total_timeout

    def build_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Request:
        # Every get/post/stream builds its request here: the one place a URL is parsed.
        return super().build_request(method, vetted_url(url), **kwargs)

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        host = request.url.host
        try:
            # httpx's timeouts are per operation; this one covers resolving, connecting,
            # every redirect and (unless streaming) reading the body.
            async with asyncio.timeout(self._total_timeout):
                return await super().send(request, **kwargs)
        except TimeoutError:
            raise FetchFailed(
                f"{host} did not answer within {self._total_timeout:g} seconds."
            ) from None
        except httpx.TooManyRedirects:
            raise FetchFailed(
                f"{host} redirected more than {self.max_redirects} times; gave up."
            ) from None
        except httpx.RequestError as exc:
            raise FetchFailed(f"Could not fetch from {host}: {type(exc).__name__}.") from exc


def safe_client(
    *,
    allow_loopback: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    resolver: Resolver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The outbound client every service uses; ``async with safe_client() as client: ...``.

    ``allow_loopback`` (development only) lets requests reach this machine, over http too;
    every other non-public address stays refused. ``timeout`` bounds a whole fetch,
    redirects included. ``resolver`` and ``transport`` stand in for DNS and the network in
    tests; the guard applies to them all the same.
    """
    if transport is None:
        # No keep-alive: httpcore pools connections by (scheme, IP, port), so a connection
        # opened and TLS-verified for one name would be reused for another name that
        # resolves to the same address, skipping the certificate check for the second.
        transport = httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_keepalive_connections=0), trust_env=False
        )
    guard = _GuardedTransport(
        transport,
        allow_loopback=allow_loopback,
        resolver=resolver or _system_resolver,
        max_response_bytes=max_response_bytes,
        timeout=timeout,
    )
    client = _GuardedClient(
        total_timeout=timeout,
        transport=guard,
        follow_redirects=True,
        max_redirects=max_redirects,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        # Nothing from the environment: no proxy (a way around the guard), no .netrc
        # credentials sent to whichever host an attacker names.
        trust_env=False,
        # One client serves every user of a service: cookies would link their fetches.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )
    # httpx's defaults name httpx, its version and the decoders installed. Send a plain
    # User-Agent, and ask for no compression (gzip is still decoded, within the cap).
    client.headers.pop("Accept")
    client.headers.pop("Connection")
    return client


async def fetch_json(
    client: httpx.AsyncClient, url: str | httpx.URL, *, accept: str = "application/json"
) -> Any:
    """GET ``url`` and parse its JSON body; FetchFailed says why when it isn't JSON."""
    document, _ = await fetch_json_with_headers(client, url, accept=accept)
    return document


async def fetch_json_with_headers(
    client: httpx.AsyncClient, url: str | httpx.URL, *, accept: str = "application/json"
) -> tuple[Any, httpx.Headers]:
    """``fetch_json`` plus the response headers, for callers that honour HTTP caching."""
    response = await client.get(url, headers={"Accept": accept})
    host = response.url.host
    if response.status_code != httpx.codes.OK:
        status = f"{response.status_code} {response.reason_phrase}".strip()
        raise FetchFailed(f"Could not fetch {host}: it answered {status}.")
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        shown = media_type or "no content type"
        raise FetchFailed(f"{host} answered with {shown}, not JSON.")
    try:
        return json.loads(response.content), response.headers
    except (ValueError, RecursionError) as exc:
        raise FetchFailed(f"{host} answered with JSON that could not be parsed.") from exc
