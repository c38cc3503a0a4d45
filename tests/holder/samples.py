"""Credentials for wallet tests, built from the micro-credential samples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.credentials.microcredential.build import StatusEntry, build_credential
from tests.shared.credentials.test_microcredential_samples import (
    ISSUER_DID,
    award,
    full_award_data,
    minimal_award_data,
)

VECTORS = Path(__file__).parents[1] / "vectors"
HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


def micro_credential(
    holder_did: str,
    *,
    issuer_did: str = ISSUER_DID,
    full: bool = True,
    status: StatusEntry | None = None,
    suspension: StatusEntry | None = None,
    field_of_study: str | None = None,
    **entry_changes: Any,
) -> dict[str, Any]:
    """An unsigned OB 3.0 micro-credential for ``holder_did``; ``entry_changes`` replace
    catalogue-entry fields (``ects=3``, ``eqf_level=4``, ``title={"en": "…"}``).

    The full one is the demo catalogue's first entry (field of study "Information and
    Communication Technologies"), the minimal one has no field of study; ``field_of_study``
    replaces it with one text in the entry's language."""
    data = full_award_data(issuer_did) if full else minimal_award_data(issuer_did)
    if field_of_study is not None:
        data["entry"]["field_of_study"] = {data["entry"]["language"]: field_of_study}
    data["entry"].update(entry_changes)
    return build_credential(
        award(data), holder_did=holder_did, status=status, suspension=suspension
    )


def outside_badge(holder_did: str) -> dict[str, Any]:
    """Another issuer's Open Badge: an OB 3.0 credential with none of the EU elements."""
    badge: dict[str, Any] = json.loads((VECTORS / "ob3_minimal_credential.json").read_text())
    badge["credentialSubject"]["id"] = holder_did
    return badge
