"""Signing in to the registrar's pages with an API token, and signing out.

The token pasted here is kept in an HttpOnly, SameSite=Strict cookie sent only to /admin
pages: scripts in a page cannot read it and other sites cannot make the browser send it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from issuer.admin.audit import record
from issuer.admin.auth import SESSION_COOKIE, actor_for_token
from issuer.deps import SessionDep, SettingsDep
from issuer.pages.common import (
    COOKIE_PATH,
    LOGIN_PATH,
    SameOriginDep,
    render,
    safe_next,
    session_cookie_secure,
)

router = APIRouter(prefix="/admin", include_in_schema=False)

# The cookie ends with the working day; the token itself lives until the operator revokes it.
SESSION_SECONDS = 12 * 3600


@router.get("/login")
async def sign_in_page(request: Request, next: str | None = None) -> Response:
    return render(request, "issuer/login.html", {"next": safe_next(next)})


@router.post("/login")
async def sign_in(
    request: Request,
    _same_origin: SameOriginDep,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    token = token.strip()
    actor = await actor_for_token(session, token) if token else None
    if actor is None:
        context = {"next": safe_next(next), "error": "This token is unknown or was revoked."}
        return render(request, "issuer/login.html", context, status_code=401)
    await record(session, actor.name, "admin.sign_in")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=session_cookie_secure(settings.base_url),
    )
    return response


@router.post("/logout")
async def sign_out(_same_origin: SameOriginDep, settings: SettingsDep) -> Response:
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(
        SESSION_COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=session_cookie_secure(settings.base_url),
    )
    return response
