"""Credentials and status lists for the wallet's and the verifier's tests.

``micro_credential`` builds an unsigned OB 3.0 micro-credential from the micro-credential
samples; ``StatusLists`` is an issuer's revocation and suspension lists, really signed
(ldp_vc, didkit) and served over "the internet" of a test (an httpx MockTransport behind
the runtime's guarded client, see tests/shared/test_http.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from shared.credentials.formats.ldp_vc import LdpVc
from shared.credentials.microcredential.build import StatusEntry, build_credential
from shared.credentials.status_list import Bitstring, StatusPurpose, status_list_credential
from shared.crypto.keys import SigningKey
from tests.shared.credentials.test_microcredential_samples import (
    ISSUER_DID,
    award,
    did_key_signer,
    full_award_data,
    minimal_award_data,
)

REVOCATION_LIST = "https://issuer.example/status/revocation"
SUSPENSION_LIST = "https://issuer.example/status/suspension"


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


def asked_for(request: httpx.Request) -> str:
    """The URL that was asked for (the guard connects to the vetted IP, keeping the Host)."""
    return f"https://{request.headers['Host']}{request.url.path}"


@dataclass
class StatusLists:
    """An issuer with a revocation and a suspension list, served to whoever fetches them.

    ``headers`` go with every list response (caching tests set Cache-Control, Expires).
    """

    key: SigningKey = field(default_factory=did_key_signer)
    bits: dict[str, Bitstring] = field(
        default_factory=lambda: {
            REVOCATION_LIST: Bitstring.empty(),
            SUSPENSION_LIST: Bitstring.empty(),
        }
    )
    served: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    next_index: int = 1000

    def entries(self) -> dict[str, StatusEntry]:
        self.next_index += 1
        return {
            "status": StatusEntry(REVOCATION_LIST, self.next_index),
            "suspension": StatusEntry(SUSPENSION_LIST, self.next_index, "suspension"),
        }

    async def publish(self, signer: SigningKey | None = None, **members: Any) -> None:
        """Sign each list (by ``signer``, default the issuer itself) and serve it;
        ``members`` are added to each list before signing (``expirationDate=…``)."""
        signer = signer or self.key
        for url, bits in self.bits.items():
            purpose = StatusPurpose.REVOCATION if "revocation" in url else StatusPurpose.SUSPENSION
            unsigned = status_list_credential(
                list_url=url,
                issuer=signer.did,
                purpose=purpose,
                bits=bits,
                issued_at=datetime.now(UTC),
            )
            self.served[url] = await LdpVc().sign_credential({**unsigned, **members}, signer)

    def handle(self, request: httpx.Request) -> httpx.Response:
        document = self.served.get(asked_for(request))
        if document is None:
            return httpx.Response(404)
        return httpx.Response(200, json=document, headers=self.headers)
