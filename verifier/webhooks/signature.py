"""How a webhook is signed, and how a receiver checks it (the scheme Stripe uses).

    Credstack-Signature: t=1764675600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e7…

``v1`` is the hex HMAC-SHA256, keyed with the endpoint's secret (its UTF-8 bytes, the
``whsec_`` prefix included), of ``"<t>.<body>"``: the Unix time of the attempt, a dot, and
the request body exactly as received. Each attempt is signed afresh with its own ``t``, so a
receiver can refuse a signature older than a few minutes (a replayed request); the event id
(``Credstack-Event-Id``) stays the same across attempts so it can drop duplicates.
"""

from __future__ import annotations

import hmac

from shared.tokens import keyed_digest, new_token

SIGNATURE_HEADER = "Credstack-Signature"
EVENT_ID_HEADER = "Credstack-Event-Id"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
DEFAULT_TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + new_token()


def signature_header(secret: str, body: str, timestamp: int) -> str:
    return f"t={timestamp},v1={_signature(secret, body, timestamp)}"


def signature_is_valid(
    secret: str,
    header: str,
    body: str,
    *,
    now: int,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: True when ``header`` signs ``body`` with ``secret`` and its time
    is within ``tolerance_seconds`` of ``now``. Several ``v1`` values may be present (kept
    for a future secret rotation); one matching is enough."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or abs(now - timestamp) > tolerance_seconds:
        return False
    expected = _signature(secret, body, timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def _signature(secret: str, body: str, timestamp: int) -> str:
    return keyed_digest(secret.encode(), f"{timestamp}.{body}").hex()
