"""The page a learner's browser comes back to after presenting from a wallet on the same
device (``links.DONE_PATH``, named by the response endpoint's ``redirect_uri``).

No sign-in: the response code in the link, which only the wallet that answered was given,
proves that this is the learner's browser (OpenID4VP "Session Fixation"). The page says
that the answer arrived and, in one sentence, how it went; the details stay with the
employer. A wrong or missing code is refused in words.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from shared.errors import Forbidden
from shared.runtime import SessionDep
from verifier.pages.common import render
from verifier.requests.links import DONE_PATH
from verifier.requests.protocol import answer_for_browser

router = APIRouter(include_in_schema=False)
PAGE = "verifier/done.html"
# No max_length: a validator's refusal would be library text; an overlong code is simply
# not the right one (answer_for_browser refuses it in words).
ResponseCode = Annotated[str | None, Query()]


@router.get(DONE_PATH)
async def answer_received(
    request: Request, request_id: str, session: SessionDep, response_code: ResponseCode = None
) -> Response:
    try:
        answer = await answer_for_browser(session, request_id, response_code)
    except Forbidden as refused:
        return render(request, PAGE, {"refused": refused.description}, status_code=403)
    return render(request, PAGE, {"answer": answer})
