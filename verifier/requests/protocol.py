"""The OpenID4VP endpoints' rules: hand out request objects, take the one response.

- Request object (``GET``/``POST /oid4vp/request/{id}``): only while the request is pending
  and unexpired; signed for a DID verifier, unsigned for a ``redirect_uri`` one; with
  ``request_uri_method=post`` it echoes the wallet's ``wallet_nonce``. Fetched through the
  same-device link, it marks the request same-device.
- Same-device return (``GET /requests/{id}/done?response_code=…``): the response code the
  wallet was given proves this is the learner's browser, which then sees that its answer
  arrived (and whether it was verified) without signing in. The code works once
  (OpenID4VP: invalidate it after use; ``browser_secret_for``): it is traded for a secret
  the browser keeps in a cookie, so a reload still shows the answer (``answer_for_browser``)
  while the address, in the history or read over a shoulder, opens nothing.
- Response (``POST /oid4vp/response``, direct_post): the state names a live request; the
  presentations are checked by the engine (verifier.checks) against the request's nonce,
  client_id (the audience, prefix included) and constraints; the result is kept by one
  conditional UPDATE that only one response can win (repository.store_result), in the same
  unit of work as the webhook that announces it. The checks run before that UPDATE, so the
  write (and SQLite's write lock) lasts only as long as storing the result.

  Statements per response: one SELECT (the request, and whether its organisation has a
  webhook endpoint), one for the trust list per issuer (in the checks), the conditional
  UPDATE, and only when there are endpoints, their SELECT and one INSERT per endpoint; one
  commit. An endpoint enabled while a response is being checked may miss that result, as it
  could before when it was enabled just after the endpoints were read: a result goes to the
  endpoints there were when it arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import as_utc, utcnow
from shared.errors import Forbidden, ProtocolError
from shared.runtime import ServiceRuntime
from shared.tokens import new_token, same_secret, token_hash
from verifier.models import Organisation, PresentationRequest
from verifier.requests import links, repository
from verifier.requests.engine import ResponseChecker
from verifier.requests.identity import VerifierIdentity
from verifier.requests.repository import RequestToAnswer
from verifier.requests.request_object import (
    request_object_claims,
    signed_request_object,
    unsigned_request_object,
)
from verifier.requests.response_form import AuthorizationResponse, invalid_request
from verifier.requests.service import (
    PENDING,
    REDIRECT_URI,
    REJECTED,
    VERIFIED,
    authorization_parameters,
    verifier_settings,
)
from verifier.webhooks.service import Webhooks


def invalid_request_uri(description: str, status_code: int = 400) -> ProtocolError:
    return ProtocolError(description, code="invalid_request_uri", status_code=status_code)


@dataclass(frozen=True)
class ResponseAnswer:
    """The response endpoint's JSON: ``{}``, or ``{"redirect_uri": …}`` for a same-device flow."""

    redirect_uri: str | None = None

    def to_json(self) -> dict[str, str]:
        return {} if self.redirect_uri is None else {"redirect_uri": self.redirect_uri}


