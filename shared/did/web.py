"""did:web: mapping a DID to the URL of its document, building ours, fetching others'.

``did:web:<host>[%3A<port>][:<segment>…]`` names ``https://<host>[:<port>]/<segments>/did.json``
(``/.well-known/did.json`` without a path). Resolution is a GET through the injected
``httpx.AsyncClient`` (production passes the private-network-guarded client) over https
only, and the document must name itself with the DID it was fetched for: otherwise a web
server could answer for another identity. IP hosts are refused, as the method requires;
development may allow plain http to a loopback host, and nothing else.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

from shared.crypto.keys import KeyAlgorithm
from shared.crypto.public_keys import public_key_algorithm
from shared.did.document import (
    ASSERTION_METHOD,
    AUTHENTICATION,
    DID_CONTEXT,
    VerificationMethodType,
    did_document,
    verification_method,
)
from shared.did.errors import INVALID_DID, INVALID_DOCUMENT, NOT_FOUND, resolution_error
from shared.errors import CredstackError, InvalidInput

PREFIX = "did:web:"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
ACCEPT = "application/did+json, application/did+ld+json, application/json"

_SEGMENT = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+"
_METHOD_SPECIFIC_ID = re.compile(rf"{_SEGMENT}(?::{_SEGMENT})*")
_HOST_PORT = re.compile(r"(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{1,5}))?")
_FRAGMENT = re.compile(r"[A-Za-z0-9._~-]+")
_WELL_KNOWN = "/.well-known"
_DOCUMENT_NAME = "/did.json"


def did_web_document_url(did: str) -> str:
    """The https URL of the document of ``did`` (the method spec's mapping, nothing else)."""
    host, port, path = _parse(did)
    authority = host if port is None else f"{host}:{port}"
    directory = "/" + "/".join(path) if path else _WELL_KNOWN
    return f"https://{authority}{directory}{_DOCUMENT_NAME}"


def did_web_from_url(url: str) -> str:
    """The did:web anchored at a service's base URL (or at its ``did.json`` URL).

    The scheme is dropped: ``http://localhost:8000`` (development) and
    ``https://localhost:8000`` name the same DID, ``did:web:localhost%3A8000``.
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme not in ("https", "http")
        or not parts.hostname
        or port == -1
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise resolution_error(INVALID_DID, f"{url!r} is not a plain http(s) base URL.")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    authority = host if port is None else f"{host}:{port}"
    path = parts.path.rstrip("/").removesuffix(_DOCUMENT_NAME)
    path = "" if path == _WELL_KNOWN else path
    segments = [_pct_encode(unquote(segment)) for segment in path.split("/") if segment]
    did = PREFIX + ":".join([_pct_encode(authority), *segments])
    _parse(did)
    return did


def build_did_web_document(
    did: str,
    keys: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    ed25519_type: VerificationMethodType = VerificationMethodType.MULTIKEY,
) -> dict[str, Any]:
    """The document we serve: one method ``<did>#<fragment>`` per ``(fragment, public JWK)``.

    Ed25519 keys are ``Multikey`` (Data Integrity ``eddsa-rdfc-2022``) unless
    ``ed25519_type`` says ``JsonWebKey2020``; P-256 keys are always ``JsonWebKey2020``
    (JOSE). Every method is listed under ``assertionMethod`` and ``authentication``.
    """
    _parse(did)
    fragments = [fragment for fragment, _ in keys]
    if len(set(fragments)) != len(fragments):
        raise InvalidInput(f"Duplicate verification-method fragments in {fragments}.")
    methods = []
    for fragment, public_jwk in keys:
        if not _FRAGMENT.fullmatch(fragment):
            raise InvalidInput(f"{fragment!r} is not a usable DID URL fragment.")
        is_ed25519 = public_key_algorithm(public_jwk) is KeyAlgorithm.ED25519
        vm_type = ed25519_type if is_ed25519 else VerificationMethodType.JSON_WEB_KEY_2020
        methods.append(verification_method(f"{did}#{fragment}", did, public_jwk, vm_type))
    return did_document(did, methods, (ASSERTION_METHOD, AUTHENTICATION))


async def resolve_did_web(
    did: str, http: httpx.AsyncClient, *, allow_http_loopback: bool = False
) -> dict[str, Any]:
    """Fetch and check the document of ``did``; ``DIDResolutionError`` says what went wrong."""
    url = _fetch_url(did, allow_http_loopback)
    try:
        response = await http.get(url, headers={"Accept": ACCEPT})
    except httpx.HTTPError as exc:
        raise resolution_error(NOT_FOUND, f"Fetching {url} failed ({type(exc).__name__}).") from exc
    except CredstackError as exc:  # the guarded client's UnsafeURL / FetchFailed
        raise resolution_error(NOT_FOUND, f"Fetching {url} was refused: {exc.description}") from exc
    if response.url.scheme != httpx.URL(url).scheme:
        raise resolution_error(NOT_FOUND, f"Fetching {url} was redirected to {response.url}.")
    if response.status_code != httpx.codes.OK:
        raise resolution_error(NOT_FOUND, f"{url} answered HTTP {response.status_code}.")
    try:
        document = response.json()
    except ValueError:
        raise resolution_error(INVALID_DOCUMENT, f"{url} did not return JSON.") from None
    _check_document(document, did, url)
    result: dict[str, Any] = document
    return result


def _parse(did: str) -> tuple[str, int | None, list[str]]:
    """(host, port, path segments) of a did:web, segments still percent-encoded."""
    if not did.startswith(PREFIX) or not _METHOD_SPECIFIC_ID.fullmatch(did[len(PREFIX) :]):
        raise resolution_error(INVALID_DID, f"{did!r} is not a did:web.")
    domain, *path = did[len(PREFIX) :].split(":")
    match = _HOST_PORT.fullmatch(unquote(domain))
    port = int(match["port"]) if match and match["port"] else None
    if match is None or (port is not None and not 0 < port < 65536):
        raise resolution_error(
            INVALID_DID, f"{did!r}: the domain must be a host name, with an optional %3A port."
        )
    return match["host"].lower(), port, path


def _fetch_url(did: str, allow_http_loopback: bool) -> str:
    url = httpx.URL(did_web_document_url(did))
    loopback = allow_http_loopback and url.host in LOOPBACK_HOSTS
    if _is_ip_address(url.host) and not loopback:
        raise resolution_error(INVALID_DID, f"{did!r}: did:web does not allow IP-address hosts.")
    return str(url.copy_with(scheme="http")) if loopback else str(url)


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _check_document(document: object, did: str, url: str) -> None:
    if not isinstance(document, dict):
        raise resolution_error(INVALID_DOCUMENT, f"{url} did not return a JSON object.")
    if document.get("id") != did:
        raise resolution_error(
            INVALID_DOCUMENT, f"The document at {url} is for {document.get('id')!r}, not {did!r}."
        )
    context = document.get("@context")
    contexts = [context] if isinstance(context, str) else context
    if context is not None and (not isinstance(contexts, list) or DID_CONTEXT not in contexts):
        raise resolution_error(INVALID_DOCUMENT, f"The document at {url} lacks {DID_CONTEXT}.")


def _pct_encode(text: str) -> str:
    """Percent-encode everything outside the DID ``idchar`` set (``~`` included)."""
    return quote(text, safe="").replace("~", "%7E")
