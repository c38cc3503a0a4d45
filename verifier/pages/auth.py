"""Signing in to the employer's pages with a verifier API token, and signing out.

The token is kept in an HttpOnly, SameSite=Strict cookie sent only to /employer pages. The
sign-in form carries a CSRF token bound to a pre-session cookie (login CSRF would sign the
recruiter's browser in as someone else, whose requests they would then fill).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from shared.runtime import SessionDep
from verifier.employers.service import Employers
from verifier.pages.common import HOME_PATH, LOGIN_PATH, PAGES, SITE, CsrfDep, render

router = APIRouter(prefix=PAGES, include_in_schema=False)

# The cookie ends with the working day; the token itself lives until it is revoked.
SESSION_SECONDS = 12 * 3600
MAX_TOKEN = 200
NextPath = Annotated[str | None, Query(alias="next", max_length=1024)]


@router.get("/login")
async def sign_in_page(request: Request, next_path: NextPath = None) -> Response:
    return render(request, "verifier/login.html", {"next": SITE.safe_next(next_path)})


@router.post("/login")
async def sign_in(
    request: Request,
    _csrf: CsrfDep,
    session: SessionDep,
    token: Annotated[str, Form(max_length=MAX_TOKEN)] = "",
    next_path: Annotated[str | None, Form(alias="next", max_length=1024)] = None,
) -> Response:
    token = token.strip()
    employer = await Employers(session).employer_for_token(token) if token else None
    if employer is None:
        context = {
            "next": SITE.safe_next(next_path),
            "error": "This token is unknown or was revoked. Paste the whole token you were "
            "given, or ask your administrator for a new one.",
        }
        return render(request, "verifier/login.html", context, status_code=401)
    return SITE.signed_in_response(request, token, next_path, max_age=SESSION_SECONDS)


@router.post("/logout")
async def sign_out(request: Request, _csrf: CsrfDep) -> Response:
    return SITE.signed_out_response(request, LOGIN_PATH)


@router.get("")
async def without_slash() -> RedirectResponse:
    return RedirectResponse(HOME_PATH, status_code=303)
