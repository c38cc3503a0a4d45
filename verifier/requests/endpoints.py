"""The public OpenID4VP endpoints: request objects and the direct_post response URI.

No employer authentication here: the request id (in the request URI) and the state are what
a wallet holds. Errors use OpenID4VP's and RFC 9101's codes; nothing is cached.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import JSONResponse

from verifier.deps import CheckerDep, RuntimeDep, SessionDep, SettingsDep
from verifier.requests.links import REQUEST_PATH, RESPONSE_PATH, SAME_DEVICE
from verifier.requests.protocol import OpenID4VP
from verifier.requests.request_object import JAR_MEDIA_TYPE
from verifier.requests.response_form import read_response

router = APIRouter(tags=["OpenID4VP"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
Flow = Annotated[str | None, Query(description=f'"{SAME_DEVICE}" for our wallet on this device')]


def _request_object(jar: str) -> Response:
    return Response(jar, media_type=JAR_MEDIA_TYPE, headers=NO_STORE)


@router.get(REQUEST_PATH)
async def request_object(
    request_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    checker: CheckerDep,
    flow: Flow = None,
) -> Response:
    """The request object (JAR): signed for a DID verifier, unsigned for redirect_uri."""
    protocol = OpenID4VP(session, runtime, checker)
    return _request_object(
        await protocol.request_object(request_id, same_device=flow == SAME_DEVICE)
    )


@router.post(REQUEST_PATH)
async def request_object_by_post(
    request_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    checker: CheckerDep,
    flow: Flow = None,
    wallet_nonce: Annotated[str | None, Form(max_length=512)] = None,
    wallet_metadata: Annotated[str | None, Form(max_length=64 * 1024)] = None,
) -> Response:
    """``request_uri_method=post``: the same request object, echoing ``wallet_nonce``."""
    protocol = OpenID4VP(session, runtime, checker)
    return _request_object(
        await protocol.request_object(
            request_id, same_device=flow == SAME_DEVICE, wallet_nonce=wallet_nonce or None
        )
    )


@router.post(RESPONSE_PATH)
async def response(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    checker: CheckerDep,
) -> JSONResponse:
    """The wallet's answer (direct_post): ``vp_token`` and ``presentation_submission``, or
    ``error``; always with the request's ``state``."""
    limit = settings.max_response_bytes
    answer = read_response(
        await _body_up_to(request, limit), request.headers.get("content-type"), limit
    )
    protocol = OpenID4VP(session, runtime, checker)
    result = await protocol.accept_response(answer)
    return JSONResponse(result.to_json(), headers=NO_STORE)


async def _body_up_to(request: Request, limit: int) -> bytes:
    """The body, read no further than one byte past ``limit`` (read_response refuses it)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            break
    return bytes(body)
