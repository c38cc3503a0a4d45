"""A real SMTP server for tests (aiosmtpd, on a free port of this machine), and readers of
what it received: the offer link and the PIN in the latest message to an address.

    with smtp_server() as server:
        settings = IssuerSettings(smtp_host=server.host, smtp_port=server.port, smtp_tls="none")
        ...
        link = wallet_link_to(server.mailbox, "learner@example.org")

The server runs in its own thread (aiosmtpd's ``Controller``), so it answers whether the
test's code is async or not: an in-process app's worker, a started issuer, a browser test.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.processes import free_port

_OFFER_LINK = re.compile(r"openid-credential-offer://\S+")
_WALLET_LINK = re.compile(r"https?://\S+/receive\?credential_offer_uri=\S+")
_PIN = re.compile(r"^\s+(\d{4,8})\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        """The plain-text part."""
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "the message has no plain-text part"
        content: str = part.get_content()
        return content

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None, "the message has no HTML part"
        content: str = part.get_content()
        return content


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message, or refuses recipients while ``refuse``
    holds an SMTP reply (``"550 5.1.1 No such mailbox"``)."""

    received: list[Received] = field(default_factory=list)
    refuse: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        """Every message to ``address``, oldest first."""
        with self._lock:
            return [one for one in self.received if address in one.recipients]

    def latest_to(self, address: str, *, timeout: float = 0.0, kind: str = "offer") -> Received:
        """The latest offer (``kind="offer"``) or PIN (``kind="pin"``) message to
        ``address``, waiting up to ``timeout`` seconds for one to arrive (the issuer's worker
        sends within a poll interval). Polls with short sleeps, so from async code call it
        with no timeout, after the worker ran."""
        deadline = time.monotonic() + timeout
        while True:
            found = [one for one in self.to(address) if _kind(one) == kind]
            if found:
                return found[-1]
            if time.monotonic() >= deadline:
                raise AssertionError(f"no {kind} message to {address} arrived")
            time.sleep(0.05)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server without TLS or authentication on 127.0.0.1 and a free port."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox)
    finally:
        controller.stop()


def _kind(received: Received) -> str:
    return "offer" if _OFFER_LINK.search(received.text) else "pin"


def offer_link_in(received: Received) -> str:
    """The ``openid-credential-offer://`` link of an offer message (what its QR code holds)."""
    found = _OFFER_LINK.search(received.text)
    assert found, f"no offer link in the message: {received.text!r}"
    return found.group(0)


def wallet_link_in(received: Received) -> str:
    """The link the learner clicks: the wallet's receive page with the offer."""
    found = _WALLET_LINK.search(received.text)
    assert found, f"no wallet link in the message: {received.text!r}"
    return found.group(0)


def pin_in(received: Received) -> str:
    found = _PIN.search(received.text)
    assert found, f"no PIN in the message: {received.text!r}"
    return found.group(1)


def offer_link_to(mailbox: Mailbox, address: str, *, timeout: float = 10.0) -> str:
    """For browser tests: the offer link from the latest message to ``address``."""
    return offer_link_in(mailbox.latest_to(address, timeout=timeout))


def wallet_link_to(mailbox: Mailbox, address: str, *, timeout: float = 10.0) -> str:
    """For browser tests: the wallet link from the latest message to ``address``."""
    return wallet_link_in(mailbox.latest_to(address, timeout=timeout))
