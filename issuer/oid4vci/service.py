"""The OpenID4VCI 1.0 pre-authorized code flow: token, nonce, credential and notification.

- Token: the pre-authorized code names its offer and proves itself by its MAC and age
  (``issuer.oid4vci.codes``); the offer is redeemed by one conditional UPDATE, so two
  requests (or two replicas), with one code or two codes of one offer, can never both
  redeem it. A tx_code attempt is taken from the offer's allowance (one conditional UPDATE,
  committed in its own unit of work) before the code is compared, so a burst of guesses
  gets no more comparisons than the limit; a wrong code at the last attempt withdraws the
  offer.
- Nonce: random, stored hashed with an expiry, spent once by a conditional UPDATE.
- Credential: the access token names the award; the key proof names the holder; the
  credential is bound to that holder only. The nonce is checked before signing and spent
  after it, so that the write (and on SQLite the write lock) is as short as it can be. An
  offer yields one credential per configuration it offers (our metadata publishes no
  batch issuance); a unique (offer, configuration) pair in the database refuses more.
- Draft 13: ``format`` + ``credential_definition`` and a single ``proof`` are accepted and
  answered in draft-13 style, with a fresh ``c_nonce`` in the response and in nonce and
  proof errors (a draft-13 wallet has no nonce endpoint).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer.admin.audit import record
from issuer.awards.credential import unsigned_credential
from issuer.awards.offers import is_live
from issuer.awards.service import Awards
from issuer.models import AccessToken, Award, CredentialOffer
from issuer.oid4vci import repository
from issuer.oid4vci.codes import PreAuthorizedCodes, TxCodeDigests
from issuer.oid4vci.configurations import (
    CONFIGURATIONS,
    PRE_AUTHORIZED_GRANT,
    PROOF_TYPE_JWT,
    Configuration,
    Requested,
    resolve,
)
from issuer.oid4vci.errors import (
    CREDENTIAL_REQUEST_DENIED,
    INVALID_CREDENTIAL_REQUEST,
    INVALID_ENCRYPTION_PARAMETERS,
    INVALID_GRANT,
    INVALID_NONCE,
    INVALID_NOTIFICATION_ID,
    INVALID_NOTIFICATION_REQUEST,
    INVALID_PROOF,
    INVALID_REQUEST,
    UNKNOWN_CREDENTIAL_CONFIGURATION,
    UNKNOWN_CREDENTIAL_IDENTIFIER,
    UNSUPPORTED_CREDENTIAL_FORMAT,
    UNSUPPORTED_CREDENTIAL_TYPE,
    UNSUPPORTED_GRANT_TYPE,
    ErrorWithNonce,
    invalid_token,
)
from issuer.oid4vci.proofs import KeyProofs, invalid_proof
from issuer.oid4vci.schemas import (
    CredentialRequestBody,
    CredentialResponse,
    Draft13CredentialResponse,
    IssuedCredentialItem,
    NonceResponse,
    NotificationRequest,
    SignedCredential,
    TokenResponse,
)
from issuer.organisations.service import Organisations
from issuer.settings import IssuerSettings
from issuer.status.service import AwardStatus
from shared import jsonbody
from shared.clock import as_utc, utcnow
from shared.credentials.formats import get_format
from shared.db import session_scope
from shared.did.resolver import DIDResolver
from shared.errors import ProtocolError
from shared.tokens import new_token, token_hash

WALLET = "wallet"  # the audit log's actor for what an (anonymous) wallet does

Model = TypeVar("Model", bound=BaseModel)
Result = TypeVar("Result")


class Nonces:
    def __init__(self, session: AsyncSession, settings: IssuerSettings) -> None:
        self._session = session
        self._ttl = timedelta(seconds=settings.nonce_ttl_seconds)

    @property
    def ttl_seconds(self) -> int:
        return int(self._ttl.total_seconds())

    async def issue(self) -> NonceResponse:
        value = new_token()
        await repository.add_nonce(self._session, token_hash(value), now=utcnow(), ttl=self._ttl)
        return NonceResponse(c_nonce=value)

    async def check_live(self, value: str) -> None:
        if not await repository.nonce_is_live(self._session, token_hash(value), now=utcnow()):
            raise _stale_nonce()

    async def use(self, value: str) -> None:
        if not await repository.use_nonce(self._session, token_hash(value), now=utcnow()):
            raise _stale_nonce()


def _stale_nonce() -> ProtocolError:
    return ProtocolError(
        "The proof's nonce is unknown, expired or used; get a new one and sign a new proof.",
        code=INVALID_NONCE,
    )


class _ProtocolEndpoint:
    """What the token and credential endpoints work with: the request's unit of work, a
    factory for units of work of their own (a failed tx_code attempt or a nonce handed out
    in an error must outlive the request's rollback), the settings and the KEK."""

    def __init__(
        self,
        session: AsyncSession,
        settings: IssuerSettings,
        sessions: async_sessionmaker[AsyncSession],
        kek: bytes,
    ) -> None:
        self._session = session
        self._settings = settings
        self._sessions = sessions
        self._kek = kek


class PreAuthorizedGrant(_ProtocolEndpoint):
    """The token endpoint (1.0 §6) for the pre-authorized code grant."""

    @cached_property
    def _codes(self) -> PreAuthorizedCodes:
        return PreAuthorizedCodes.of(self._settings, self._kek)

    async def exchange(
        self, grant_type: str, code: str | None, tx_code: str | None
    ) -> TokenResponse:
        if grant_type != PRE_AUTHORIZED_GRANT:
            raise ProtocolError(
                f"This issuer supports only the {PRE_AUTHORIZED_GRANT} grant.",
                code=UNSUPPORTED_GRANT_TYPE,
            )
        if not code:
            raise ProtocolError("pre-authorized_code is missing.", code=INVALID_REQUEST)
        offer_id = self._codes.offer_id(code, utcnow())
        now = utcnow()
        award_id = None
        if not tx_code:
            award_id = await repository.redeem_offer_without_tx_code(
                self._session, offer_id, now=now
            )
        if award_id is None:
            # A PIN, or an offer that cannot be redeemed: read it, to check the PIN or say why.
            award_id = await self._redeem_after_reading(offer_id, tx_code or None)
            now = utcnow()
        access_token = new_token()
        ttl = self._settings.access_token_ttl_seconds
        repository.add_access_token(
            self._session,
            token_hash(access_token),
            offer_id=offer_id,
            award_id=award_id,
            now=now,
            expires_at=now + timedelta(seconds=ttl),
        )
        nonces = Nonces(self._session, self._settings)
        nonce = await nonces.issue()
        await record(
            self._session,
            WALLET,
            "offer.redeem",
            target=f"award:{award_id}",
            details={"offer": offer_id},
        )
        return TokenResponse(
            access_token=access_token,
            expires_in=ttl,
            c_nonce=nonce.c_nonce,
            c_nonce_expires_in=nonces.ttl_seconds,
        )

    async def _redeem_after_reading(self, offer_id: str, tx_code: str | None) -> str:
        """Redeem an offer that needs its tx_code checked (or refuse one that cannot be
        redeemed, saying why); the award's id."""
        offer = await repository.offer(self._session, offer_id)
        if offer is None or not is_live(offer):
            raise _invalid_grant()
        if offer.tx_code_hash is not None and tx_code:
            # A tx_code attempt runs in units of work of its own: the request's read ends
            # first, so that no request ever holds two connections and a burst cannot take
            # the whole pool with requests each waiting for a second one.
            await self._session.commit()
        await self._check_tx_code(offer, tx_code)
        if not await repository.redeem_offer(self._session, offer.id, now=utcnow()):
            raise _invalid_grant()  # someone else redeemed it a moment ago
        return offer.award_id

    async def _check_tx_code(self, offer: CredentialOffer, tx_code: str | None) -> None:
        if offer.tx_code_hash is None:
            if tx_code is not None:
                raise ProtocolError(
                    "This offer has no transaction code; send no tx_code.", code=INVALID_REQUEST
                )
            return
        if tx_code is None:
            raise ProtocolError(
                "This offer needs the transaction code (tx_code) that was sent separately.",
                code=INVALID_REQUEST,
            )
        attempt = await self._take_attempt(offer)
        if attempt is None:
            raise _too_many_tx_codes()
        if TxCodeDigests(self._kek).matches(tx_code, offer.tx_code_hash):
            return
        await self._record_failure(offer, attempt)
        if attempt >= self._settings.tx_code_max_failures:
            raise _too_many_tx_codes()
        left = self._settings.tx_code_max_failures - attempt
        # The count in words a wallet can show as it is (and parse: "N tries left").
        raise ProtocolError(
            f"Wrong transaction code; {left} {'try' if left == 1 else 'tries'} left.",
            code=INVALID_GRANT,
        )

    async def _take_attempt(self, offer: CredentialOffer) -> int | None:
        """The number of this attempt, committed before the comparison (the request itself
        may fail and roll back); None when the offer has no attempts left."""
        max_attempts = self._settings.tx_code_max_failures

        async def take(session: AsyncSession) -> int | None:
            return await repository.take_tx_code_attempt(
                session, offer.id, max_attempts=max_attempts
            )

        return await in_own_unit_of_work(self._sessions, take)

    async def _record_failure(self, offer: CredentialOffer, attempt: int) -> None:
        """Audit the wrong code; the last attempt allowed also withdraws the offer."""
        last = attempt >= self._settings.tx_code_max_failures

        async def record_failure(session: AsyncSession) -> None:
            if last and not await repository.lock_offer(session, offer.id, now=utcnow()):
                return  # redeemed or withdrawn meanwhile
            await record(
                session,
                WALLET,
                "offer.lock" if last else "offer.tx_code_failure",
                target=f"award:{offer.award_id}",
                details={"offer": offer.id, "failures": attempt},
            )

        await in_own_unit_of_work(self._sessions, record_failure)


def _too_many_tx_codes() -> ProtocolError:
    return ProtocolError(
        "Wrong transaction code, too many times: this offer is withdrawn. "
        "Ask the issuer for a new one.",
        code=INVALID_GRANT,
    )


async def in_own_unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[Result]],
) -> Result:
    """Run ``work`` in a unit of work of its own, committed although the request that asked
    for it fails (the request's own unit of work is rolled back with the error): a failed
    tx_code attempt must count, a nonce handed out in an error must exist."""
    async with session_scope(sessions) as session:
        return await work(session)


