"""One entry point from a DID or DID URL to a DID document or a public JWK.

did:key and did:jwk resolve locally (and are remembered: the DID is the key, nothing can
rotate); did:web goes out through the ``httpx.AsyncClient`` the service injects (the guarded
client in production, a mock transport in tests). did:web has no cache: documents are small,
and a verifier should see a rotated key at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from copy import deepcopy
from functools import lru_cache
from typing import Any

import httpx

from shared.did.document import find_verification_method, is_listed, verification_method_jwk
from shared.did.errors import (
    INVALID_DID,
    INVALID_DID_URL,
    METHOD_NOT_SUPPORTED,
    NOT_FOUND,
    resolution_error,
)
from shared.did.jwk import did_jwk_document
from shared.did.key import did_key_document
from shared.did.web import resolve_did_web

# Methods whose DID is the key, so its document is built from the DID alone; a DID URL
# without a fragment names that one key.
_LOCAL_DOCUMENTS: dict[str, Callable[[str], dict[str, Any]]] = {
    "key": did_key_document,
    "jwk": did_jwk_document,
}
_SINGLE_KEY_METHODS = frozenset(_LOCAL_DOCUMENTS)
LOCAL_DOCUMENTS_CACHED = 4096


class DIDResolver:
    """Resolves did:key, did:jwk and did:web.

    ``allow_http_loopback`` lets development fetch ``did:web:localhost%3A…`` over plain
    http; it never relaxes anything for other hosts.
    """

    def __init__(
        self, http: httpx.AsyncClient | None = None, *, allow_http_loopback: bool = False
    ) -> None:
        self._http = http
        self._allow_http_loopback = allow_http_loopback
        self._methods: dict[str, Callable[[str], Awaitable[dict[str, Any]]]] = {
            **{method: _local(build) for method, build in _LOCAL_DOCUMENTS.items()},
            "web": self._resolve_web,
        }

    async def resolve(self, did: str) -> dict[str, Any]:
        """The DID document of ``did`` (a DID, not a DID URL)."""
        if not _is_bare(did):
            raise resolution_error(INVALID_DID, "Resolve takes a DID without path, query or #.")
        method = _method_of(did)
        resolve = self._methods.get(method)
        if resolve is None:
            supported = ", ".join(f"did:{name}" for name in self._methods)
            raise resolution_error(
                METHOD_NOT_SUPPORTED, f"did:{method} is not supported (supported: {supported})."
            )
        return await resolve(did)

    async def public_jwk(self, did_url: str, *, relationship: str | None = None) -> dict[str, str]:
        """The public JWK of the verification method ``did_url`` names (a JWT ``kid``).

        A bare did:key or did:jwk names its single key. With ``relationship``
        (``assertionMethod`` for credentials, ``authentication`` for presentations and key
        proofs), the method must be listed under it.
        """
        did, _, _ = did_url.partition("#")
        if _method_of(did) in _SINGLE_KEY_METHODS and _is_bare(did):
            # A pure function of the DID URL, like the document: remembered, a copy each.
            return dict(_local_public_jwk(did_url, relationship))
        return _select_jwk(await self.resolve(did), did_url, relationship)

    async def _resolve_web(self, did: str) -> dict[str, Any]:
        if self._http is None:
            raise resolution_error(METHOD_NOT_SUPPORTED, "Resolving did:web needs an HTTP client.")
        return await resolve_did_web(did, self._http, allow_http_loopback=self._allow_http_loopback)


def _select_jwk(document: dict[str, Any], did_url: str, relationship: str | None) -> dict[str, str]:
    """The public JWK of the method ``did_url`` names in its DID's ``document``."""
    did, _, fragment = did_url.partition("#")
    if not fragment and _method_of(did) in _SINGLE_KEY_METHODS:
        did_url = document["verificationMethod"][0]["id"]
    elif not fragment:
        raise resolution_error(
            INVALID_DID_URL, f"{did_url!r} does not name a verification method (no #fragment)."
        )
    method = find_verification_method(document, did_url)
    if method is None:
        raise resolution_error(NOT_FOUND, f"{did}'s document has no method {did_url!r}.")
    if relationship is not None and not is_listed(document, did_url, relationship):
        raise resolution_error(
            NOT_FOUND, f"{did_url!r} is not listed under {relationship} in {did}'s document."
        )
    return verification_method_jwk(method)


@lru_cache(maxsize=LOCAL_DOCUMENTS_CACHED)
def _local_public_jwk(did_url: str, relationship: str | None) -> dict[str, str]:
    """``_select_jwk`` for a did:key or did:jwk URL; callers get a copy (lru_cache keeps
    the original, and keeps no failures: a bad DID is refused again each time)."""
    did = did_url.partition("#")[0]
    return _select_jwk(_LOCAL_DOCUMENTS[_method_of(did)](did), did_url, relationship)


def _is_bare(did: str) -> bool:
    """A DID alone: no path, query or fragment."""
    return not any(char in did for char in "#?/")


def _method_of(did: str) -> str:
    scheme, _, rest = did.partition(":")
    method, _, specific_id = rest.partition(":")
    if scheme != "did" or not method or not specific_id:
        raise resolution_error(INVALID_DID, "Not a DID (did:<method>:<identifier>).")
    return method


def _local(
    build: Callable[[str], dict[str, Any]],
) -> Callable[[str], Awaitable[dict[str, Any]]]:
    # The document of a did:key or did:jwk is a pure function of the DID, and building it
    # (decoding the key, checking an Ed25519 point in Python) cost a verifier about a third of
    # a VC-JWT's check, twice per answer. Kept per process for the DIDs seen most recently;
    # each caller gets its own copy, so nobody can change what the next one reads.
    built = lru_cache(maxsize=LOCAL_DOCUMENTS_CACHED)(build)

    async def resolve(did: str) -> dict[str, Any]:
        return deepcopy(built(did))

    return resolve
