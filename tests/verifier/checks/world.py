"""A small world for the checks engine: an issuer on the trust list with its status lists on
"the internet", a learner with a holder key, and a verifier built the way the service builds
it (guarded client, DID resolver, shared status check). Everything is really signed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shared.credentials.formats import credential_formats
from shared.credentials.formats.base import SignedDocument
from shared.credentials.formats.vcdm import CREDENTIALS_V1_CONTEXT
from shared.credentials.microcredential.i18n import LocalizedText
from shared.credentials.status_check import StatusCheck, StatusListCache
from shared.crypto.keys import SigningKey
from shared.did.resolver import DIDResolver
from tests.shared.credentials.test_microcredential_samples import did_key_signer
from tests.shared.test_http import Web
from tests.support.credentials import StatusLists, micro_credential
from verifier.checks.constraints import Constraints
from verifier.checks.engine import Expectation, Verifier
from verifier.checks.report import Outcome, Report
from verifier.trust.entries import TrustedIssuer

NONCE = "n-0S6_WzA2Mj-verifier-nonce"
CLIENT_ID = "redirect_uri:https://verifier.example/oid4vp/response"
FORMATS = ("ldp_vc", "jwt_vc_json")
ESCO = "http://data.europa.eu/esco/skill/"


class TrustList:
    """The trust list as the engine sees it: DIDs of universities we trust."""

    def __init__(self, *issuers: TrustedIssuer) -> None:
        self.issuers = {issuer.did: issuer for issuer in issuers}

    async def lookup(self, did: str) -> TrustedIssuer | None:
        return self.issuers.get(did)


def university(did: str) -> TrustedIssuer:
    return TrustedIssuer(
        did=did,
        name=LocalizedText.of("en", "University of Example", de="Universität Beispiel"),
        country="DE",
        accreditation="Akkreditierungsrat (system accreditation)",
    )


@dataclass
class World:
    lists: StatusLists
    web: Web
    resolver: DIDResolver
    verifier: Verifier
    trust: TrustList
    holder: SigningKey = field(default_factory=did_key_signer)

    @property
    def issuer(self) -> SigningKey:
        return self.lists.key

    def unsigned(self, holder_did: str | None = None, **entry_changes: Any) -> dict[str, Any]:
        """A micro-credential with revocation and suspension entries on the served lists."""
        return micro_credential(
            holder_did or self.holder.did,
            issuer_did=self.issuer.did,
            **self.lists.entries(),
            **entry_changes,
        )

    async def sign(
        self, fmt: str, credential: dict[str, Any], key: SigningKey | None = None
    ) -> SignedDocument:
        return await credential_formats(self.resolver)[fmt].sign_credential(
            credential, key or self.issuer
        )

    async def credential(self, fmt: str, **entry_changes: Any) -> SignedDocument:
        return await self.sign(fmt, self.unsigned(**entry_changes))

    async def present(
        self,
        fmt: str,
        credentials: Iterable[SignedDocument],
        *,
        nonce: str = NONCE,
        audience: str = CLIENT_ID,
        key: SigningKey | None = None,
    ) -> SignedDocument:
        key = key or self.holder
        presentation = {
            "@context": [CREDENTIALS_V1_CONTEXT],
            "type": ["VerifiablePresentation"],
            "holder": key.did,
            "verifiableCredential": list(credentials),
        }
        return await credential_formats(self.resolver)[fmt].sign_presentation(
            presentation, key, nonce=nonce, audience=audience
        )

    async def check_dcql(
        self, fmt: str, presentations: list[SignedDocument], **constraints: Any
    ) -> Report:
        """Post ``presentations`` as the answer to a one-query DCQL request, as a form field."""
        query = dcql_query(fmt, multiple=len(presentations) > 1)
        expectation = expect(constraints, dcql_query=query)
        return await self.verifier.check_response(
            json.dumps({"mc": presentations}), None, expectation
        )


def expect(constraints: dict[str, Any] | None = None, **queries: Any) -> Expectation:
    return Expectation(
        nonce=NONCE,
        audience=CLIENT_ID,
        constraints=Constraints(purpose="Hiring a data analyst", **(constraints or {})),
        **queries,
    )


def dcql_query(fmt: str, *, multiple: bool = False) -> dict[str, Any]:
    return {
        "credentials": [
            {
                "id": "mc",
                "format": fmt,
                "multiple": multiple,
                "meta": {"type_values": [["VerifiableCredential", "AchievementCredential"]]},
            }
        ]
    }


def presentation_definition() -> dict[str, Any]:
    return {
        "id": "mc_request",
        "input_descriptors": [
            {"id": "mc", "constraints": {"fields": [{"path": ["$.type"]}]}},
        ],
    }


def submission(fmt: str, count: int = 1) -> dict[str, Any]:
    nested = "$.vp.verifiableCredential[0]" if fmt == "jwt_vc_json" else "$.verifiableCredential[0]"
    vp_format = "jwt_vp_json" if fmt == "jwt_vc_json" else "ldp_vp"
    return {
        "id": "a30e3b91",
        "definition_id": "mc_request",
        "descriptor_map": [
            {
                "id": "mc",
                "format": vp_format,
                "path": "$" if count == 1 else f"$[{n}]",
                "path_nested": {"format": fmt, "path": nested},
            }
            for n in range(count)
        ],
    }


def outcomes(report: Report) -> dict[str, Outcome]:
    """Each check's outcome by name (per-credential checks of credential n as "name#n")."""
    return {
        check.name if check.credential is None else f"{check.name}#{check.credential}": (
            check.outcome
        )
        for check in report.checks
    }


def not_passed(report: Report) -> set[str]:
    return {name for name, outcome in outcomes(report).items() if outcome not in GOOD}


def reason(report: Report, name: str, credential: int | None = None) -> str:
    for check in report.checks:
        if check.name == name and (credential is None or check.credential == credential):
            return check.reason
    raise AssertionError(f"no {name} check")


GOOD = (Outcome.PASSED, Outcome.NOT_APPLICABLE)


def build_verifier(
    http: Any, trust: TrustList, cache: StatusListCache | None = None
) -> tuple[DIDResolver, Verifier]:
    resolver = DIDResolver(http)
    status = StatusCheck(http, resolver, cache or StatusListCache())
    return resolver, Verifier(resolver=resolver, status=status, trust=trust)
