"""The accounts API: sign up, open and close sessions, the learner's own record, erase."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from holder.accounts.limits import SIGNUP_LIMITS
from holder.accounts.schemas import LogInIn, MeOut, SessionOut, SignUpIn
from holder.deps import (
    LearnerDep,
    RuntimeDep,
    SessionDep,
    SettingsDep,
    accounts,
    logins,
    presented_session_token,
)
from holder.pages.common import clear_session_cookie

router = APIRouter(prefix="/api/v1", tags=["accounts"])
NO_STORE = {"Cache-Control": "no-store"}


@router.post(
    "/accounts",
    status_code=201,
    dependencies=SIGNUP_LIMITS,
    responses={429: {"description": "Too many sign-ups from this address; see Retry-After."}},
)
async def sign_up(
    body: SignUpIn, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> MeOut:
    """Create an account; the wallet makes the learner's own key and did:key for it."""
    learner = await accounts(session, runtime, settings).sign_up(body.to_sign_up())
    return MeOut.of(learner)


@router.post(
    "/sessions",
    status_code=201,
    response_model=SessionOut,
    responses={429: {"description": "Too many failed attempts; see Retry-After (seconds)."}},
)
async def log_in(
    body: LogInIn,
    response: Response,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> SessionOut:
    """A bearer token for API clients (the pages keep theirs in a cookie instead).

    After too many failed attempts for an address, 429 with ``Retry-After`` (seconds).
    """
    _, token = await logins(session, runtime, settings).log_in(body.email, body.password)
    response.headers.update(NO_STORE)
    return SessionOut(token=token, expires_in=settings.session_ttl_seconds)


@router.delete("/sessions/current", status_code=204)
async def log_out(
    request: Request,
    _learner: LearnerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    token = presented_session_token(request)
    assert token is not None  # LearnerDep found a learner for it
    await accounts(session, runtime, settings).log_out(token)
    response = Response(status_code=204)
    clear_session_cookie(request, response)
    return response


@router.get("/me")
async def me(learner: LearnerDep, response: Response) -> MeOut:
    response.headers.update(NO_STORE)
    return MeOut.of(learner)


@router.delete("/me", status_code=204)
async def erase(
    request: Request,
    learner: LearnerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    """Erase the account and everything in it: credentials, pending offers and requests,
    history, sessions and the holder key. There is no undo."""
    await accounts(session, runtime, settings).erase(learner)
    response = Response(status_code=204)
    clear_session_cookie(request, response)
    return response
