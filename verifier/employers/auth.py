"""Who is asking: an employer's user or script, by bearer token (API) or cookie (pages)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Unauthorized
from shared.web import presented_token as shared_presented_token
from verifier.employers.service import Employer, Employers

SESSION_COOKIE = "credstack_verifier_session"


def presented_token(request: Request) -> str | None:
    return shared_presented_token(request, SESSION_COOKIE)


async def authenticate(session: AsyncSession, request: Request) -> Employer:
    token = presented_token(request)
    employer = await Employers(session).employer_for_token(token) if token else None
    if employer is None:
        raise Unauthorized(
            "Sign in with your verifier API token (Authorization: Bearer …); "
            "create one with `credstack verifier token create`."
        )
    return employer