def _invalid_grant() -> ProtocolError:
    return ProtocolError(
        "The credential offer of this pre-authorized code has expired, was withdrawn "
        "or was already used.",
        code=INVALID_GRANT,
    )


def bearer_token(authorization: str | None) -> str:
    """The access token of an ``Authorization: Bearer`` header (RFC 6750 §2.1)."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise invalid_token("An access token from the token endpoint is needed (Bearer).")
    return value.strip()


@dataclass(frozen=True)
class IssuanceRequest:
    """A credential request reduced to what matters, whatever its draft."""

    configuration: Configuration
    proof_jwt: Any | None
    draft13: bool
    achievement_id: str | None = None  # a per-achievement configuration was named


class CredentialIssuance(_ProtocolEndpoint):
    """The credential endpoint (1.0 §8) and the notification endpoint (1.0 §11)."""

    @cached_property
    def _resolver(self) -> DIDResolver:
        # No HTTP client: holders are did:key / did:jwk / jwk, all resolved locally.
        return DIDResolver()

    async def authorize(self, authorization: str | None) -> AccessToken:
        token = await repository.access_token(
            self._session, token_hash(bearer_token(authorization))
        )
        if token is None or as_utc(token.expires_at) <= utcnow():
            raise invalid_token("The access token is unknown or expired.")
        return token

    async def issue(
        self, token: AccessToken, body: bytes
    ) -> CredentialResponse | Draft13CredentialResponse:
        request = parse_credential_request(body)
        try:
            return await self._issue(token, request)
        except ProtocolError as exc:
            if request.draft13 and exc.code in (INVALID_PROOF, INVALID_NONCE):
                # The request fails: drop its writes now, so that a write lock it may hold
                # (SQLite) does not hold up the nonce written beside it.
                await self._session.rollback()
                nonce = await in_own_unit_of_work(
                    self._sessions, lambda session: Nonces(session, self._settings).issue()
                )
                raise ErrorWithNonce(exc, nonce.c_nonce, self._nonce_ttl) from None
            raise

    async def notify(self, token: AccessToken, body: bytes) -> None:
        """Record what the wallet did with a credential; repeating a notification is harmless."""
        notification = _parse(body, NotificationRequest, INVALID_NOTIFICATION_REQUEST)
        issued = await repository.issued_credential(self._session, notification.notification_id)
        if issued is None or issued.award_id != token.award_id:
            raise ProtocolError(
                "No credential issued with this access token has that notification_id.",
                code=INVALID_NOTIFICATION_ID,
            )
        await record(
            self._session,
            WALLET,
            f"credential.{notification.event.removeprefix('credential_')}",
            target=f"award:{issued.award_id}",
            details={"credential": issued.id},
        )

    async def _issue(
        self, token: AccessToken, request: IssuanceRequest
    ) -> CredentialResponse | Draft13CredentialResponse:
        if request.proof_jwt is None:
            raise invalid_proof("The request carries no key proof.")
        proof = await KeyProofs(
            self._resolver,
            audience=self._settings.base_url,
            max_age_seconds=self._settings.proof_max_age_seconds,
        ).verify(request.proof_jwt)
        nonces = Nonces(self._session, self._settings)
        await nonces.check_live(proof.nonce)
        configuration = request.configuration
        if await repository.credential_was_issued(self._session, token.offer_id, configuration.id):
            raise _already_issued()
        award = await self._award(token)
        if request.achievement_id is not None and request.achievement_id != (
            await repository.achievement_of(self._session, award.achievement_version_id)
        ):
            raise ProtocolError(
                "This access token is for another micro-credential than the configuration "
                "named; request one of the configurations of the offer.",
                code=UNKNOWN_CREDENTIAL_CONFIGURATION,
            )
        credential_id = f"urn:uuid:{uuid.uuid4()}"
        signed = await self._sign(award, configuration, proof.holder_did, credential_id)
        await nonces.use(proof.nonce)
        if not await repository.add_issued_credential(
            self._session,
            credential_id,
            award_id=award.id,
            offer_id=token.offer_id,
            configuration_id=configuration.id,
            credential_format=configuration.format,
            holder_did=proof.holder_did,
            now=utcnow(),
        ):
            raise _already_issued()  # a concurrent request won a moment ago
        await record(
            self._session,
            WALLET,
            "credential.issue",
            target=f"award:{award.id}",
            details={"credential": credential_id, "format": request.configuration.format},
        )
        if not request.draft13:
            return CredentialResponse(
                credentials=[IssuedCredentialItem(credential=signed)],
                notification_id=credential_id,
            )
        next_nonce = await nonces.issue()
        return Draft13CredentialResponse(
            credential=signed,
            c_nonce=next_nonce.c_nonce,
            c_nonce_expires_in=self._nonce_ttl,
            notification_id=credential_id,
        )

    async def _award(self, token: AccessToken) -> Award:
        award = await Awards(self._session, self._settings.base_url).get(token.award_id)
        if award.status != AwardStatus.ACTIVE:
            raise ProtocolError(
                "This award is not active (revoked or suspended); no credential is issued.",
                code=CREDENTIAL_REQUEST_DENIED,
            )
        return award

    async def _sign(
        self, award: Award, configuration: Configuration, holder_did: str, credential_id: str
    ) -> SignedCredential:
        organisations = Organisations(self._session, self._settings, self._kek)
        # Held while the credential is built: the session's identity map keeps an object
        # only while it is referenced, and the build reads the organisation again.
        organisation = await organisations.get(award.organisation_id)
        key = await organisations.signing_key(organisation)
        credential = await unsigned_credential(
            self._session,
            self._settings,
            award,
            holder_did=holder_did,
            credential_id=credential_id,
        )
        return await get_format(configuration.format, self._resolver).sign_credential(
            credential, key
        )

    @property
    def _nonce_ttl(self) -> int:
        return self._settings.nonce_ttl_seconds


def _already_issued() -> ProtocolError:
    # Final (1.0 "Credential Request Errors": do not retry): the offer gave what it offered.
    return ProtocolError(
        "This offer's credential in this format has already been issued. Ask the issuer "
        "for a new offer if you need it again.",
        code=CREDENTIAL_REQUEST_DENIED,
    )


def parse_credential_request(body: bytes) -> IssuanceRequest:
    request = _parse(body, CredentialRequestBody, INVALID_CREDENTIAL_REQUEST)
    if request.credential_response_encryption is not None:
        raise ProtocolError(
            "This issuer does not encrypt credential responses.",
            code=INVALID_ENCRYPTION_PARAMETERS,
        )
    requested = _configuration(request)
    return IssuanceRequest(
        configuration=requested.configuration,
        proof_jwt=_proof_jwt(request),
        draft13=request.credential_configuration_id is None,
        achievement_id=requested.achievement_id,
    )


def _configuration(request: CredentialRequestBody) -> Requested:
    named = [
        name
        for name in ("credential_configuration_id", "credential_identifier", "format")
        if getattr(request, name) is not None
    ]
    if len(named) != 1:
        raise _bad_request(
            "Name the credential by exactly one of credential_configuration_id (1.0) "
            "or format (draft 13)."
        )
    if request.credential_identifier is not None:
        raise ProtocolError(
            "This issuer hands out no credential identifiers; use credential_configuration_id.",
            code=UNKNOWN_CREDENTIAL_IDENTIFIER,
        )
    if request.credential_configuration_id is not None:
        requested = resolve(request.credential_configuration_id)
        if requested is None:
            offered = ", ".join(CONFIGURATIONS)
            raise ProtocolError(
                f"Unknown credential configuration; this issuer offers {offered}.",
                code=UNKNOWN_CREDENTIAL_CONFIGURATION,
            )
        return requested
    return Requested(_draft13_configuration(request), None)


def _draft13_configuration(request: CredentialRequestBody) -> Configuration:
    """Draft 13 names a format and the credential's types; each format has one configuration."""
    matching = [c for c in CONFIGURATIONS.values() if c.format == request.format]
    if not matching:
        formats = ", ".join(sorted({c.format for c in CONFIGURATIONS.values()}))
        raise ProtocolError(
            f"Unsupported credential format; this issuer offers {formats}.",
            code=UNSUPPORTED_CREDENTIAL_FORMAT,
        )
    configuration = matching[0]
    definition = request.credential_definition or {}
    # Early draft-13 wallets wrote ``types``; draft 13 itself says ``type``.
    asked = definition.get("type", definition.get("types"))
    if asked is not None and (
        not isinstance(asked, list) or not set(asked) <= set(configuration.types)
    ):
        raise ProtocolError(
            f"Unsupported credential type; this issuer issues {', '.join(configuration.types)}.",
            code=UNSUPPORTED_CREDENTIAL_TYPE,
        )
    return configuration


