"""The page a learner's browser comes back to after presenting from a wallet on the same
device (``links.DONE_PATH``, named by the response endpoint's ``redirect_uri``).

No sign-in: the response code in the link, which only the wallet that answered was given,
proves that this is the learner's browser (OpenID4VP "Session Fixation"). The code works
once: the first visit trades it for a secret in a cookie for this page alone and sends the
browser on to the same page without the code, so a reload shows the answer again while the
link itself opens nothing a second time. The page says that the answer arrived and, in one
sentence, how it went; the details stay with the employer. A wrong, used or missing code is
refused in words.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Forbidden
from shared.runtime import SessionDep
from verifier.pages.common import SITE, render
from verifier.requests.links import DONE_PATH
from verifier.requests.protocol import answer_for_browser, browser_secret_for

router = APIRouter(include_in_schema=False)
PAGE = "verifier/done.html"
# No max_length: a validator's refusal would be library text; an overlong code is simply
# not the right one (browser_secret_for refuses it in words).
ResponseCode = Annotated[str | None, Query()]
BROWSER_COOKIE = "credstack_verifier_answer"
# Long enough to come back to the page the same day; the answer itself stays with the employer.
BROWSER_COOKIE_SECONDS = 24 * 3600


@router.get(DONE_PATH)
async def answer_received(
    request: Request, request_id: str, session: SessionDep, response_code: ResponseCode = None
) -> Response:
    try:
        answer = await answer_for_browser(session, request_id, request.cookies.get(BROWSER_COOKIE))
    except Forbidden as refused:
        if response_code is None:
            return render(request, PAGE, {"refused": refused.description}, status_code=403)
        return await _trade_code(request, request_id, session, response_code)
    return render(request, PAGE, {"answer": answer})


async def _trade_code(
    request: Request, request_id: str, session: AsyncSession, response_code: str
) -> Response:
    """The wallet's code, traded for this browser's cookie; then the page without the code."""
    try:
        secret = await browser_secret_for(session, request_id, response_code)
    except Forbidden as refused:
        return render(request, PAGE, {"refused": refused.description}, status_code=403)
    page = DONE_PATH.format(request_id=request_id)
    response = RedirectResponse(page, status_code=303)
    # Lax, not the employer pages' Strict: the wallet opened this page from another site, and
    # a Strict cookie set in that navigation is not sent on its own redirect.
    SITE.set_cookie(
        request,
        response,
        BROWSER_COOKIE,
        secret,
        max_age=BROWSER_COOKIE_SECONDS,
        path=page,
        samesite="lax",
    )
    return response
