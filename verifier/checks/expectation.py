"""What a stored request expects of the answer to it (nothing, for a pasted document)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verifier.checks.constraints import Constraints


@dataclass(frozen=True)
class Expectation:
    """What the stored request expects; None = not applicable (public "verify a file")."""

    nonce: str | None
    audience: str | None  # the full client_id, prefix included (interop note 7)
    constraints: Constraints | None
    dcql_query: dict[str, Any] | None = None
    presentation_definition: dict[str, Any] | None = None


NO_REQUEST = Expectation(nonce=None, audience=None, constraints=None)
