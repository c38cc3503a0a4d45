"""A real HTTP server that receives webhooks, for the webhook tests: it listens on a free
port, records every request it gets, and answers with the statuses it is told to, in order
(200 once the list runs out)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from tests.support.processes import free_port

_REASONS = {200: "OK", 204: "No Content", 302: "Found", 500: "Internal Server Error"}


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: str


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    # Set to hold every answer until the test releases it (a slow receiver).
    hold: asyncio.Event | None = None

    def next_status(self) -> int:
        return self.statuses.pop(0) if self.statuses else 200


async def _serve_one(
    receiver: Receiver, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        receiver.received.append(Received(request_line.split(" ")[1], headers, body.decode()))
        if receiver.hold is not None:
            await receiver.hold.wait()
        status = receiver.next_status()
        writer.write(
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
            "Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@asynccontextmanager
async def receiving(*statuses: int) -> AsyncIterator[Receiver]:
    port = free_port()
    receiver = Receiver(f"http://127.0.0.1:{port}/hooks/credstack", list(statuses))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _serve_one(receiver, reader, writer)

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    try:
        yield receiver
    finally:
        server.close()
        await server.wait_closed()
