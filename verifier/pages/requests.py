"""The employer's request pages: the list, a new request, and a request's own page.

A request's page shows the QR code and links while it waits, and updates by itself when the
wallet answers: a small script (served as a static file, the pages allow no inline script)
listens to ``/events``, server-sent events that poll the database on the server, so the
answer is seen whichever replica received it; without EventSource the script polls
``/state``; without scripts a "Check for an answer" link reloads the page. Then the page
shows the report: verified or not, the issuer as the trust list names it, the learner's
disclosed data, the EU elements, every check, and the webhook deliveries.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from shared.errors import CredstackError
from shared.runtime import RuntimeDep, SessionDep
from verifier.checks.constraints import Constraints
from verifier.checks.facts import DISCLOSABLE
from verifier.checks.isced import field_name
from verifier.checks.report import Report
from verifier.employers.service import Employer
from verifier.models import PresentationRequest
from verifier.pages.common import PAGES, CsrfDep, EmployerPageDep, discard_changes, render
from verifier.pages.request_form import (
    CLIENT_IDS,
    ERAS,
    FORMATS,
    LIMITS,
    MAX_CREDENTIALS,
    RequestForm,
    blank_form,
    constraints_of,
    read_form,
)
from verifier.requests import repository
from verifier.requests.service import (
    DECENTRALIZED_IDENTIFIER,
    PENDING,
    REDIRECT_URI,
    NewRequest,
    Requests,
    status_of,
)
from verifier.requests.templates import Templates
from verifier.webhooks.service import Webhooks

router = APIRouter(prefix=PAGES, include_in_schema=False)

LISTED = 100
NO_STORE = {"Cache-Control": "no-store"}
# How often the event stream looks at the database, and how long one stream lasts before
# the browser's EventSource reconnects (which it does by itself, after ``retry`` ms).
POLL_SECONDS = 1.0
STREAM_SECONDS = 120.0
RETRY_MS = 2000
STATUS_WORDS = {
    "pending": "Waiting for the learner",
    "verified": "Verified",
    "rejected": "Not verified",
    "expired": "Expired without an answer",
}


def _path(request_id: str) -> str:
    return f"{PAGES}/requests/{request_id}"


@router.get("/")
async def request_list(
    request: Request, employer: EmployerPageDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    rows = await Requests(session, runtime, employer).recent(LISTED)
    listed = [(row, status_of(row)) for row in rows]
    return render(request, "verifier/requests.html", {"rows": listed, "words": STATUS_WORDS})


@router.get("/requests/new")
async def new_request_page(
    request: Request, employer: EmployerPageDep, session: SessionDep
) -> Response:
    return await _form_page(request, session, employer, blank_form())


@router.post("/requests/new")
async def create_request(
    request: Request,
    employer: EmployerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    form = read_form(await request.form())
    constraints = None if form.template else constraints_of(form)
    new = None
    if (form.template and not form.errors) or constraints:
        new = NewRequest(
            template=form.template,
            constraints=constraints,
            title=form.title,
            client_id_scheme=form.client_id_scheme,
            era=form.era,
        )
    if new is None:
        return await _form_page(request, session, employer, form, status_code=400)
    try:
        made = await Requests(session, runtime, employer).create(new)
    except CredstackError as error:
        await discard_changes(request, session)
        form.errors.setdefault("template" if form.template else "request", error.description)
        return await _form_page(request, session, employer, form, status_code=error.status_code)
    return RedirectResponse(_path(made.id), status_code=303)


async def _form_page(
    request: Request,
    session: SessionDep,
    employer: Employer,
    form: RequestForm,
    status_code: int = 200,
) -> Response:
    context = {
        "form": form,
        "v": form.values,
        "errors": form.errors,
        "templates": await Templates(session, employer).all(),
        "formats": FORMATS,
        "client_ids": CLIENT_IDS,
        "eras": ERAS,
        "disclosable": DISCLOSABLE,
        "limits": LIMITS,
        "max_credentials": MAX_CREDENTIALS,
    }
    return render(request, "verifier/new_request.html", context, status_code=status_code)


@router.get("/requests/{request_id}")
async def request_page(
    request: Request,
    request_id: str,
    employer: EmployerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    requests = Requests(session, runtime, employer)
    found = await requests.get(request_id)
    status = status_of(found)
    context: dict[str, Any] = {
        "item": found,
        "status": status,
        "words": STATUS_WORDS,
        "links": requests.links(found),
        "constraints": found.constraints,
        "formats": FORMATS,
        "disclosable": DISCLOSABLE,
        "field_words": field_name(found.constraints.get("field_of_study") or "") or None,
        "report": Report.from_json(found.report) if found.report else None,
        "deliveries": [],
    }
    if status != PENDING:
        webhooks = Webhooks(session, runtime.key_encryption_key)
        context["deliveries"] = await webhooks.deliveries(employer.organisation_id, found.id)
    return render(request, "verifier/request.html", context)


@router.get("/requests/{request_id}/qr.{kind}")
async def request_qr(
    request_id: str,
    kind: Literal["svg", "png"],
    employer: EmployerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """The QR code: SVG in the page, PNG to download (to print or put in a message)."""
    requests = Requests(session, runtime, employer)
    found = await requests.get(request_id)
    if kind == "svg":
        return Response(requests.qr_svg(found), media_type="image/svg+xml", headers=NO_STORE)
    headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="request-qr.png"'}
    return Response(requests.qr_png(found), media_type="image/png", headers=headers)


@router.get("/requests/{request_id}/state")
async def request_state(
    request_id: str, employer: EmployerPageDep, session: SessionDep, runtime: RuntimeDep
) -> JSONResponse:
    """The status alone, for the page's script where server-sent events are not available."""
    found = await Requests(session, runtime, employer).get(request_id)
    return JSONResponse({"status": status_of(found)}, headers=NO_STORE)


