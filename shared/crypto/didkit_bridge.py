"""The one place that calls didkit.

didkit 0.3.3 crashes the interpreter at exit (SIGABRT/SIGSEGV) when the process ends right
after its async calls: its tokio thread is still releasing Python state while the
interpreter finalises. Every process that has used didkit therefore waits briefly before
exit; the hook is registered on first use, so processes that never sign pay nothing.
"""

from __future__ import annotations

import atexit
import json
import threading
import time
from typing import Any, cast

import didkit

from shared.crypto.keys import PrivateKey
from shared.errors import CryptoError

QUIESCE_SECONDS = 0.1
# didkit's stub declares ``DIDKitException: Exception`` (an instance); it is a class.
_DIDKitError = cast("type[Exception]", didkit.DIDKitException)
_hook_lock = threading.Lock()
_hook_registered = False


def _quiesce() -> None:
    time.sleep(QUIESCE_SECONDS)


def _ensure_quiesce_hook() -> None:
    global _hook_registered
    with _hook_lock:
        if not _hook_registered:
            atexit.register(_quiesce)
            _hook_registered = True


def key_to_did_key(key: PrivateKey) -> str:
    _ensure_quiesce_hook()
    return str(didkit.key_to_did("key", key.private_jwk_json()))


async def issue_credential(
    credential: dict[str, Any], options: dict[str, Any], key: PrivateKey
) -> str:
    _ensure_quiesce_hook()
    try:
        return str(
            await didkit.issue_credential(
                json.dumps(credential), json.dumps(options), key.private_jwk_json()
            )
        )
    except (_DIDKitError, ValueError) as exc:  # ValueError: a document didkit cannot parse
        raise CryptoError(f"didkit could not sign the credential: {exc}") from exc


async def issue_presentation(
    presentation: dict[str, Any], options: dict[str, Any], key: PrivateKey
) -> str:
    _ensure_quiesce_hook()
    try:
        return str(
            await didkit.issue_presentation(
                json.dumps(presentation), json.dumps(options), key.private_jwk_json()
            )
        )
    except (_DIDKitError, ValueError) as exc:
        raise CryptoError(f"didkit could not sign the presentation: {exc}") from exc


async def verify_credential(credential: str, options: dict[str, Any]) -> dict[str, Any]:
    """didkit's verification report: ``{"checks": [...], "warnings": [...], "errors": [...]}``."""
    _ensure_quiesce_hook()
    try:
        report = await didkit.verify_credential(credential, json.dumps(options))
    except (_DIDKitError, ValueError) as exc:  # ValueError: a document didkit cannot parse
        return {"checks": [], "warnings": [], "errors": [f"didkit could not read it: {exc}"]}
    result: dict[str, Any] = json.loads(report)
    return result


async def verify_presentation(presentation: str, options: dict[str, Any]) -> dict[str, Any]:
    _ensure_quiesce_hook()
    try:
        report = await didkit.verify_presentation(presentation, json.dumps(options))
    except (_DIDKitError, ValueError) as exc:
        return {"checks": [], "warnings": [], "errors": [f"didkit could not read it: {exc}"]}
    result: dict[str, Any] = json.loads(report)
    return result


async def resolve_did(did: str) -> dict[str, Any]:
    _ensure_quiesce_hook()
    try:
        document = await didkit.resolve_did(did, "{}")
    except _DIDKitError as exc:
        raise CryptoError(f"didkit could not resolve {did}: {exc}") from exc
    result: dict[str, Any] = json.loads(document)
    return result
