"""One entry of the trust list, as the checks and the pages read it.

The issuer name a recruiter sees comes from here, never from the credential's own claims: a
credential can call its issuer anything it likes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from shared.credentials.microcredential.i18n import LocalizedText

UNKNOWN_ISSUER = "unknown issuer"


@dataclass(frozen=True)
class TrustedIssuer:
    did: str
    name: LocalizedText  # the university's name in several languages, first = default
    country: str  # ISO 3166-1 alpha-2, e.g. "DE"
    accreditation: str  # the quality-assurance body that accredits it, in words
    accreditation_url: str | None = None
    notes: dict[str, str] = field(default_factory=dict)


class TrustedIssuers(Protocol):
    """What the checks need of a trust list: is this DID a university we trust?"""

    async def lookup(self, did: str) -> TrustedIssuer | None: ...
