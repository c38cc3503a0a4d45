"""Where messages go: an SMTP server (aiosmtplib), or, in development without one, nowhere:
they stay in the outbox for the issuer's pages to show.

A failed send raises ``NotSent`` saying what happened in words a registrar can act on (the
award page shows it); the worker decides whether to try again.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from issuer.settings import IssuerSettings

SMTP = "smtp"
LOCAL = "local"
_DEFAULT_PORTS = {"tls": 465, "starttls": 587, "none": 25}
_MAX_SERVER_TEXT = 300


class NotSent(Exception):
    """The message did not go out; ``reason`` says why, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Transport(Protocol):
    channel: str

    async def send(self, message: EmailMessage) -> None: ...


class LocalOutbox:
    """Development without a mail server: the message stays in the database, where
    /admin/outbox shows it as the learner would see it."""

    channel = LOCAL

    async def send(self, message: EmailMessage) -> None:
        return None


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: str  # none | starttls | tls
    username: str | None
    password: str | None
    timeout: float
    channel = SMTP

    @classmethod
    def of(cls, settings: IssuerSettings) -> SmtpServer:
        assert settings.smtp_host is not None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port or _DEFAULT_PORTS[settings.smtp_tls],
            tls=settings.smtp_tls,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout_seconds,
        )

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.tls == "tls",
                start_tls=self.tls == "starttls",
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = "; ".join(
                f"{one.recipient} ({one.code} {_server_text(one.message)})"
                for one in exc.recipients
            )
            raise NotSent(f"The mail server refused the address: {refused}.") from None
        except aiosmtplib.SMTPSenderRefused as exc:
            raise NotSent(
                f"The mail server refused the sender address {exc.sender} "
                f"({exc.code} {_server_text(exc.message)}): check ISSUER_MAIL_FROM_ADDRESS."
            ) from None
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise NotSent(
                f"The mail server at {self.where} refused the user name or password "
                f"({exc.code} {_server_text(exc.message)})."
            ) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise NotSent(
                f"The mail server at {self.where} answered {exc.code} {_server_text(exc.message)}."
            ) from None
        except aiosmtplib.SMTPNotSupported:
            raise NotSent(
                f"The mail server at {self.where} does not offer STARTTLS; set "
                "ISSUER_SMTP_TLS to tls or none as the server expects."
            ) from None
        except (aiosmtplib.SMTPTimeoutError, TimeoutError):
            raise NotSent(
                f"The mail server at {self.where} did not answer within {self.timeout:g} seconds."
            ) from None
        except (aiosmtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise NotSent(
                f"Could not reach the mail server at {self.where}: "
                f"{_server_text(str(exc)) or type(exc).__name__}."
            ) from None


def transport_for(settings: IssuerSettings) -> Transport | None:
    """The SMTP server when one is set; development's local outbox without one; None (no
    e-mail) in production without one."""
    if settings.smtp_host:
        return SmtpServer.of(settings)
    return LocalOutbox() if settings.is_development else None


def _server_text(text: str) -> str:
    text = " ".join(text.split())
    return text[:_MAX_SERVER_TEXT].rstrip(". ")
