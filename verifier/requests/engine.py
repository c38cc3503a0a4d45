"""The checks engine (verifier.checks) as the verifier's endpoints and pages use it.

``EngineCheckers`` makes the engine for one unit of work: DIDs resolved and status lists
fetched through the runtime's guarded client, issuers looked up in the stored trust list.
It keeps one status-list cache for the whole app (``VERIFIER_STATUS_CACHE_TTL_SECONDS``,
``VERIFIER_STATUS_MAX_STALENESS_SECONDS``). Tests give ``create_app`` an ``EngineCheckers``
with a trust list of their own; the engine itself is never replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from shared.credentials.status_check import StatusCheck, StatusListCache
from shared.did.resolver import DIDResolver
from shared.runtime import ServiceRuntime
from verifier.checks.constraints import Constraints
from verifier.checks.engine import Expectation, Verifier
from verifier.checks.report import Report
from verifier.requests.repository import RequestToAnswer
from verifier.requests.response_form import AuthorizationResponse
from verifier.requests.service import verifier_settings
from verifier.trust.entries import TrustedIssuers
from verifier.trust.repository import TrustList

TrustFor = Callable[[AsyncSession], TrustedIssuers]


class ResponseChecker(Protocol):
    """What the endpoints and pages need of the checks engine."""

    async def check(self, request: RequestToAnswer, response: AuthorizationResponse) -> Report: ...

    async def check_document(self, document: str | dict[str, Any]) -> Report: ...


class CheckerFactory(Protocol):
    def __call__(self, session: AsyncSession, runtime: ServiceRuntime) -> ResponseChecker: ...


class EngineChecker:
    """Checks a response against what its request expects: nonce, audience (the client_id
    exactly as sent), the request's constraints and query."""

    def __init__(self, verifier: Verifier) -> None:
        self.verifier = verifier

    async def check(self, request: RequestToAnswer, response: AuthorizationResponse) -> Report:
        expectation = Expectation(
            nonce=request.nonce,
            audience=request.client_id,
            constraints=Constraints.model_validate(request.constraints),
            dcql_query=request.dcql_query,
            presentation_definition=request.presentation_definition,
        )
        return await self.verifier.check_response(
            response.vp_token, response.presentation_submission, expectation
        )

    async def check_document(self, document: str | dict[str, Any]) -> Report:
        """A credential or presentation a person pasted or uploaded (no request)."""
        return await self.verifier.check_document(document)


def stored_trust_list(session: AsyncSession) -> TrustedIssuers:
    return TrustList(session)


class EngineCheckers:
    """Makes an ``EngineChecker`` per unit of work, each with that unit's trust list; the
    rest of the engine is built once per runtime (the app's lifetime): one status-list
    cache, one DID resolver (whose did:key documents are remembered; a resolver per
    request started with an empty memory every time) and the formats."""

    def __init__(self, trust: TrustFor = stored_trust_list) -> None:
        self._trust = trust
        self._cache: StatusListCache | None = None
        self._engine: tuple[ServiceRuntime, Verifier] | None = None

    def __call__(self, session: AsyncSession, runtime: ServiceRuntime) -> EngineChecker:
        trust = self._trust(session)
        if self._engine is None or self._engine[0] is not runtime:
            self._engine = (runtime, self._new_engine(runtime, trust))
        return EngineChecker(self._engine[1].with_trust(trust))

    def _new_engine(self, runtime: ServiceRuntime, trust: TrustedIssuers) -> Verifier:
        settings = verifier_settings(runtime)
        if self._cache is None:
            self._cache = StatusListCache(
                settings.status_cache_ttl_seconds,
                max_staleness_seconds=settings.status_max_staleness_seconds,
            )
        resolver = DIDResolver(runtime.http, allow_http_loopback=settings.is_development)
        status = StatusCheck(runtime.http, resolver, self._cache)
        return Verifier(resolver=resolver, status=status, trust=trust)
