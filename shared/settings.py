"""Settings every service shares: data directory, database, public URL, key-encryption key.

Each service subclasses ``ServiceSettings`` with its own environment prefix (``ISSUER_``,
``HOLDER_``, ``VERIFIER_``). Node-wide values (data directory, environment, key-encryption
key) are read from ``CREDSTACK_*`` and may be overridden per service.
"""

from __future__ import annotations

import base64
import os
import secrets
from copy import copy
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import ConfigurationError
from shared.private_files import create_private_file_once

KEK_FILE_NAME = "key-encryption-key"
KEK_BYTES = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


def _node_wide(name: str, prefix: str) -> AliasChoices:
    """Accept ``<PREFIX>NAME`` first, then the node-wide ``CREDSTACK_NAME``."""
    return AliasChoices(f"{prefix}{name}", f"CREDSTACK_{name}", name.lower())


class ServiceSettings(BaseSettings):
    """Settings of one service; subclasses set ``service_name`` and ``default_port``."""

    service_name: ClassVar[str] = "service"
    default_port: ClassVar[int] = 8000

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    data_dir: Path = Field(default=Path(".credstack"))
    environment: Environment = Field(default=Environment.DEVELOPMENT)
    database_url: str | None = None
    public_base_url: str | None = None
    key_encryption_key: SecretStr | None = None
    # TLS ends at a reverse proxy in front of this service, so an http public base URL is
    # what the operator means in production (CREDSTACK_TLS_TERMINATED_BY_PROXY=true).
    tls_terminated_by_proxy: bool = False
    host: str = "127.0.0.1"
    port: int | None = None
    # Rate limits per client address (shared.rate_limits); off only for a closed test bed.
    rate_limits_enabled: bool = True
    # How many reverse proxies in front append the client's address to X-Forwarded-For
    # (0: clients connect directly, and the header, which anyone can write, is ignored).
    trusted_proxies: int = Field(default=0, ge=0)
    # Worker processes `credstack serve` starts for this service (CREDSTACK_WORKERS or
    # <PREFIX>WORKERS; default: the machine's cores, see ``worker_count``).
    workers: int | None = Field(default=None, ge=1)
    # Set by `credstack serve` for its worker processes once it has migrated the database
    # and run the start-up tasks itself: the workers then only serve.
    startup_done: bool = False

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        prefix = f"{cls.service_name.upper()}_"
        cls.model_config = SettingsConfigDict(
            env_prefix=prefix, populate_by_name=True, extra="ignore"
        )
        fields = cls.model_fields
        for name in (
            "data_dir",
            "key_encryption_key",
            "tls_terminated_by_proxy",
            "trusted_proxies",
            "workers",
        ):
            fields[name] = copy(fields[name])
            fields[name].validation_alias = _node_wide(name.upper(), prefix)
        fields["environment"] = copy(fields["environment"])
        fields["environment"].validation_alias = AliasChoices(
            f"{prefix}ENV", "CREDSTACK_ENV", "environment"
        )
        cls.model_rebuild(force=True)

    @property
    def is_development(self) -> bool:
        return self.environment is Environment.DEVELOPMENT

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers is not None else os.cpu_count() or 1

    @property
    def bind_port(self) -> int:
        return self.port if self.port is not None else self.default_port

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or an SQLite file named after the service in the data directory."""
        if self.database_url:
            return self.database_url
        path = (self.data_dir / f"{self.service_name}.db").resolve()
        return f"sqlite+aiosqlite:///{path}"

    @property
    def base_url(self) -> str:
        """Public base URL without a trailing slash (the identifier peers see)."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        return f"http://localhost:{self.bind_port}"

    @property
    def cookies_secure(self) -> bool:
        """Whether cookies carry ``Secure``: always in production (behind a TLS proxy too, as
        the browser sees https), and in development when the service is published over https."""
        return not self.is_development or self.base_url.startswith("https://")

    def check_can_start(self) -> None:
        """Refuse a production start whose public URL is plain http, unless the operator
        says TLS ends at a proxy in front: session cookies, bearer tokens and credentials
        would otherwise cross the network in clear, and peers would see an http identifier."""
        if self.is_development or self.tls_terminated_by_proxy:
            return
        if not self.base_url.startswith("https://"):
            prefix = f"{self.service_name.upper()}_"
            raise ConfigurationError(
                f"In production the {self.service_name}'s public URL must be https, not "
                f"{self.base_url}: set {prefix}PUBLIC_BASE_URL to the https address people "
                "use, or CREDSTACK_TLS_TERMINATED_BY_PROXY=true if TLS ends at a reverse "
                "proxy in front of this service."
            )

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.data_dir

    def load_key_encryption_key(self) -> bytes:
        """Return the 32-byte key-encryption key.

        Production takes it from the environment only; development generates one into the
        data directory (mode 0600) on first run so a laptop start needs no set-up.
        """
        if self.key_encryption_key is not None:
            return decode_kek(self.key_encryption_key.get_secret_value())
        if not self.is_development:
            raise ConfigurationError(
                "No key-encryption key: set CREDSTACK_KEY_ENCRYPTION_KEY (32 random bytes, "
                "base64url; `credstack kek` prints a new one) before starting in production."
            )
        return _development_kek(self.ensure_data_dir() / KEK_FILE_NAME)


# The port each service listens on by default; one place, read by every service that links to
# another one (the issuer's and the verifier's "open in wallet" links, `credstack up`).
DEFAULT_PORTS = {"issuer": 8001, "holder": 8002, "verifier": 8003}


def public_url_of(service_name: str) -> str:
    """Another service's public base URL, without a trailing slash.

    Read from that service's own settings in the environment (``HOLDER_PUBLIC_BASE_URL``, else
    ``HOLDER_PORT`` on localhost), so that one setting per service moves every link that
    points at it; `credstack up` passes them to all three.
    """
    prefix = service_name.upper()
    configured = os.environ.get(f"{prefix}_PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    port = os.environ.get(f"{prefix}_PORT") or str(DEFAULT_PORTS[service_name])
    return f"http://localhost:{port}"


def new_kek_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEK_BYTES)).decode().rstrip("=")


def decode_kek(text: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise ConfigurationError("The key-encryption key is not valid base64url.") from exc
    if len(raw) != KEK_BYTES:
        raise ConfigurationError(
            f"The key-encryption key must decode to {KEK_BYTES} bytes, not {len(raw)}."
        )
    return raw


def _development_kek(path: Path) -> bytes:
    # Three services start together on a fresh data directory; whichever writes first wins
    # and the others read its key, never a half-written file.
    return decode_kek(create_private_file_once(path, new_kek_text()))