@router.get("/requests/{request_id}/events")
async def request_events(
    request: Request,
    request_id: str,
    employer: EmployerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> StreamingResponse:
    """``event: status`` with the new status once the request is no longer pending.

    Checked against the database each second in a short unit of work of its own (the
    request's session ends with this handler), so the answer is seen whichever replica took
    it. A stream lasts ``STREAM_SECONDS``; EventSource then reconnects by itself.
    """
    await Requests(session, runtime, employer).get(request_id)  # 404 for another's request
    organisation_id = employer.organisation_id

    async def events() -> AsyncIterator[str]:
        yield f"retry: {RETRY_MS}\n\n"
        loop = asyncio.get_running_loop()
        ends = loop.time() + STREAM_SECONDS
        while loop.time() < ends:
            async with runtime.sessions() as reading:
                found = await repository.request_of(reading, organisation_id, request_id)
            status = _status_or_gone(found)
            if status != PENDING:
                yield f"event: status\ndata: {status}\n\n"
                return
            if await request.is_disconnected():
                return
            yield ": waiting\n\n"
            await asyncio.sleep(POLL_SECONDS)

    headers = {**NO_STORE, "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


def _status_or_gone(found: PresentationRequest | None) -> str:
    return "gone" if found is None else status_of(found)


@router.post("/requests/{request_id}/again")
async def ask_again(
    request_id: str,
    employer: EmployerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """A new request with the same constraints (an expired or answered one cannot be reused)."""
    requests = Requests(session, runtime, employer)
    old = await requests.get(request_id)
    from_template = old.template_name is not None
    made = await requests.create(
        NewRequest(
            template=old.template_name if from_template else None,
            constraints=None if from_template else Constraints.model_validate(old.constraints),
            title=old.title,
            client_id_scheme=REDIRECT_URI
            if old.client_id_scheme == REDIRECT_URI
            else DECENTRALIZED_IDENTIFIER,
            era="draft" if old.era == "draft" else "1.0",
        )
    )
    return RedirectResponse(_path(made.id), status_code=303)