class OpenID4VP:
    def __init__(
        self, session: AsyncSession, runtime: ServiceRuntime, checker: ResponseChecker
    ) -> None:
        self._session = session
        self._runtime = runtime
        self._settings = verifier_settings(runtime)
        self._checker = checker

    async def request_object(
        self, request_id: str, *, same_device: bool = False, wallet_nonce: str | None = None
    ) -> str:
        request = await repository.request_by_id(self._session, request_id)
        if request is None:
            raise invalid_request_uri("There is no such presentation request.", 404)
        now = utcnow()
        _require_open(request, now, invalid_request_uri)
        if same_device and not request.same_device:
            await repository.mark_same_device(self._session, request.id)
        organisation = await self._session.get(Organisation, request.organisation_id)
        client_name = organisation.name if organisation else self._settings.display_name
        parameters = authorization_parameters(request, self._settings.base_url, client_name)
        claims = request_object_claims(
            parameters,
            issued_at=int(now.timestamp()),
            expires_at=int(as_utc(request.expires_at).timestamp()),
            wallet_nonce=wallet_nonce,
        )
        if request.client_id_scheme == REDIRECT_URI:
            return unsigned_request_object(claims)
        identity = VerifierIdentity(self._session, self._runtime.key_encryption_key)
        return signed_request_object(claims, await identity.signing_key())

    async def accept_response(self, response: AuthorizationResponse) -> ResponseAnswer:
        received_at = utcnow()
        request = await repository.request_to_answer(self._session, response.state)
        if request is None:
            raise invalid_request("The state names no presentation request of this verifier.")
        _require_open(request, received_at, invalid_request)
        values: dict[str, Any]
        if response.error is not None:
            values = {
                "status": REJECTED,
                "verified": False,
                "report": None,
                "wallet_error": response.error,
                "wallet_error_description": response.error_description,
            }
        else:
            report = await self._checker.check(request, response)
            values = {
                "status": VERIFIED if report.verified else REJECTED,
                "verified": report.verified,
                "report": report.to_json(),
            }
        response_code = new_token() if request.same_device else None
        if response_code is not None:
            values["response_code_hash"] = token_hash(response_code)
        stored = await repository.store_result(
            self._session, request.id, received_at=received_at, values=values
        )
        if not stored:
            raise invalid_request("This request has been answered already.")
        if request.has_webhooks:
            await self._announce(request, values, received_at)
        if response_code is None:
            return ResponseAnswer()
        return ResponseAnswer(links.done_uri(self._settings.base_url, request.id, response_code))

    async def _announce(
        self, request: RequestToAnswer, values: dict[str, Any], at: datetime
    ) -> None:
        """Queue the result for the organisation's webhooks (verifier.webhooks' outbox), in
        the unit of work that stores it: a result is never without its delivery."""
        report = values.get("report") or {}
        payload = {
            "status": values["status"],
            "verified": values["verified"],
            "checks": report.get("checks", []),
            "credentials": report.get("credentials", []),
            "wallet_error": values.get("wallet_error"),
        }
        webhooks = Webhooks(
            self._session,
            self._runtime.key_encryption_key,
            allow_loopback=self._settings.is_development,
        )
        await webhooks.result_ready(request.id, request.organisation_id, payload, now=at)


def _require_open(
    request: PresentationRequest | RequestToAnswer, now: datetime, error: Any
) -> None:
    if request.status != PENDING or request.responded_at is not None:
        raise error("This presentation request has been answered already.")
    if as_utc(request.expires_at) <= now:
        raise error("This presentation request has expired; ask for a new QR code.")


def browser_secret_matches(request: PresentationRequest, secret: str) -> bool:
    """The same-device browser's proof that it is the one the wallet sent back (VP "Session
    Fixation"): only it may see the result without signing in."""
    return request.response_code_hash is not None and same_secret(
        secret, request.response_code_hash
    )


MAX_RESPONSE_CODE = 200  # ours are 43 characters; anything much longer is not one of ours
WRONG_RESPONSE_CODE = (
    "This link is not the one your wallet sent you back with, or it was opened already in "
    "another browser, so nothing can be shown here. "
    "If you shared from your wallet, the employer has your answer; otherwise ask them for a "
    "new QR code."
)


@dataclass(frozen=True)
class BrowserAnswer:
    """What the learner's own browser may see after a same-device presentation."""

    organisation_name: str
    status: str  # verified | rejected
    wallet_error: str | None  # the wallet sent an error (the learner declined, say)


async def browser_secret_for(
    session: AsyncSession, request_id: str, response_code: str | None
) -> str:
    """A new secret for the browser that brought ``response_code`` back, which the code is
    traded for: one conditional UPDATE, so the code works once even when two arrive at the
    same moment (on any replica). Forbidden, in the same words, for anyone else."""
    if not response_code or len(response_code) > MAX_RESPONSE_CODE:
        raise Forbidden(WRONG_RESPONSE_CODE)
    secret = new_token()
    swapped = await repository.swap_response_code(
        session, request_id, given_hash=token_hash(response_code), browser_hash=token_hash(secret)
    )
    if not swapped:
        raise Forbidden(WRONG_RESPONSE_CODE)
    return secret


async def answer_for_browser(
    session: AsyncSession, request_id: str, browser_secret: str | None
) -> BrowserAnswer:
    """The answer to ``request_id``, for the browser holding its secret; Forbidden (the same
    words whether the request or the secret is unknown) for anyone else."""
    request = await repository.request_by_id(session, request_id)
    if (
        request is None
        or not browser_secret
        or len(browser_secret) > MAX_RESPONSE_CODE
        or request.responded_at is None
        or not browser_secret_matches(request, browser_secret)
    ):
        raise Forbidden(WRONG_RESPONSE_CODE)
    organisation = await session.get(Organisation, request.organisation_id)
    return BrowserAnswer(
        organisation_name=organisation.name if organisation else "The employer",
        status=request.status,
        wallet_error=request.wallet_error,
    )
