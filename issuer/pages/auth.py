"""Signing in to the registrar's pages with an API token, and signing out.

The token pasted here is kept in an HttpOnly, SameSite=Strict cookie sent only to /admin
pages: scripts in a page cannot read it and other sites cannot make the browser send it.
The sign-in form itself carries a CSRF token bound to a pre-session cookie (login CSRF would
sign the registrar's browser in as someone else).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from issuer.admin.audit import record
from issuer.admin.auth import actor_for_token
from issuer.deps import SessionDep
from issuer.pages.common import LOGIN_PATH, SITE, CsrfDep, render, safe_next

router = APIRouter(prefix="/admin", include_in_schema=False)

# The cookie ends with the working day; the token itself lives until the operator revokes it.
SESSION_SECONDS = 12 * 3600


@router.get("/login")
async def sign_in_page(request: Request, next: str | None = None) -> Response:
    return render(request, "issuer/login.html", {"next": safe_next(next)})


@router.post("/login")
async def sign_in(
    request: Request,
    _csrf: CsrfDep,
    session: SessionDep,
    token: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    token = token.strip()
    actor = await actor_for_token(session, token) if token else None
    if actor is None:
        context = {"next": safe_next(next), "error": "This token is unknown or was revoked."}
        return render(request, "issuer/login.html", context, status_code=401)
    await record(session, actor.name, "admin.sign_in")
    return SITE.signed_in_response(request, token, next, max_age=SESSION_SECONDS)


@router.post("/logout")
async def sign_out(request: Request, _csrf: CsrfDep) -> Response:
    return SITE.signed_out_response(request, LOGIN_PATH)
