"""Where the trust list comes from: a JSON file on disk or an https URL the operator names
(``VERIFIER_TRUST_LIST_SOURCE``). URLs are fetched through the guarded client like every
other outbound request."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.errors import CredstackError
from shared.http import DEFAULT_MAX_RESPONSE_BYTES
from shared.settings import ServiceSettings
from verifier.trust.document import TrustListRefused, parse_document
from verifier.trust.entries import TrustedIssuer

DEVELOPMENT_FILE_NAME = "trust-list.json"
MAX_FILE_BYTES = DEFAULT_MAX_RESPONSE_BYTES


@dataclass(frozen=True)
class FetchedTrustList:
    source: str
    digest: str  # SHA-256 of the bytes read: tells whether the file changed since last time
    issuers: list[TrustedIssuer]


def configured_source(configured: str | None, settings: ServiceSettings) -> str | None:
    """The operator's source; in development without one, ``<data dir>/trust-list.json`` if
    that file exists (`credstack up` writes it with the demo university)."""
    if configured:
        return configured.strip()
    if settings.is_development:
        default = settings.data_dir / DEVELOPMENT_FILE_NAME
        if default.is_file():
            return str(default)
    return None


def is_url(source: str) -> bool:
    return source.lower().startswith(("https://", "http://"))


async def read_trust_list(source: str, http: httpx.AsyncClient) -> FetchedTrustList:
    """The universities listed at ``source``; ``TrustListRefused`` says what is wrong."""
    raw = await (_fetch(source, http) if is_url(source) else _read_file(Path(source)))
    try:
        issuers = parse_document(raw)
    except TrustListRefused as exc:
        raise TrustListRefused(f"{_shown(source)} was refused. {exc.description}") from None
    return FetchedTrustList(source, hashlib.sha256(raw).hexdigest(), issuers)


async def _fetch(url: str, http: httpx.AsyncClient) -> bytes:
    try:
        response = await http.get(url, headers={"Accept": "application/json"})
    except CredstackError as exc:  # UnsafeURL, FetchFailed: already in words, host only
        raise TrustListRefused(f"The trust list could not be fetched. {exc.description}") from None
    if response.status_code != httpx.codes.OK:
        raise TrustListRefused(
            f"The trust list could not be fetched: {response.url.host} answered "
            f"{response.status_code}."
        )
    return response.content


async def _read_file(path: Path) -> bytes:
    return await asyncio.to_thread(_read_file_now, path)


def _read_file_now(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise TrustListRefused(f"The trust list file {path} is larger than 1 MiB.")
        return path.read_bytes()
    except FileNotFoundError:
        raise TrustListRefused(f"There is no trust list file at {path}.") from None
    except OSError as exc:
        raise TrustListRefused(
            f"The trust list file {path} could not be read ({exc.strerror})."
        ) from None


def _shown(source: str) -> str:
    """The source as a message may show it: a URL's host only (its query may carry a key)."""
    if is_url(source):
        return f"The trust list from {httpx.URL(source).host}"
    return f"The trust list file {source}"