def _proof_jwt(request: CredentialRequestBody) -> Any | None:
    """The one jwt proof of the request, from ``proofs`` (1.0) or ``proof`` (draft 13)."""
    if request.proof is not None and request.proofs is not None:
        raise _bad_request("Send proofs (1.0) or proof (draft 13), not both.")
    if request.proof is not None:
        if request.proof.proof_type != PROOF_TYPE_JWT:
            raise invalid_proof("Only the jwt proof type is supported.")
        return request.proof.jwt
    if request.proofs is None:
        return None
    if set(request.proofs) != {PROOF_TYPE_JWT}:
        raise invalid_proof("proofs must hold exactly one proof type, jwt.")
    jwts = request.proofs[PROOF_TYPE_JWT]
    if len(jwts) != 1:
        # No batch_credential_issuance in our metadata: one proof, one credential.
        raise _bad_request("This issuer issues one credential per request: send one proof.")
    return jwts[0]


def _bad_request(description: str) -> ProtocolError:
    return ProtocolError(description, code=INVALID_CREDENTIAL_REQUEST)


def _parse(body: bytes, model: type[Model], error_code: str) -> Model:
    try:
        return model.model_validate(jsonbody.loads(body))
    except (ValueError, ValidationError) as exc:
        if isinstance(exc, ValidationError):
            problems = "; ".join(
                f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
                for error in exc.errors()
            )
        elif isinstance(exc, jsonbody.TooDeeplyNested):
            problems = str(exc)
        else:
            problems = "the body is not JSON"
        raise ProtocolError(f"Malformed request: {problems}.", code=error_code) from None
