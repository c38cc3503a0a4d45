"""Credentials for wallet tests, built from the micro-credential samples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.credentials import micro_credential

__all__ = ["HOSTILE", "micro_credential", "outside_badge"]

VECTORS = Path(__file__).parents[1] / "vectors"
HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


def outside_badge(holder_did: str) -> dict[str, Any]:
    """Another issuer's Open Badge: an OB 3.0 credential with none of the EU elements."""
    badge: dict[str, Any] = json.loads((VECTORS / "ob3_minimal_credential.json").read_text())
    badge["credentialSubject"]["id"] = holder_did
    return badge
