"""The public OpenID4VCI endpoints: metadata, offer objects, token, nonce, credential, notification.

No admin authentication here: the pre-authorized code, then the access token, is the
authorization. Every response that carries or depends on a secret is ``no-store``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Header, Request, Response
from fastapi.responses import JSONResponse

from issuer.awards.offers import Offers
from issuer.catalogue.service import Catalogue
from issuer.deps import RuntimeDep, SessionDep, SettingsDep
from issuer.oid4vci import repository
from issuer.oid4vci.limits import CREDENTIAL_LIMITS, NONCE_LIMITS, TOKEN_LIMITS
from issuer.oid4vci.metadata import (
    CREDENTIAL_PATH,
    NONCE_PATH,
    NOTIFICATION_PATH,
    TOKEN_PATH,
    authorization_server_metadata,
    catalogue_courses,
    credential_issuer_metadata,
)
from issuer.oid4vci.rendered import rendered_documents
from issuer.oid4vci.schemas import (
    CredentialResponse,
    Draft13CredentialResponse,
    NonceResponse,
    TokenResponse,
)
from issuer.oid4vci.service import CredentialIssuance, Nonces, PreAuthorizedGrant
from issuer.organisations.service import Organisations
from shared.credentials.microcredential.i18n import LocalizedText

router = APIRouter(tags=["OpenID4VCI"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many requests; see Retry-After (seconds)."}
}
Authorization = Annotated[str | None, Header()]
JSON = "application/json"
JSON_DOCUMENT: dict[int | str, dict[str, Any]] = {200: {"content": {JSON: {}}}}


def _no_store(body: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status_code, headers=NO_STORE)


@router.get("/.well-known/openid-credential-issuer", responses=JSON_DOCUMENT)
async def credential_issuer_metadata_document(
    request: Request, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> Response:
    """Credential issuer metadata (OpenID4VCI 1.0 §12.2; the draft-13 URL is the same)."""

    async def render() -> dict[str, Any]:
        organisations = await Organisations(session, settings, runtime.key_encryption_key).all()
        names = {o.id: LocalizedText.model_validate(o.name) for o in organisations}
        items = await Catalogue(session, settings.base_url).items()
        courses = catalogue_courses(items, names)
        return credential_issuer_metadata(settings, names.values(), courses)

    version = await repository.catalogue_version(session)
    body = await rendered_documents(request.app).body("credential_issuer", version, render)
    return Response(body, media_type=JSON)


@router.get("/.well-known/oauth-authorization-server", responses=JSON_DOCUMENT)
async def authorization_server_metadata_document(
    request: Request, settings: SettingsDep
) -> Response:
    """OAuth 2.0 authorization server metadata (RFC 8414): the token endpoint and grant."""

    async def render() -> dict[str, Any]:
        return authorization_server_metadata(settings)

    # A function of the settings alone: rendered once per process.
    body = await rendered_documents(request.app).body("authorization_server", None, render)
    return Response(body, media_type=JSON)


@router.get("/credential-offer/{uri_token}")
async def credential_offer(
    uri_token: str, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> JSONResponse:
    """The offer object behind a ``credential_offer_uri``: repeatable until redeemed, each
    time with a fresh short-lived pre-authorized code."""
    offers = Offers(session, settings, runtime.key_encryption_key)
    offer = await offers.live_by_uri_token(uri_token)
    return _no_store(offers.offer_object(offer, await offers.achievement_id(offer)))


@router.post(
    TOKEN_PATH, response_model=TokenResponse, dependencies=TOKEN_LIMITS, responses=RATE_LIMITED
)
async def token(
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    grant_type: Annotated[str, Form()],
    pre_authorized_code: Annotated[str | None, Form(alias="pre-authorized_code")] = None,
    tx_code: Annotated[str | None, Form()] = None,
    user_pin: Annotated[str | None, Form(description="draft-11 name of tx_code")] = None,
) -> JSONResponse:
    """Exchange a pre-authorized code (and its tx_code) for an access token."""
    grant = PreAuthorizedGrant(session, settings, runtime.sessions, runtime.key_encryption_key)
    response = await grant.exchange(grant_type, pre_authorized_code, tx_code or user_pin)
    return _no_store(response.model_dump())


@router.post(
    NONCE_PATH, response_model=NonceResponse, dependencies=NONCE_LIMITS, responses=RATE_LIMITED
)
async def nonce(session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """A fresh c_nonce for a key proof: single use, short-lived."""
    return _no_store((await Nonces(session, settings).issue()).model_dump())


@router.post(
    CREDENTIAL_PATH,
    response_model=CredentialResponse | Draft13CredentialResponse,
    dependencies=CREDENTIAL_LIMITS,
    responses=RATE_LIMITED,
)
async def credential(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    authorization: Authorization = None,
) -> JSONResponse:
    """Issue the award's credential in the requested configuration, bound to the proof's key.

    Body (1.0): ``{"credential_configuration_id", "proofs": {"jwt": [proof]}}``; (draft 13):
    ``{"format", "credential_definition", "proof": {"proof_type": "jwt", "jwt"}}``.
    """
    issuance = CredentialIssuance(session, settings, runtime.sessions, runtime.key_encryption_key)
    token = await issuance.authorize(authorization)
    response = await issuance.issue(token, await request.body())
    return _no_store(response.model_dump(mode="json"))


@router.post(NOTIFICATION_PATH, status_code=204)
async def notification(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    authorization: Authorization = None,
) -> Response:
    """What the wallet did with a credential: accepted, failed or deleted."""
    issuance = CredentialIssuance(session, settings, runtime.sessions, runtime.key_encryption_key)
    token = await issuance.authorize(authorization)
    await issuance.notify(token, await request.body())
    return Response(status_code=204, headers=NO_STORE)
